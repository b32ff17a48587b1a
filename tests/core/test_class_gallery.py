"""Class gallery on 80 real clips: mean spectrograms, typical/outlier ranking, cache."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from us8k_subsets import clips_per_class_and_fold

from audioscope.core.batch.class_gallery import GRID_SECONDS, compute_gallery, grid_frames
from audioscope.core.dataset.metadata import CLASS_NAMES, Dataset, load_dataset
from audioscope.core.model.recipes import DEFAULT_RECIPE
from audioscope.core.model.stats_recipe import COARSE_PARAMS, SignalStats
from audioscope.core.signal.audio import load_clip
from audioscope.core.signal.features import FeatureParams, compute_features
from audioscope.core.store.cache import FeatureCache
from audioscope.core.store.cached_analysis import analyse_file


@pytest.fixture(scope="module")
def small_dataset(flac_root) -> Dataset:
    """4 clips per class in each of folds 1 and 2 (80 real clips)."""
    return clips_per_class_and_fold(flac_root, 4)


@pytest.fixture(scope="module")
def built(small_dataset, tmp_path_factory):
    cache = FeatureCache(tmp_path_factory.mktemp("gallery-cache"))
    calls = []
    gallery = compute_gallery(small_dataset, cache, progress=lambda d, t: calls.append((d, t)), jobs=2)
    return gallery, cache, calls


def padded_mel(path: str) -> tuple[np.ndarray, int]:
    """The clip's mel dB on the 4 s grid, padded with its floor (peak − 80 dB), computed here."""
    mel = compute_features(load_clip(path).signal).mel_db.astype(np.float64)
    n = grid_frames(FeatureParams())
    floor = max(mel.max() - 80.0, -100.0)
    out = np.full((mel.shape[0], n), floor)
    out[:, :min(n, mel.shape[1])] = mel[:, :n]
    return out, mel.shape[1]


def test_mean_spectrogram_is_the_mean_of_the_clips_padded_with_their_floor(built, small_dataset):
    gallery, _, _ = built
    assert grid_frames(FeatureParams()) == 173 and gallery.duration == GRID_SECONDS
    table = small_dataset.table
    short_classes = 0
    for class_name in ("gun_shot", "dog_bark", "air_conditioner"):
        paths = table.loc[table["class"] == class_name, "path"].tolist()
        mels, lengths = zip(*(padded_mel(p) for p in paths))
        row = gallery.row(class_name)
        assert row.n_clips == len(paths) == 8
        assert row.mean_mel.shape == (128, 173) and row.mean_mel.dtype == np.float32
        np.testing.assert_allclose(row.mean_mel, np.mean(mels, axis=0), atol=1e-4)
        expected_coverage = [(np.array(lengths) > f).mean() for f in range(173)]
        np.testing.assert_allclose(row.coverage, expected_coverage, atol=1e-6)
        short_classes += min(lengths) < 173
    assert short_classes, "the check must include clips shorter than 4 s, whose padding matters"
    assert [r.class_name for r in gallery.rows] == list(CLASS_NAMES)
    assert sum(r.n_clips for r in gallery.rows) == 80 and not gallery.skipped


def test_typical_are_nearest_and_outliers_farthest_in_standardised_vector_space(built, small_dataset):
    from sklearn.preprocessing import StandardScaler

    gallery, _, _ = built
    table = small_dataset.table
    recipe = DEFAULT_RECIPE          # the classifier's vectors, which the gallery ranks in
    vectors = []
    for path in table["path"]:       # one clip at a time, not through extract_vectors' batches
        if recipe.uses_statistics:
            analysis = analyse_file(path, also=(COARSE_PARAMS,))
            signal, features, coarse = analysis.clip.signal, [analysis.features], [analysis.extra[0]]
        else:                        # embeddings need only the analysis signal
            signal, features, coarse = load_clip(path).signal, [], []
        vectors.append(recipe.vectors([signal], FeatureParams().sample_rate, [SignalStats.of(signal)],
                                      features, coarse)[0])
    vectors = np.array(vectors)
    assert vectors.shape == (80, recipe.vector_length) and np.isfinite(vectors).all()
    z = StandardScaler().fit_transform(vectors)
    for class_name in CLASS_NAMES:
        members = np.flatnonzero(table["class"].to_numpy() == class_name)
        d = np.linalg.norm(z[members] - z[members].mean(axis=0), axis=1) / np.sqrt(z.shape[1])
        names = table["slice_file_name"].to_numpy()[members]
        order = np.argsort(d)
        row = gallery.row(class_name)
        assert [c.slice_file_name for c in row.typical] == list(names[order[:3]])
        assert [c.slice_file_name for c in row.outliers] == list(names[order[::-1][:3]])
        by_name = dict(zip(names, d))
        for clip in (*row.typical, *row.outliers):
            assert clip.distance == pytest.approx(by_name[clip.slice_file_name], rel=1e-6)
            source = table[table["slice_file_name"] == clip.slice_file_name].iloc[0]
            assert (clip.fold, clip.salience) == (source["fold"], source["salience"])
            assert clip.is_background == (source["salience"] == 2)
        assert row.median_distance == pytest.approx(np.median(d), rel=1e-6)
        assert row.typical[-1].distance <= row.median_distance <= row.outliers[-1].distance


def test_progress_covers_both_phases(built):
    _, _, calls = built
    assert calls[0] == (0, 160) and calls[-1] == (160, 160)
    done = [d for d, _ in calls]
    assert done == sorted(done) and any(80 < d < 160 for d in done)


def test_cache_hit_returns_identical_arrays_and_a_corrupt_entry_is_rebuilt(built, small_dataset):
    gallery, cache, _ = built
    again = compute_gallery(small_dataset, cache, jobs=2)
    assert again.from_cache and not gallery.from_cache

    def same(a, b):
        for x, y in zip(a.rows, b.rows):
            assert np.array_equal(x.mean_mel, y.mean_mel) and np.array_equal(x.coverage, y.coverage)
            assert (x.typical, x.outliers, x.n_clips) == (y.typical, y.outliers, y.n_clips)

    same(gallery, again)
    entries = [p for p in cache.directory.glob("*/*.npz") if "mean_mel" in np.load(p).files]
    assert len(entries) == 1
    entries[0].write_bytes(b"not a zip file")
    rebuilt = compute_gallery(small_dataset, cache, jobs=2)
    assert not rebuilt.from_cache
    same(gallery, rebuilt)
    assert compute_gallery(small_dataset, cache, jobs=2).from_cache
    # other parameters are another entry
    assert not compute_gallery(small_dataset, cache, jobs=2, n_typical=2).from_cache


def test_unreadable_and_missing_classes_are_left_out(small_dataset, tmp_path):
    table = small_dataset.table[small_dataset.table["class"].isin(["siren", "car_horn"])].copy()
    broken = table.iloc[[0]].copy()
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF not really audio")
    broken["slice_file_name"], broken["path"] = "broken.wav", str(bad)
    dataset = Dataset(root=small_dataset.root, table=pd.concat([table, broken], ignore_index=True))
    gallery = compute_gallery(dataset, None, jobs=1)
    assert len(gallery.skipped) == 1 and "broken.wav" in gallery.skipped[0]
    assert gallery.row("siren").n_clips == 8
    names = {c.slice_file_name for r in gallery.rows for c in (*r.typical, *r.outliers)}
    assert "broken.wav" not in names
    empty = gallery.row("dog_bark")
    assert empty.n_clips == 0 and np.isnan(empty.mean_mel).all() and not empty.typical


def test_clips_shorter_than_the_grid_pad_with_floor(flac_root, tmp_path):
    # a copy of one clip cut to 1 s: its frames after 1 s must be its floor, peak − 80 dB
    import soundfile as sf

    full = load_dataset(flac_root)
    row = full.table[full.table["available"]].iloc[0].copy()
    signal, rate = sf.read(row["path"], dtype="float32")
    folder = tmp_path / "audio" / f"fold{row['fold']}"
    folder.mkdir(parents=True)
    sf.write(folder / "cut.flac", signal[:rate], rate)
    shutil.copytree(flac_root / "metadata", tmp_path / "metadata")
    row["path"], row["slice_file_name"] = str(folder / "cut.flac"), "cut.wav"
    gallery = compute_gallery(Dataset(root=tmp_path, table=pd.DataFrame([row])), None, jobs=1)
    mel = gallery.row(row["class"]).mean_mel
    n_real = 1 + rate // 512
    direct = compute_features(load_clip(folder / "cut.flac").signal).mel_db
    np.testing.assert_array_equal(mel[:, :n_real], direct)
    assert np.all(mel[:, n_real:] == np.float32(max(direct.max() - 80.0, -100.0)))
