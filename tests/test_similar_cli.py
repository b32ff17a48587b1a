"""``audioscope similar FILE``: the dataset's nearest clips by cosine distance of the standardised
clip vectors, checked against scikit-learn's cosine distances; bad input exits 2 naming it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from sklearn.metrics.pairwise import cosine_distances
from us8k_subsets import copy_small_dataset

from audioscope.core.batch.vectors import extract_vectors
from audioscope.core.dataset.metadata import load_dataset


@pytest.fixture(scope="module")
def small(flac_root, tmp_path_factory):
    return copy_small_dataset(flac_root, tmp_path_factory.mktemp("home") / "UrbanSound8K")


def similar(*args, cache):
    env = dict(os.environ, AUDIOSCOPE_CACHE_DIR=str(cache))
    return subprocess.run([sys.executable, "-m", "audioscope", "similar", *map(str, args)],
                          capture_output=True, text=True, timeout=600, env=env)


def test_a_dataset_clip_and_a_foreign_file_get_their_nearest_clips(small, original_files, tmp_path):
    dataset = load_dataset(small)
    table = dataset.table
    clip = table.iloc[3]
    done = similar(clip["path"], "--json", cache=tmp_path / "cache")       # its own dataset is found
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    found = result["similar"]
    assert len(found) == 10 and clip["slice_file_name"] not in [f["slice_file_name"] for f in found]
    # independently: standardise the vectors, cosine distances by scikit-learn
    X, _ = extract_vectors(table["path"].tolist(), jobs=1)
    z = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1)
    d = cosine_distances(z[3:4], z)[0]
    d[3] = np.inf
    order = np.argsort(d, kind="stable")[:10]
    assert [f["slice_file_name"] for f in found] == table["slice_file_name"].to_numpy()[order].tolist()
    assert [f["distance"] for f in found] == pytest.approx(d[order].tolist(), abs=1e-6)
    by_name = table.set_index("slice_file_name")
    assert all(f["class"] == by_name.loc[f["slice_file_name"], "class"] and
               f["fold"] == by_name.loc[f["slice_file_name"], "fold"] for f in found)

    foreign = similar(original_files[0], "--dataset", small, "-k", "3", cache=tmp_path / "cache")
    assert foreign.returncode == 0, foreign.stderr
    lines = foreign.stdout.splitlines()
    assert lines[0].endswith(f"the 3 nearest of {len(table)} clips in {small}") and len(lines) == 4


def test_bad_input_is_named_and_nothing_is_printed(small, tmp_path):
    garbage = tmp_path / "noise.wav"
    garbage.write_bytes(b"not audio at all" * 10)
    done = similar(garbage, "--dataset", small, cache=tmp_path / "cache")
    assert done.returncode == 2 and done.stdout == "" and str(garbage) in done.stderr
    nowhere = similar(garbage, cache=tmp_path / "cache")
    assert nowhere.returncode == 2 and "--dataset" in nowhere.stderr
