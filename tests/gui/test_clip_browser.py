"""The clip browser on real datasets: a partial copy opens on the clips on disk; a filter keeps
the clip being viewed (or shows the first listed); focus alone never replaces the clip."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from audioscope.core.dataset.clip_filter import ClipFilter
from audioscope.core.dataset.metadata import Dataset, load_dataset
from audioscope.gui.browser.clip_browser import ClipBrowser
from us8k_subsets import clips_per_class_and_fold

WAIT_MS = 30_000


@pytest.fixture(scope="module")
def flac_dataset(flac_root) -> Dataset:
    return load_dataset(flac_root)           # 1761 of 8732 clips on disk


@pytest.fixture
def browser(qtbot) -> ClipBrowser:
    widget = ClipBrowser()
    qtbot.addWidget(widget)
    widget.resize(520, 600)
    widget.show()
    return widget


def viewed(browser: ClipBrowser) -> str:
    current = browser.table.currentIndex()
    return browser.proxy.row_record(current.row())["slice_file_name"]


def in_view(browser: ClipBrowser, proxy_row: int) -> bool:
    rect = browser.table.visualRect(browser.proxy.index(proxy_row, 0))
    return browser.table.viewport().rect().contains(rect)


def test_a_partial_copy_opens_on_the_clips_on_disk(browser, originals_root):
    browser.set_dataset(load_dataset(originals_root))             # 44 of 8732 files
    assert browser.proxy.rowCount() == 44
    assert browser.filter_bar.availability_combo.currentText() == "On disk"
    assert browser.filter_bar.count_label.text() == "showing 44 of 8732 clips"
    assert all(browser.proxy.row_record(r)["available"] for r in range(44))


def test_a_complete_copy_and_a_metadata_only_folder_open_on_all_clips(browser, flac_root):
    complete = clips_per_class_and_fold(flac_root, 2)              # every row has its file
    browser.set_dataset(complete)
    assert browser.proxy.rowCount() == complete.n_clips == 40
    assert browser.filter_bar.availability_combo.currentText() == "All clips"
    table = complete.table.assign(available=False)                 # no file at all: list the rows
    browser.set_dataset(Dataset(root=complete.root, table=table))
    assert browser.proxy.rowCount() == 40


def test_the_window_says_it_lists_only_the_clips_on_disk(qtbot, window, originals_root):
    with qtbot.waitSignal(window.dataset_opened, timeout=WAIT_MS):
        window.open_dataset(originals_root)
    message = window.statusBar().currentMessage()
    assert "44 clips on disk of 8732" in message and "All clips" in message
    window.browser.filter_bar.availability_combo.setCurrentIndex(0)  # All clips: the rest are back
    assert window.browser.proxy.rowCount() == 8732


def test_a_filter_that_lists_the_viewed_clip_keeps_it_current_and_in_view(qtbot, browser, flac_dataset):
    browser.set_dataset(flac_dataset)
    with qtbot.waitSignal(browser.clip_selected, timeout=WAIT_MS) as got:
        browser.select_row(900)
    name, kind = got.args[0].row["slice_file_name"], got.args[0].row["class"]
    with qtbot.assertNotEmitted(browser.clip_selected), qtbot.assertNotEmitted(browser.missing_selected):
        browser.filter_bar.set_filter(ClipFilter(classes={kind}, availability=True), notify=True)
    row = browser.table.currentIndex().row()
    assert viewed(browser) == name and row > 20                   # far down: it had to scroll
    assert browser.table.selectionModel().isRowSelected(row)
    assert in_view(browser, row)


def test_a_filter_that_hides_the_viewed_clip_shows_the_first_listed(qtbot, browser, flac_dataset):
    browser.set_dataset(flac_dataset)
    with qtbot.waitSignal(browser.clip_selected, timeout=WAIT_MS) as got:
        browser.select_row(10)
    assert got.args[0].row["class"] != "gun_shot"
    with qtbot.waitSignal(browser.clip_selected, timeout=WAIT_MS) as got:
        browser.filter_bar.set_filter(ClipFilter(classes={"gun_shot"}, availability=True), notify=True)
    first = browser.proxy.row_record(0)
    assert got.args[0].row["slice_file_name"] == first["slice_file_name"] == viewed(browser)
    assert first["class"] == "gun_shot" and browser.table.currentIndex().row() == 0
    assert in_view(browser, 0)


def test_a_filter_that_lists_nothing_leaves_no_current_row(qtbot, browser, flac_dataset):
    browser.set_dataset(flac_dataset)
    with qtbot.waitSignal(browser.clip_selected, timeout=WAIT_MS):
        browser.select_row(3)
    with qtbot.assertNotEmitted(browser.clip_selected):
        browser.filter_bar.set_filter(ClipFilter(text="no such clip"), notify=True)
    assert browser.proxy.rowCount() == 0 and not browser.table.currentIndex().isValid()


@pytest.mark.parametrize("reason", [Qt.FocusReason.ActiveWindowFocusReason, Qt.FocusReason.TabFocusReason])
def test_focus_on_a_table_without_a_current_row_shows_no_clip(qtbot, browser, flac_dataset, reason):
    """The window raised by a click on the table's scroll bar gave it focus, and Qt made the
    first row current: that replaced the clip being viewed."""
    browser.set_dataset(flac_dataset)
    browser.filter_bar.text_edit.setFocus()
    with qtbot.assertNotEmitted(browser.clip_selected), qtbot.assertNotEmitted(browser.missing_selected):
        browser.table.setFocus(reason)
        qtbot.wait(50)


def test_a_click_on_the_horizontal_scroll_bar_keeps_the_clip(qtbot, browser, flac_dataset):
    browser.resize(300, 600)                                      # narrow: the scroll bar shows
    browser.set_dataset(flac_dataset)
    with qtbot.waitSignal(browser.clip_selected, timeout=WAIT_MS) as got:
        browser.select_row(5)
    bar = browser.table.horizontalScrollBar()
    qtbot.waitUntil(bar.isVisible)
    with qtbot.assertNotEmitted(browser.clip_selected):
        qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=QPoint(bar.width() - 4, bar.height() // 2))
    assert bar.value() > 0 and viewed(browser) == got.args[0].row["slice_file_name"]


def test_the_table_opens_sorted_by_file_name_naturally(qtbot, flac_root):
    """Issue 17, item 5: the metadata CSV lists …-0-10 before …-0-2; the table opens in
    natural order of the File column, with the header saying so."""
    browser = ClipBrowser()
    qtbot.addWidget(browser)
    dataset = load_dataset(flac_root)
    browser.set_dataset(dataset)
    proxy = browser.proxy
    names = [proxy.row_record(r)["slice_file_name"] for r in range(proxy.rowCount())]
    csv = dataset.table["slice_file_name"]
    csv = csv[dataset.table["available"]].tolist()
    assert names != csv and sorted(names) == sorted(csv)          # a different order, same clips
    fields = [tuple(int(x) for x in n[:-4].split("-")) for n in names]
    assert fields == sorted(fields)                                # fsID, class, occurrence, slice as numbers
    header = browser.table.horizontalHeader()
    assert header.sortIndicatorSection() == 0 and header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
