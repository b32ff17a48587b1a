"""The classifier recipe: batched clip vectors equal one-at-a-time ones; extraction and its cache."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from audioscope.core.batch.vectors import extract_vectors, vectors_for_files
from audioscope.core.dataset.metadata import load_dataset
from audioscope.core.model.stats_recipe import COARSE_PARAMS, VECTOR_LENGTH, clip_vector, clip_vectors
from audioscope.core.signal.features import FeatureParams, compute_features
from audioscope.core.store.cache import FeatureCache
from audioscope.core.store.cached_analysis import analyse_file


@pytest.fixture(scope="module")
def mixed_clips(flac_root, original_files):
    """The 12 shortest FLAC clips (0.05 s up: a few frames), 12 four-second ones, 6 originals."""
    table = load_dataset(flac_root).table
    table = table[table["available"]].sort_values("duration")
    paths = table["path"].tolist()[:12] + table["path"].tolist()[-12:] + original_files[::8]
    return [analyse_file(p, also=(COARSE_PARAMS,)) for p in paths]


def test_batched_vectors_equal_one_clip_at_a_time(mixed_clips):
    frames = {a.features.mel_db.shape[1] for a in mixed_clips}
    assert min(frames) < 8 and max(frames) == 173 and len(frames) > 5   # short, long, mixed
    batched = clip_vectors([a.features for a in mixed_clips], [a.extra[0] for a in mixed_clips],
                           [a.clip.signal for a in mixed_clips])
    assert batched.shape == (len(mixed_clips), VECTOR_LENGTH) and np.isfinite(batched).all()
    for row, a in zip(batched, mixed_clips):
        np.testing.assert_array_equal(row, clip_vector(a.features, a.clip.signal, a.extra[0]))
        np.testing.assert_array_equal(row, clip_vector(a.features, a.clip.signal))   # coarse computed


def test_vectors_differ_between_clips_and_reflect_level(mixed_clips):
    a = mixed_clips[-1]
    quieter = (a.clip.signal * 0.1).astype(np.float32)
    loud = clip_vector(a.features, a.clip.signal)
    quiet = clip_vector(compute_features(quieter), quieter)
    assert not np.allclose(loud, quiet)
    # the 40-band statistics are level-relative: the band shape is unchanged by a gain of 0.1
    np.testing.assert_allclose(loud[:40], quiet[:40], atol=1e-3)


def test_coarse_features_with_other_parameters_are_refused(mixed_clips):
    a = mixed_clips[0]
    with pytest.raises(ValueError, match="coarse features need"):
        clip_vector(a.features, a.clip.signal, compute_features(a.clip.signal, FeatureParams(n_mels=64)))


def test_extraction_names_bad_files_and_caches_good_ones(flac_root, tmp_path):
    good = sorted(flac_root.glob("audio/fold1/*.flac"))[:5]
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt ")
    paths = [str(good[0]), str(broken), *map(str, good[1:])]
    direct = vectors_for_files(paths)
    assert isinstance(direct[1], str) and "broken.wav" in direct[1]
    cache = FeatureCache(tmp_path / "cache")
    matrix, errors = extract_vectors(paths, jobs=2, cache=cache)
    assert errors == [direct[1]] and np.isnan(matrix[1]).all()
    expected = np.array([direct[i] for i in (0, 2, 3, 4, 5)])
    np.testing.assert_array_equal(matrix[[0, 2, 3, 4, 5]], expected)
    with sqlite3.connect(cache.vectors.path) as db:           # one stored vector per good file
        assert db.execute("SELECT COUNT(*) FROM vectors").fetchone() == (5,)
    assert not list((tmp_path / "cache").rglob("*.npz"))
    progress = []
    again, _ = extract_vectors(paths, jobs=2, cache=cache, progress=lambda i, n: progress.append((i, n)))
    np.testing.assert_array_equal(again[[0, 2, 3, 4, 5]], expected)
    assert progress[-1] == (6, 6)


def test_percentiles_equal_numpys_bit_for_bit():
    from audioscope.core.model.stats_recipe import percentiles

    rng = np.random.default_rng(0)
    for trial in range(500):
        values = rng.normal(size=(2, int(rng.integers(1, 40)), int(rng.integers(1, 300)))) * 50
        if trial % 3 == 0:
            values = np.round(values)                 # ties
        for qs in ((10, 50, 90), (10, 90), (0, 100)):
            np.testing.assert_array_equal(percentiles(values, qs), np.percentile(values, qs, axis=-1))
