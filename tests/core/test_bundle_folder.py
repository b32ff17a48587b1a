"""Where a model bundle may go, and putting it there: checked again at the end, nothing lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from audioscope.core.model.bundle_folder import (
    DestinationRefused,
    check_destination,
    remove_stale_staging,
    staged_bundle,
)

CARD = {"format": 1, "recipe": "clip-stats-4", "models": {"final": {"file": "final.joblib"}}}


def write_bundle(folder: Path, tag: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model_card.json").write_text(json.dumps({**CARD, "tag": tag}))
    (folder / "final.joblib").write_text(tag)


def test_a_file_put_into_the_destination_while_training_ran_is_not_lost(tmp_path):
    out = tmp_path / "model"
    write_bundle(out, "old")
    with pytest.raises(DestinationRefused, match="thesis.txt"):
        with staged_bundle(out) as staging:
            write_bundle(staging, "new")
            (out / "thesis.txt").write_text("written meanwhile")
    assert (out / "thesis.txt").read_text() == "written meanwhile"
    assert (out / "final.joblib").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]     # the staging folder went


def test_an_earlier_bundle_is_swapped_whole_and_a_failure_leaves_it(tmp_path):
    out = tmp_path / "model"
    write_bundle(out, "old")
    with pytest.raises(RuntimeError):
        with staged_bundle(out) as staging:
            write_bundle(staging, "half")
            raise RuntimeError("training failed")
    assert (out / "final.joblib").read_text() == "old"
    with staged_bundle(out) as staging:
        write_bundle(staging, "new")
    assert (out / "final.joblib").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_symlinks_are_resolved_before_the_dataset_check(tmp_path):
    dataset = tmp_path / "data" / "UrbanSound8K"
    (dataset / "metadata").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "data")
    for out in (tmp_path / "link", tmp_path / "link" / "UrbanSound8K" / "model", dataset):
        with pytest.raises(DestinationRefused, match="dataset folder"):
            check_destination(out, dataset)
    assert check_destination(tmp_path / "new", dataset) == (tmp_path / "new").resolve()


def test_a_killed_writer_leaves_nothing_behind_for_the_next_run(tmp_path):
    """SIGKILL in the middle of swapping bundles: the next run removes the killed process's
    temporary folder and restores the earlier bundle it had moved aside."""
    out = tmp_path / "model"
    write_bundle(out, "old")
    script = textwrap.dedent(f"""
        import os, sys, time
        from pathlib import Path
        import audioscope.core.model.bundle_folder as bf
        out = Path({str(out)!r})
        with bf.staged_bundle(out) as staging:
            (staging / "final.joblib").write_text("new")
            aside = Path(bf.tempfile.mkdtemp(dir=out.parent, prefix=f".model.{{os.getpid()}}.", suffix=".old"))
            out.rename(aside / out.name)          # killed half-way through the swap
            print("ready", flush=True)
            time.sleep(60)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ready"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert not out.exists() and len(list(tmp_path.iterdir())) == 2      # staging and aside
    assert remove_stale_staging(out) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    assert (out / "final.joblib").read_text() == "old"
