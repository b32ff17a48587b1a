"""`audioscope train` from the command line: refusals and failures are clear and change nothing.

``--out`` may only be a new folder, an empty one or an earlier bundle; never the dataset, a
folder inside it or one that contains it. Nothing else is touched, whatever happens."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from small_disk import file_size_limit, small_tmpfs
from us8k_subsets import copy_small_dataset

HEADER = "slice_file_name,fsID,start,end,salience,fold,classID,class\n"
BUNDLE_FILES = ["cv_predictions.csv", "final.joblib", "final.npz", "model_card.json", "novelty.npz",
                "reliability.png", "report.txt", "without_fold_1.joblib", "without_fold_1.npz",
                "without_fold_2.joblib", "without_fold_2.npz"]


def audioscope(*args: str, cwd: Path | None = None, cache: Path | None = None,
               preexec_fn=None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if cache is not None:
        env["AUDIOSCOPE_CACHE_DIR"] = str(cache)
    return subprocess.run([sys.executable, "-m", "audioscope", *args], capture_output=True,
                          text=True, timeout=300, cwd=cwd, env=env, preexec_fn=preexec_fn)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file and folder under ``folder`` (hidden ones too), with file contents."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"<dir>")
            for p in sorted(folder.rglob("*"))}


@pytest.fixture(scope="module")
def real_dataset(flac_root, tmp_path_factory) -> Path:
    """40 real clips (2 per class in folds 1 and 2) in a folder of their own."""
    return copy_small_dataset(flac_root, tmp_path_factory.mktemp("home") / "UrbanSound8K")


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def trained_bundle(real_dataset, shared_cache, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("first") / "model"
    result = audioscope("train", "--dataset", str(real_dataset), "--out", str(out), "--jobs", "2",
                        cache=shared_cache)
    assert result.returncode == 0, result.stderr
    return out


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
    card = '{"format": 1, "recipe": "clip-stats-4", "models": {}}'
    (out / "model_card.json").write_text(card)
    result = audioscope("train", "--dataset", str(root), "--out", str(out), "--jobs", "1")
    assert result.returncode == 1
    assert "4 unreadable file(s)" in result.stderr and "not a readable audio file" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["model_card.json"]
    assert (out / "model_card.json").read_text() == card


def test_a_folder_holding_other_files_is_refused_and_left_alone(real_dataset, tmp_path):
    existing = tmp_path / "existing"
    existing.mkdir()
    (existing / "thesis.txt").write_text("four years of work")
    before = snapshot(tmp_path)
    result = audioscope("train", "--dataset", str(real_dataset), "--out", str(existing))
    assert result.returncode == 2, result.stderr
    assert "not empty and is not an audioscope model bundle" in result.stderr
    assert str(existing) in result.stderr and "Traceback" not in result.stderr
    assert snapshot(tmp_path) == before        # nothing added, renamed or removed beside it either


def test_a_folder_that_contains_the_dataset_is_refused_however_it_is_named(real_dataset):
    home = real_dataset.parent
    before = snapshot(home)
    for out, cwd in ((home, None), (Path("."), home), (real_dataset, None), (real_dataset / "audio", None),
                     (Path(".."), real_dataset / "audio")):
        result = audioscope("train", "--dataset", str(real_dataset), "--out", str(out), cwd=cwd)
        assert result.returncode == 2, (out, cwd, result.stderr)
        assert "dataset folder" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(home) == before


def test_an_earlier_bundle_with_a_foreign_file_in_it_is_refused(trained_bundle, real_dataset, tmp_path):
    import shutil

    out = tmp_path / "model"
    shutil.copytree(trained_bundle, out)
    (out / "notes.md").write_text("my notes")
    before = snapshot(tmp_path)
    result = audioscope("train", "--dataset", str(real_dataset), "--out", str(out))
    assert result.returncode == 2 and "notes.md" in result.stderr
    assert snapshot(tmp_path) == before


def test_training_fills_an_empty_folder_and_then_replaces_its_own_bundle(real_dataset, shared_cache,
                                                                          tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    first = audioscope("train", "--dataset", str(real_dataset), "--out", str(out), "--jobs", "2",
                       cache=shared_cache)
    assert first.returncode == 0, first.stderr
    assert sorted(p.name for p in out.iterdir()) == BUNDLE_FILES
    assert "Confusion matrix" in first.stdout
    # after the extraction's progress, every later stage is said, with the seconds elapsed
    stages = re.findall(r"^\[ *(\d+\.\d) s\] (.+)…$", first.stderr, flags=re.MULTILINE)
    assert [text for _, text in stages] == [
        "cross-validating: fold 1 of 2 (testing on fold 1)", "cross-validating: fold 2 of 2 (testing on fold 2)",
        "fitting the final model on all 40 clips", "fitting the model without fold 1 (1 of 2)",
        "fitting the model without fold 2 (2 of 2)", f"writing the bundle to {out}"], first.stderr
    seconds = [float(s) for s, _ in stages]
    assert seconds == sorted(seconds)
    assert (out / "report.txt").read_text().strip() == first.stdout.strip()
    created = json.loads((out / "model_card.json").read_text())["created"]
    second = audioscope("train", "--dataset", str(real_dataset), "--out", str(out), "--jobs", "2",
                        cache=shared_cache)
    assert second.returncode == 0, second.stderr
    assert sorted(p.name for p in out.iterdir()) == BUNDLE_FILES
    card = json.loads((out / "model_card.json").read_text())
    assert card["training_data"]["clips_per_fold"] == {"1": 20, "2": 20}
    assert card["created"] >= created
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]     # no temporary folders left
    predicted = audioscope("predict", "--json", "--model", str(out), "--trust-model",
                           str(next(real_dataset.glob("audio/fold1/*.flac"))))
    assert predicted.returncode == 0, predicted.stderr


def test_a_full_disk_names_the_file_and_keeps_the_earlier_bundle(trained_bundle, real_dataset,
                                                                shared_cache, tmp_path):
    """The disk holds the earlier bundle with little room to spare: the new bundle cannot be
    written, the message names the file, and the earlier bundle is untouched."""
    import shutil

    used = sum(-(-p.stat().st_size // 4096) * 4096 for p in trained_bundle.iterdir())
    with small_tmpfs(tmp_path / "disk", used + 16 * 4096) as disk:
        limit = None
        if disk is None:                     # no mounting here: cap the size of written files
            disk = tmp_path / "disk"
            limit = file_size_limit(min(p.stat().st_size for p in trained_bundle.glob("*.joblib")) - 1)
        out = disk / "model"
        shutil.copytree(trained_bundle, out)
        before = snapshot(disk)
        result = audioscope("train", "--dataset", str(real_dataset), "--out", str(out), "--jobs", "2",
                            cache=shared_cache, preexec_fn=limit)
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        message = result.stderr.strip().splitlines()[-1]
        assert f"{out}{os.sep}" in message and "cannot be written" in message, message
        assert ("No space left on device" if limit is None else "File too large") in message
        assert snapshot(disk) == before          # the earlier bundle as it was, nothing left over
