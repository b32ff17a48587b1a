"""core.store.cache: keyed by content + parameters + code version, atomic, never an error."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audioscope.core.signal.features import FeatureParams
from audioscope.core.store import cache as cache_module
from audioscope.core.store.cache import FeatureCache
from audioscope.core.store.cached_analysis import analyse_file


def file_digest(path) -> str:
    """What the cache keys an analysis by: the SHA-256 of the file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def entries(cache: FeatureCache) -> list:
    return sorted(cache.directory.rglob("*.npz"))


def test_round_trip_returns_the_computed_features(tmp_path, original_files):
    cache = FeatureCache(tmp_path / "cache")
    first = analyse_file(original_files[0], cache=cache)
    assert len(entries(cache)) == 1
    second = analyse_file(original_files[0], cache=cache)
    np.testing.assert_array_equal(first.features.mel_db, second.features.mel_db)
    np.testing.assert_array_equal(first.features.mfcc, second.features.mfcc)
    np.testing.assert_array_equal(first.features.envelope.maxs, second.features.envelope.maxs)
    assert second.features.n_samples == first.features.n_samples
    assert not list(cache.directory.rglob("*.tmp")), "temporary files left behind"


def test_a_hit_really_comes_from_the_cache(tmp_path, original_files):
    cache = FeatureCache(tmp_path / "cache")
    analysis = analyse_file(original_files[0], cache=cache)
    key = cache.key(file_digest(original_files[0]), FeatureParams().key())
    marked = analysis.features.to_arrays()
    marked["mel_db"] = np.full_like(marked["mel_db"], 7.0)
    cache.save(key, marked)
    assert (analyse_file(original_files[0], cache=cache).features.mel_db == 7.0).all()


def test_key_depends_on_content_parameters_and_code_version(tmp_path, original_files, monkeypatch):
    a, b = original_files[:2]
    p1, p2 = FeatureParams(), FeatureParams(n_mels=64)
    keys = {FeatureCache.key(file_digest(a), p1.key()), FeatureCache.key(file_digest(b), p1.key()),
            FeatureCache.key(file_digest(a), p2.key()), FeatureCache.key(file_digest(a), p1.key(), "clip-stats")}
    assert len(keys) == 4
    copy = tmp_path / "renamed.wav"
    shutil.copy(a, copy)  # same content under another name: same key
    assert FeatureCache.key(file_digest(copy), p1.key()) == FeatureCache.key(file_digest(a), p1.key())
    before = FeatureCache.key(file_digest(a), p1.key())
    monkeypatch.setattr(cache_module, "CODE_VERSION", "features-next")
    assert FeatureCache.key(file_digest(a), p1.key()) != before


@pytest.mark.parametrize("damage", [b"", b"not a zip at all", None])
def test_corrupt_entry_is_ignored_removed_and_rebuilt(tmp_path, original_files, damage, caplog):
    cache = FeatureCache(tmp_path / "cache")
    good = analyse_file(original_files[3], cache=cache)
    (entry,) = entries(cache)
    data = entry.read_bytes()
    entry.write_bytes(data[: len(data) // 2] if damage is None else damage)
    rebuilt = analyse_file(original_files[3], cache=cache)
    np.testing.assert_array_equal(rebuilt.features.mel_db, good.features.mel_db)
    assert "unreadable" in caplog.text
    assert cache.load(cache.key(file_digest(original_files[3]), FeatureParams().key())) is not None


def test_entry_missing_an_array_is_recomputed(tmp_path, original_files, caplog):
    cache = FeatureCache(tmp_path / "cache")
    key = cache.key(file_digest(original_files[5]), FeatureParams().key())
    cache.save(key, {"mel_db": np.zeros((2, 2), np.float32)})
    analysis = analyse_file(original_files[5], cache=cache)
    assert analysis.features.mfcc.shape[0] == 40
    assert "incomplete" in caplog.text


def test_unwritable_cache_location_is_only_logged(tmp_path, original_files, caplog):
    # a file where the cache folder should be: unwritable even for root, who ignores permissions
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = FeatureCache(blocker / "cache")
    assert analyse_file(original_files[0], cache=cache).features.mfcc.shape[0] == 40
    assert cache.save("ab" * 20, {"x": np.zeros(1)}) is False
    assert "not writable" in caplog.text


def test_default_location_follows_the_environment_variable(tmp_path):
    code = "from audioscope.core.store.cache import FeatureCache; print(FeatureCache().directory)"
    env = {**os.environ, "AUDIOSCOPE_CACHE_DIR": str(tmp_path / "elsewhere")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(tmp_path / "elsewhere" / "features")


def test_short_clips_bypass_the_cache_when_asked(original_files, tmp_path):
    cache = FeatureCache(tmp_path / "cache")
    analysis = analyse_file(original_files[0], cache=cache, cache_from_s=20.0)      # a 4 s clip
    assert analysis.features.mel_db.shape[0] == 128
    assert not list((tmp_path / "cache").rglob("*.npz"))
    long_clip = tmp_path / "long.wav"
    repeats = int(np.ceil(21.0 / analysis.clip.duration))
    sf.write(long_clip, np.tile(analysis.clip.samples, (repeats, 1)), analysis.clip.format.sample_rate)
    analyse_file(long_clip, cache=cache, cache_from_s=20.0)      # over 20 s: cached
    assert len(list((tmp_path / "cache").rglob("*.npz"))) == 1
