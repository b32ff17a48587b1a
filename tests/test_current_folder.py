"""Python files in the folder where audioscope is started are never imported by its processes.

A json.py and a joblib.py that leave a mark and fail: the self-test starts a "python -c"
child and loky's "python -m" workers (and their "-c" resource trackers) from that folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

AUDIOSCOPE = Path(sys.executable).with_name("audioscope")   # sys.executable -m would add cwd itself
HOSTILE = """import os, pathlib
with open(os.environ["HOSTILE_MARKER"], "a") as marker:
    marker.write(f"{__file__} imported by {os.getpid()}\\n")
raise ImportError("imported from the current folder")
"""


@pytest.fixture
def hostile_folder(tmp_path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    for name in ("json", "joblib"):
        (folder / f"{name}.py").write_text(HOSTILE)
    return folder


def private_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ, AUDIOSCOPE_CACHE_DIR=str(tmp_path / "cache"), AUDIOSCOPE_LOG_DIR=str(tmp_path / "log"),
               HOSTILE_MARKER=str(tmp_path / "marker"))
    env.pop("PYTHONSAFEPATH", None)
    return env


def test_the_hostile_files_would_run(tmp_path, hostile_folder):
    # the check below can fail: a plain "python -c" child started there imports them
    done = subprocess.run([sys.executable, "-c", "import json"], cwd=hostile_folder,
                          env=private_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "imported from the current folder" in done.stderr
    assert (tmp_path / "marker").read_text().count("imported by") == 1


def test_the_self_test_and_its_workers_ignore_the_current_folder(tmp_path, hostile_folder):
    done = subprocess.run([str(AUDIOSCOPE), "--self-test"], cwd=hostile_folder, env=private_env(tmp_path),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    # its worker processes ran: loky's from the window's process, the command line's child
    assert "worker processes ok" in done.stdout, done.stdout
    assert not (tmp_path / "marker").exists(), (tmp_path / "marker").read_text()
    assert sorted(p.name for p in hostile_folder.iterdir()) == ["joblib.py", "json.py"]
