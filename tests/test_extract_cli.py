"""``audioscope extract``: a dataset's clip vectors on local cores and on a Dask cluster."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from audioscope.core.batch.vectors import vectors_for_files
from audioscope.core.dataset.metadata import load_dataset
from audioscope.core.model.recipes import DEFAULT_RECIPE


@pytest.fixture(scope="module")
def small_dataset(flac_root, tmp_path_factory) -> Path:
    """A 40-clip UrbanSound8K folder (2 per class and fold) copied from the 22 kHz set, plus
    one metadata row whose file is damaged."""
    root = tmp_path_factory.mktemp("us8k-small")
    table = load_dataset(flac_root).table
    subset = table[table["available"]].groupby(["fold", "class"], observed=True).head(2)
    rows = pd.read_csv(flac_root / "metadata" / "UrbanSound8K.csv")
    rows = rows[rows["slice_file_name"].isin(subset["slice_file_name"])]
    damaged = rows.iloc[:1].assign(slice_file_name="999-0-0-0.wav", fsID=999)
    (root / "metadata").mkdir()
    pd.concat([rows, damaged]).to_csv(root / "metadata" / "UrbanSound8K.csv", index=False)
    for fold in (1, 2):
        (root / "audio" / f"fold{fold}").mkdir(parents=True)
    for path in subset["path"]:
        shutil.copy(path, root / "audio" / Path(path).parent.name / Path(path).name)
    (root / "audio" / f"fold{damaged['fold'].iloc[0]}" / "999-0-0-0.wav").write_bytes(b"RIFF\0\0\0\0WAVE")
    return root


def extract(*args: str, cache: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "AUDIOSCOPE_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-m", "audioscope", "extract", *args], capture_output=True,
                          text=True, env=env, timeout=600)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_local_extraction_fills_the_cache_and_writes_both_file_kinds(small_dataset, tmp_path):
    before = snapshot(small_dataset)
    result = extract("--dataset", str(small_dataset), "--jobs", "2", "--out", str(tmp_path / "f.npz"),
                     cache=tmp_path / "cache")
    assert result.returncode == 1, result.stderr                # one damaged file
    assert "999-0-0-0.wav" in result.stderr and "41 clips: 40 computed" in result.stdout
    if sys.platform.startswith("linux"):            # a command-line run forks its workers
        assert "clips/s on forked processes)" in result.stdout
    saved = np.load(tmp_path / "f.npz")
    assert saved["vectors"].shape == (41, 3072) and str(saved["recipe"]) == DEFAULT_RECIPE.version == "clip-embeddings-1"
    table = load_dataset(small_dataset).table
    good = table[table["available"] & (table["slice_file_name"] != "999-0-0-0.wav")]
    expected = vectors_for_files(good["path"].tolist())
    by_name = dict(zip(saved["slice_file_name"], saved["vectors"]))
    for name, vector in zip(good["slice_file_name"], expected):
        np.testing.assert_array_equal(by_name[name], vector)
    assert np.isnan(by_name["999-0-0-0.wav"]).all()

    again = extract("--dataset", str(small_dataset), "--out", str(tmp_path / "f.csv"), cache=tmp_path / "cache")
    assert "0 computed" in again.stdout and "40 from the cache" in again.stdout
    csv = pd.read_csv(tmp_path / "f.csv")
    assert list(csv.columns[:4]) == ["slice_file_name", "fold", "classID", "class"]
    assert csv.shape == (41, 4 + 3072)
    first = csv.iloc[0]
    np.testing.assert_array_equal(first.iloc[4:].to_numpy(float), by_name[first["slice_file_name"]])
    assert snapshot(small_dataset) == before                      # nothing written into the dataset


def test_usage_errors_are_named(small_dataset, tmp_path):
    inside = extract("--dataset", str(small_dataset), "--out", str(small_dataset / "f.npz"), cache=tmp_path)
    assert inside.returncode == 2 and "inside the dataset folder" in inside.stderr
    wrong = extract("--dataset", str(small_dataset), "--out", str(tmp_path / "f.txt"), cache=tmp_path)
    assert wrong.returncode == 2 and ".npz or .csv" in wrong.stderr
    zero = extract("--dataset", str(small_dataset), "--jobs", "0", cache=tmp_path)
    assert zero.returncode == 2 and "0 jobs would do nothing" in zero.stderr and "Traceback" not in zero.stderr
    # nobody listens there: Dask retries until the connect timeout, here 1 s rather than 10 s
    nowhere = extract("--dataset", str(small_dataset), "--scheduler", "tcp://127.0.0.1:9",
                      "--connect-timeout", "1", cache=tmp_path)
    assert nowhere.returncode == 1 and "cannot connect to the Dask scheduler at tcp://127.0.0.1:9" in nowhere.stderr


@pytest.mark.slow
def test_extraction_on_a_dask_cluster_equals_a_local_run(small_dataset, tmp_path):
    from dask.distributed import Client, LocalCluster

    local = extract("--dataset", str(small_dataset), "--jobs", "1", "--out", str(tmp_path / "local.npz"),
                    cache=tmp_path / "cache-local")
    assert local.returncode == 1, local.stderr
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = extract("--dataset", str(small_dataset), "--scheduler", cluster.scheduler_address,
                         "--out", str(tmp_path / "dask.npz"), cache=tmp_path / "cache-dask")
        with Client(cluster) as client:
            ran = client.run_on_scheduler(
                lambda dask_scheduler: {name: dict(prefix.state_counts)
                                        for name, prefix in dask_scheduler.task_prefixes.items()})
    assert remote.returncode == 1 and "on the Dask cluster at tcp://" in remote.stderr, remote.stderr
    assert "40 computed" in remote.stdout and "clips/s on Dask)" in remote.stdout
    # the work really ran on the cluster's workers: 40 readable clips + 1 damaged = two 32-clip tasks
    batches = [counts for name, counts in ran.items() if "_chunk_vectors" in name]
    assert batches and sum(c.get("memory", 0) for c in batches) == 2, ran
    a, b = np.load(tmp_path / "local.npz"), np.load(tmp_path / "dask.npz")
    np.testing.assert_array_equal(a["slice_file_name"], b["slice_file_name"])
    np.testing.assert_array_equal(a["vectors"], b["vectors"])      # NaN rows compare equal too
