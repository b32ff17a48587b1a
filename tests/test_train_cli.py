"""`audioscope train` from the command line: refusals and failures are clear and change nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEADER = "slice_file_name,fsID,start,end,salience,fold,classID,class\n"


def audioscope(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "audioscope", *args], capture_output=True,
                          text=True, timeout=300)


def broken_dataset(root: Path) -> Path:
    """Two folds whose four 'audio' files are text."""
    (root / "metadata").mkdir(parents=True)
    rows = ["1-3-0-0.wav,1,0,1,1,1,3,dog_bark", "2-8-0-0.wav,2,0,1,1,1,8,siren",
            "3-3-0-0.wav,3,0,1,1,2,3,dog_bark", "4-8-0-0.wav,4,0,1,1,2,8,siren"]
    (root / "metadata" / "UrbanSound8K.csv").write_text(HEADER + "\n".join(rows) + "\n")
    for row in rows:
        name, fold = row.split(",")[0], row.split(",")[5]
        (root / "audio" / f"fold{fold}").mkdir(parents=True, exist_ok=True)
        (root / "audio" / f"fold{fold}" / name).write_text("not audio")
    return root


def test_output_inside_the_dataset_or_onto_a_file_is_refused(tmp_path):
    root = broken_dataset(tmp_path / "ds")
    inside = audioscope("train", "--dataset", str(root), "--out", str(root / "model"))
    assert inside.returncode == 2 and "inside the dataset folder" in inside.stderr
    assert not (root / "model").exists()
    a_file = tmp_path / "a file"
    a_file.write_text("keep me")
    onto_file = audioscope("train", "--dataset", str(root), "--out", str(a_file))
    assert onto_file.returncode == 2 and "is not a folder" in onto_file.stderr
    assert a_file.read_text() == "keep me"


def test_unreadable_clips_give_a_clear_error_and_leave_an_old_bundle_alone(tmp_path):
    root = broken_dataset(tmp_path / "ds")
    out = tmp_path / "model"
    out.mkdir()
    (out / "model_card.json").write_text("{}")
    result = audioscope("train", "--dataset", str(root), "--out", str(out), "--jobs", "1")
    assert result.returncode == 1
    assert "4 unreadable file(s)" in result.stderr and "not a readable audio file" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["model_card.json"]
    assert (out / "model_card.json").read_text() == "{}"
