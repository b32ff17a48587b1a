"""Holding Down through a thousand rows, or dropping 200 files at once, leaves no backlog."""

from __future__ import annotations

import gc
import shutil
import time

import pytest
from PySide6.QtCore import Qt

from audioscope.core.clip_filter import ClipFilter

WAIT_MS = 60_000


@pytest.fixture
def warm_window(qtbot, window):
    """The window once its background start-up work (model, librosa) is done."""
    if not window.is_warm:
        qtbot.waitSignal(window.warmed_up, timeout=WAIT_MS).wait()
    return window


def rss_mb() -> float:
    """Resident memory now (Linux /proc), in MB."""
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.mark.slow
def test_holding_down_through_a_thousand_rows(qtbot, warm_window, flac_root):
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
    started = time.perf_counter()
    for _ in range(1000):  # key auto-repeat: about 30 presses a second, here as fast as Qt takes them
        qtbot.keyClick(table, Qt.Key.Key_Down)
    pressing = time.perf_counter() - started
    with qtbot.waitSignal(window.current.inspected, timeout=WAIT_MS) as got:
        pass
    settled = time.perf_counter() - started
    assert table.currentIndex().row() == 1000
    assert got.args[0].request.row["slice_file_name"] == window.browser.proxy.row_record(1000)["slice_file_name"]
    # each press only queues a job that is skipped once superseded: no backlog of analyses
    assert pressing < 30 and settled - pressing < 5, (pressing, settled)
    gc.collect()
    assert rss_mb() - before < 150, (before, rss_mb())  # memory back near where it was


@pytest.mark.slow
def test_dropping_two_hundred_files_at_once(qtbot, warm_window, original_files, tmp_path):
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
    started = time.perf_counter()
    with qtbot.waitSignal(window.current.inspected, timeout=WAIT_MS) as got:
        window.browser.add_files(files)
    assert time.perf_counter() - started < 10
    assert window.browser.my_files.count() == 200
    assert got.args[0].request.path == files[-1]  # only the last one is shown (and analysed)
    gc.collect()
    assert rss_mb() - before < 150, (before, rss_mb())
