"""A file replaced while it is analysed never leaves one content's features under another's key.

A second process swaps two real clips under one path as fast as it can while audioscope
analyses that path again and again. Afterwards every cache entry must hold exactly the
features of the content whose digest is its key. (When the file was hashed at one moment and
decoded at another, a hostile probe found 8 wrong entries in 500 analyses and 38 in 1761
extracted vectors.)"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from audioscope.core.batch.vectors import extract_vectors, vectors_for_files
from audioscope.core.dataset.metadata import load_dataset
from audioscope.core.model.recipes import STATS
from audioscope.core.signal.features import FeatureParams
from audioscope.core.store.cache import FeatureCache
from audioscope.core.store.cached_analysis import analyse_file

SWAPPER = textwrap.dedent("""
    import os, sys
    path, a, b = sys.argv[1:4]
    tmp = path + ".swap"
    print("swapping", flush=True)
    while True:
        for source in (a, b):
            os.link(source, tmp)
            os.replace(tmp, path)
""")


@contextlib.contextmanager
def swapping(path: Path, a: Path, b: Path):
    """``path`` alternately holds ``a`` and ``b`` (hard links renamed over it) until the block ends."""
    shutil.copy(a, path)
    swapper = subprocess.Popen([sys.executable, "-c", SWAPPER, str(path), str(a), str(b)],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert swapper.stdout.readline().strip() == "swapping"
        yield
    finally:
        swapper.kill()
        swapper.wait()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def two_clips(flac_root, tmp_path) -> tuple[Path, Path]:
    """A siren and a dog bark, copied (the swapper hard-links them)."""
    table = load_dataset(flac_root).table
    chosen = []
    for name in ("siren", "dog_bark"):
        source = Path(table[(table["class"] == name) & table["available"]]["path"].iloc[0])
        chosen.append(shutil.copy(source, tmp_path / f"{name}{source.suffix}"))
    return Path(chosen[0]), Path(chosen[1])


def test_extracted_vectors_are_stored_under_the_digest_of_what_was_decoded(two_clips, tmp_path):
    # The race is in the keying (which bytes were hashed vs decoded), shared by every recipe; the
    # statistics recipe makes 600 extractions fast where embeddings would take minutes.
    a, b = two_clips
    recipe = STATS
    expected = {FeatureCache.key(digest(p), FeatureParams().key(), kind=recipe.cache_kind): v
                for p, v in zip((a, b), vectors_for_files([str(a), str(b)], recipe=recipe))}
    path = tmp_path / "clip.flac"
    with swapping(path, a, b):
        for _ in range(3):
            matrix, errors = extract_vectors([str(path)] * 200, jobs=2, cache=FeatureCache(tmp_path / "cache"),
                                             recipe=recipe)
            assert not errors
    rows = sqlite3.connect(tmp_path / "cache" / "vectors.sqlite3").execute("SELECT key, data FROM vectors").fetchall()
    assert rows, "nothing was cached"
    for key, data in rows:
        assert key in expected, "a vector is stored under a key of neither content"
        assert np.array_equal(np.frombuffer(data, dtype="<f8"), expected[key]), \
            "a vector is stored under the other content's digest"
    # and every row of the result is one of the two contents' vectors
    assert all(any(np.array_equal(row, v) for v in expected.values()) for row in matrix)


def test_analyses_are_cached_under_the_digest_of_what_was_decoded(two_clips, tmp_path):
    a, b = two_clips
    params = FeatureParams()
    expected = {FeatureCache.key(digest(p), params.key()): analyse_file(p, params).features.mel_db
                for p in (a, b)}
    path = tmp_path / "clip.flac"
    checked = 0
    with swapping(path, a, b):
        for _ in range(300):
            analysis = analyse_file(path, params, FeatureCache(tmp_path / "cache"))
            assert any(np.array_equal(analysis.features.mel_db, m) for m in expected.values())
            checked += _check_entries(tmp_path / "cache", expected)
            shutil.rmtree(tmp_path / "cache")                 # the next analysis starts cold
    assert checked > 0, "nothing was cached"


def _check_entries(folder: Path, expected: dict[str, np.ndarray]) -> int:
    """How many entries there are; fails on any that holds the wrong features."""
    entries = list(folder.glob("*/*.npz"))
    for entry in entries:
        assert entry.stem in expected, "an analysis is stored under a key of neither content"
        with np.load(entry) as npz:
            assert np.array_equal(npz["mel_db"], expected[entry.stem]), \
                "an analysis is stored under the other content's digest"
    return len(entries)
