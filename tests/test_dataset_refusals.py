"""`audioscope extract` and `train` on hostile datasets: the refusal is one clear line, no traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HEADER = "slice_file_name,fsID,start,end,salience,fold,classID,class"
ROWS = ["101415-3-0-2.wav,101415,1.0,5.0,1,1,3,dog_bark",
        "101415-3-0-3.wav,101415,1.5,5.5,1,1,3,dog_bark"]


def real_dataset(root: Path, flac_root: Path, metadata: str) -> Path:
    """Two real fold-1 clips and the given metadata text; returns the metadata file."""
    (root / "metadata").mkdir(parents=True)
    (root / "audio" / "fold1").mkdir(parents=True)
    for row in ROWS:
        stem = row.split(".", 1)[0]
        shutil.copy(flac_root / "audio" / "fold1" / f"{stem}.flac", root / "audio" / "fold1")
    csv = root / "metadata" / "UrbanSound8K.csv"
    csv.write_text(metadata)
    return csv


def repeated_fold(tmp_path: Path, flac_root: Path) -> tuple[Path, str]:
    csv = real_dataset(tmp_path / "ds", flac_root, "\n".join([HEADER + ",fold", *(r + ",1" for r in ROWS)]) + "\n")
    return tmp_path / "ds", f"{csv}: column 'fold' appears 2 times in the header"


def metadata_outside(tmp_path: Path, flac_root: Path) -> tuple[Path, str]:
    csv = real_dataset(tmp_path / "ds", flac_root, "")
    csv.unlink()
    csv.symlink_to("/etc/passwd")
    return tmp_path / "ds", f"{csv}: leads to /etc/passwd, outside the dataset folder"


def audioscope(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "AUDIOSCOPE_CACHE_DIR": str(tmp_path / "cache"),
           "AUDIOSCOPE_LOG_DIR": str(tmp_path / "log")}
    return subprocess.run([sys.executable, "-m", "audioscope", *args], capture_output=True, text=True,
                          env=env, timeout=300)


@pytest.mark.parametrize("dataset", [repeated_fold, metadata_outside])
@pytest.mark.parametrize("command", ["extract", "train"])
def test_hostile_metadata_is_refused_by_name(tmp_path, flac_root, dataset, command):
    root, message = dataset(tmp_path, flac_root)
    args = ["--dataset", str(root)] + (["--out", str(tmp_path / "model")] if command == "train" else [])
    result = audioscope(tmp_path, command, *args)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith(f"audioscope: {message}"), result.stderr
    assert "root:" not in result.stderr                          # nothing of the outside file shown
    assert not (tmp_path / "model").exists()
