"""Holding Down through a thousand rows, or dropping 200 files at once, leaves no backlog:
counted in analyses run, whatever the machine's speed (`make bench` measures the times)."""

from __future__ import annotations

import gc
import shutil
import threading

import pytest
from PySide6.QtCore import Qt, QThreadPool

from audioscope.core.dataset.clip_filter import ClipFilter

WAIT_MS = 60_000


@pytest.fixture
def warm_window(qtbot, window):
    """The window once its background start-up work (model, librosa) is done."""
    if not window.is_warm:
        qtbot.waitSignal(window.warmed_up, timeout=WAIT_MS).wait()
    return window


class CountedAnalyses:
    """Stands in for the clip pane's ``inspect_clip``: records each analysis that starts (its
    file), then, once ``release`` is set (at once unless ``held``), runs the real one."""

    def __init__(self, monkeypatch, held: bool = False) -> None:
        from audioscope.gui.clip import clip_pane

        self.real = clip_pane.inspect_clip
        self.started: list = []
        self.lock = threading.Lock()
        self.release = threading.Event()
        if not held:
            self.release.set()
        monkeypatch.setattr(clip_pane, "inspect_clip", self)

    def __call__(self, request, *args, **kwargs):
        with self.lock:
            self.started.append(request.path)
        assert self.release.wait(WAIT_MS / 1000), "analyses held for too long"   # a hang guard
        return self.real(request, *args, **kwargs)


def rss_mb() -> float:
    """Resident memory now (Linux /proc), in MB."""
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.mark.slow
def test_holding_down_through_a_thousand_rows(qtbot, warm_window, flac_root, monkeypatch):
    window = warm_window
    with qtbot.waitSignal(window.dataset_opened, timeout=WAIT_MS):
        window.open_dataset(flac_root)
    window.browser.filter_bar.set_filter(ClipFilter(availability=True), notify=True)
    with qtbot.waitSignal(window.current.inspected, timeout=WAIT_MS):
        window.browser.select_row(0)
    table = window.browser.table
    table.setFocus()
    gc.collect()
    before = rss_mb()
    # The analyses wait until every key is pressed, so on any machine the presses outrun them:
    # at most one a pool thread can start meanwhile; the rest are superseded while queued.
    analyses = CountedAnalyses(monkeypatch, held=True)
    for _ in range(1000):  # key auto-repeat: about 30 presses a second, here as fast as Qt takes them
        qtbot.keyClick(table, Qt.Key.Key_Down)
    analyses.release.set()
    with qtbot.waitSignal(window.current.inspected, timeout=WAIT_MS) as got:
        pass
    assert table.currentIndex().row() == 1000
    last = window.browser.proxy.row_record(1000)
    assert got.args[0].request.row["slice_file_name"] == last["slice_file_name"]
    assert QThreadPool.globalInstance().waitForDone(WAIT_MS)
    # each press only queues a job that is skipped once superseded: no backlog of analyses
    threads = QThreadPool.globalInstance().maxThreadCount()
    assert 1 <= len(analyses.started) <= threads + 1, (len(analyses.started), threads)
    assert str(analyses.started[-1]) == str(last["path"])
    gc.collect()
    assert rss_mb() - before < 150, (before, rss_mb())  # memory back near where it was


@pytest.mark.slow
def test_dropping_two_hundred_files_at_once(qtbot, warm_window, original_files, tmp_path, monkeypatch):
    window = warm_window
    folder = tmp_path / "drops"
    folder.mkdir()
    files = []
    for i in range(200):
        target = folder / f"{i:03d}-{original_files[i % len(original_files)].name}"
        shutil.copy(original_files[i % len(original_files)], target)
        files.append(target)
    gc.collect()
    before = rss_mb()
    analyses = CountedAnalyses(monkeypatch)
    with qtbot.waitSignal(window.current.inspected, timeout=WAIT_MS) as got:
        window.browser.add_files(files)
    assert window.browser.my_files.count() == 200
    assert got.args[0].request.path == files[-1]  # only the last one is shown …
    assert QThreadPool.globalInstance().waitForDone(WAIT_MS)
    assert analyses.started == [files[-1]]        # … and analysed
    gc.collect()
    assert rss_mb() - before < 150, (before, rss_mb())
