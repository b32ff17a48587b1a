"""Stop signals to real audioscope processes: a clean exit, and no worker process left behind.

Each case starts the installed ``audioscope`` (or the explorer through ``run_explorer``) in its
own session, with a private cache (so it really computes) and log folder, waits until its
worker processes exist, signals it, and reads /proc for what remains.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.process_tree import command_line, descendants, survivors, wait_for

AUDIOSCOPE = Path(sys.executable).with_name("audioscope")   # the installed console script
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def private_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ, AUDIOSCOPE_CACHE_DIR=str(tmp_path / "cache"),
               AUDIOSCOPE_LOG_DIR=str(tmp_path / "log"), QT_QPA_PLATFORM="offscreen")
    env.pop("PYTHONSAFEPATH", None)
    return env


@pytest.fixture
def start(tmp_path):
    """``start(command)``: runs it in tmp_path, in a session of its own, output to tmp_path/out
    and err; afterwards whatever is left of that session (workers included) is killed."""
    started = []

    def run(command: list[str]) -> subprocess.Popen:
        with open(tmp_path / "out", "w") as out, open(tmp_path / "err", "w") as err:
            started.append(subprocess.Popen(command, cwd=tmp_path, env=private_env(tmp_path),
                                            start_new_session=True, stdout=out, stderr=err))
        return started[-1]

    yield run
    for process in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def stop(process: subprocess.Popen, signum: int) -> int:
    """Send ``signum`` (SIGINT as Ctrl+C in a terminal sends it: to the whole process group);
    the exit status."""
    if signum == signal.SIGINT:
        os.killpg(process.pid, signum)
    else:
        os.kill(process.pid, signum)
    try:
        return process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"audioscope did not exit within 60 s of {signal.Signals(signum).name}") from None


def at_least(n: int, processes: list) -> list | None:
    return processes if len(processes) >= n else None


def assert_stopped_cleanly(status: int, signum: int, tmp_path: Path) -> None:
    err = (tmp_path / "err").read_text()
    if signum == signal.SIGKILL:
        assert status == -signal.SIGKILL
        return
    name = signal.Signals(signum).name
    assert status == 128 + signum, err
    assert err.splitlines()[-1] == f"audioscope: stopped by {name}", err
    assert "Traceback" not in err, err


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGKILL],
                         ids=lambda s: signal.Signals(s).name)
def test_a_stopped_extraction_leaves_no_workers_and_no_output(tmp_path, flac_root, start, signum):
    out = tmp_path / "features"
    out.mkdir()
    process = start([str(AUDIOSCOPE), "extract", "--dataset", str(flac_root), "--jobs", "2",
                     "--out", str(out / "clips.npz")])
    workers = wait_for(lambda: at_least(2, descendants(process.pid)), 90, "the extraction's two workers")
    status = stop(process, signum)
    assert survivors(workers, within_s=15) == [], [command_line(pid) for pid, _ in workers]
    assert_stopped_cleanly(status, signum, tmp_path)
    if signum != signal.SIGKILL:
        assert (tmp_path / "out").read_text() == ""            # no summary: it did not finish
        assert list(out.iterdir()) == []                         # and wrote no features file


# The explorer, as `audioscope --dataset` runs it, with one tab opened once the dataset is:
# showing the tab starts its computation (on loky's worker processes, from a Qt process).
EXPLORER = """
import sys
from pathlib import Path
from audioscope.gui.window.explorer_app import run_explorer

def open_tab(window):
    view = {"gallery": window.gallery, "map": window.dataset_map}[sys.argv[2]]
    window.dataset_opened.connect(lambda _dataset: window.right_tabs.setCurrentWidget(view))

raise SystemExit(run_explorer(Path(sys.argv[1]), setup=open_tab))
"""


def loky_workers(pid: int) -> list | None:
    found = descendants(pid)
    return found if any("popen_loky_posix" in command_line(p) for p, _ in found) else None


@pytest.mark.parametrize("tab, signum", [("gallery", signal.SIGTERM), ("map", signal.SIGINT),
                                         ("gallery", signal.SIGKILL)],
                         ids=["gallery-SIGTERM", "map-SIGINT", "gallery-SIGKILL"])
def test_a_signal_quits_the_computing_window_and_ends_its_workers(tmp_path, flac_root, start, tab, signum):
    script = tmp_path / "explorer.py"
    script.write_text(EXPLORER)
    process = start([sys.executable, str(script), str(flac_root), tab])
    wait_for(lambda: loky_workers(process.pid), 120, f"the {tab}'s loky workers")
    workers = descendants(process.pid)            # the workers and loky's resource trackers
    status = stop(process, signum)
    assert survivors(workers, within_s=15) == [], [command_line(pid) for pid, _ in workers]
    assert_stopped_cleanly(status, signum, tmp_path)
