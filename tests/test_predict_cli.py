"""`audioscope predict`: JSON output, table output, exit statuses."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from audioscope.core.batch.vectors import CLIPS_PER_TASK
from audioscope.core.dataset.metadata import CLASS_NAMES


def audioscope(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "audioscope", *args], capture_output=True,
                          text=True, timeout=300)


def test_json_is_one_array_in_argument_order_with_errors_and_exit_1(originals_root, tmp_path):
    good = sorted(originals_root.glob("audio/fold*/*.wav"))[:2]
    outside = tmp_path / "my clip.wav"
    shutil.copy(good[0], outside)
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    files = [str(good[0]), str(broken), str(good[1]), str(outside), str(tmp_path / "missing.flac")]
    result = audioscope("predict", "--json", *files)
    assert result.returncode == 1, result.stderr
    assert "vectors of" not in result.stderr             # five files: one at a time, no pool
    entries = json.loads(result.stdout)  # the whole of stdout is one JSON document
    assert [e["file"] for e in entries] == files
    for entry in (entries[0], entries[2], entries[3]):
        assert set(entry) == {"file", "predicted", "probabilities", "unfamiliar"}
        assert list(entry["probabilities"]) == list(CLASS_NAMES)
        assert sum(entry["probabilities"].values()) == pytest.approx(1.0)
        assert entry["predicted"] == max(entry["probabilities"], key=entry["probabilities"].get)
    assert set(entries[1]) == {"file", "error"} and "not a readable audio file" in entries[1]["error"]
    assert entries[4]["error"] == "no such file"


def test_all_good_files_exit_0_and_the_table_is_readable(originals_root):
    clip = originals_root / "audio" / "fold7" / "101848-9-0-0.wav"
    result = audioscope("predict", "--top", "2", str(clip))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == str(clip)
    assert lines[1].count("%") == 2 and "final model" in lines[1]


def test_dataset_clip_uses_the_model_that_never_saw_its_fold(flac_root):
    clip = sorted(flac_root.glob("audio/fold2/*.flac"))[0]
    result = audioscope("predict", str(clip))
    assert result.returncode == 0 and "trained without fold 2" in result.stdout


def test_usage_errors_exit_2(tmp_path, originals_root):
    assert audioscope("predict").returncode == 2
    clip = str(next(originals_root.glob("audio/fold1/*.wav")))
    assert audioscope("predict", "--top", "0", clip).returncode == 2
    refused = audioscope("predict", "--model", str(tmp_path), clip)
    assert refused.returncode == 2 and "--trust-model" in refused.stderr


def test_several_files_get_their_vectors_from_the_worker_pool_and_the_same_predictions(originals_root, tmp_path):
    """Issue 18: the vectors are computed on two worker processes into the feature cache, as
    `extract` does; the predictions equal those of one process; a second run finds them all."""
    import os

    files = [str(f) for f in sorted(originals_root.glob("audio/fold*/*.wav"))]
    n = len(files)
    assert n > CLIPS_PER_TASK                                     # more than one task: a pool

    def run(jobs: str, cache: Path) -> subprocess.CompletedProcess:
        env = {**os.environ, "AUDIOSCOPE_CACHE_DIR": str(cache)}
        return subprocess.run([sys.executable, "-m", "audioscope", "predict", "--json", "--jobs", jobs, *files],
                              capture_output=True, text=True, timeout=300, env=env)

    alone, pooled = run("1", tmp_path / "one"), run("2", tmp_path / "two")
    assert alone.returncode == 0 and pooled.returncode == 0, alone.stderr + pooled.stderr
    assert "vectors of" not in alone.stderr                       # one process: no pool
    assert re.search(rf"vectors of {n} files: {n} computed \([\d.]+ clips/s on forked processes\), "
                     r"0 from the cache, 0 unreadable", pooled.stderr), pooled.stderr
    one, two = json.loads(alone.stdout), json.loads(pooled.stdout)
    assert [e["file"] for e in one] == [e["file"] for e in two] == files
    for a, b in zip(one, two):
        assert a["predicted"] == b["predicted"]
        for name, p in a["probabilities"].items():
            assert b["probabilities"][name] == pytest.approx(p, abs=1e-5)
    again = run("2", tmp_path / "two")
    assert f"{n} from the cache" in again.stderr and json.loads(again.stdout) == two
