"""Review tags from the clip table, clicked as a user would: T opens the tag menu, a click tags
the clip, the tag survives a restart of the window, lists its clips, exports as CSV, and a
locked database leaves the window working without tags."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from PySide6.QtCore import QSettings, Qt

from audioscope.core.store.cache import FeatureCache
from audioscope.core.store.review_tags import DATABASE_NAME
from audioscope.gui.browser.clip_table import COLUMNS

WAIT_MS = 30_000
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TAG = COLUMNS.index("Tag")


def opened(qtbot, window, root):
    with qtbot.waitSignal(window.dataset_opened, timeout=WAIT_MS):
        window.open_dataset(root)
    return window.browser


def click_menu_item(qtbot, browser, text: str) -> None:
    """Press T on the table's current row and click ``text`` in the menu that opens."""
    qtbot.keyClick(browser.table, Qt.Key.Key_T)
    menu = browser.tags.menu
    qtbot.waitUntil(menu.isVisible, timeout=WAIT_MS)
    action = next(a for a in menu.actions() if a.text() == text)
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())


@pytest.mark.qt_log_ignore("This plugin does not support")     # the menu's popup, offscreen
def test_a_tag_by_key_and_click_survives_a_restart_lists_and_exports(qtbot, window, flac_root, tmp_path,
                                                                      monkeypatch):
    monkeypatch.setenv("AUDIOSCOPE_DATA_DIR", str(tmp_path / "data"))
    browser = opened(qtbot, window, flac_root)
    browser.table.setFocus()
    browser.select_row(3)
    clip = browser.proxy.row_record(3)["slice_file_name"]
    with qtbot.waitSignal(browser.tags.tagged, timeout=WAIT_MS):
        click_menu_item(qtbot, browser, "Tag as mislabeled")
    assert browser.proxy.index(3, TAG).data() == "mislabeled"
    browser.tags.tag(clip, "mislabeled", "a drill, not a jackhammer")     # what the Note… dialog does
    assert browser.proxy.index(3, TAG).data(Qt.ItemDataRole.ToolTipRole) == "a drill, not a jackhammer"
    assert (tmp_path / "data" / DATABASE_NAME).is_file()
    ARTIFACTS.mkdir(exist_ok=True)
    window.resize(1440, 900)
    browser.table.scrollTo(browser.proxy.index(3, TAG))
    window.grab().save(str(ARTIFACTS / "review_tags.png"))
    window.close()

    from audioscope.gui.window.main_window import MainWindow

    again = MainWindow(settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat),
                       cache=FeatureCache(tmp_path / "cache"))
    qtbot.addWidget(again)
    again.show()
    browser = opened(qtbot, again, flac_root)
    assert browser.proxy.index(3, TAG).data() == "mislabeled"           # restarted: still there
    browser.table.setFocus()
    browser.select_row(3)
    click_menu_item(qtbot, browser, "List the clips tagged mislabeled")
    assert browser.proxy.rowCount() == 1 and browser.proxy.row_record(0)["slice_file_name"] == clip
    assert "1 clip: tagged mislabeled" in browser.filter_bar.names_text.text()
    with qtbot.waitSignal(again.exports.exported, timeout=WAIT_MS):
        again.exports.export_tags(tmp_path / "tags.csv")
    with qtbot.waitSignal(again.exports.failed, timeout=WAIT_MS) as refused:      # a folder that cannot be
        again.exports.export_tags(Path("/proc/no-such-folder/tags.csv"))      # made: said, not a crash
    assert "/proc/no-such-folder/tags.csv: cannot be written" in refused.args[0]
    exported = pd.read_csv(tmp_path / "tags.csv")
    assert exported[["slice_file_name", "tag", "note"]].to_dict("records") == [
        {"slice_file_name": clip, "tag": "mislabeled", "note": "a drill, not a jackhammer"}]
    browser.select_row(0)
    with qtbot.waitSignal(browser.tags.tagged, timeout=WAIT_MS):
        click_menu_item(qtbot, browser, "Remove the tag")
    assert browser.proxy.index(0, TAG).data() == ""
    again.close()


def test_a_locked_tag_database_is_said_and_the_window_goes_on(qtbot, window, flac_root, tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIOSCOPE_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "data").mkdir()
    holder = sqlite3.connect(tmp_path / "data" / DATABASE_NAME, isolation_level=None)
    holder.execute("CREATE TABLE held (x)")
    holder.execute("BEGIN EXCLUSIVE")                   # another program holds it
    try:
        with qtbot.waitSignal(window.browser.tags.unavailable, timeout=WAIT_MS) as said:
            browser = opened(qtbot, window, flac_root)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "review tags unavailable: locked by another program" in said.args[0]
    assert "locked" in window.statusBar().currentMessage()
    assert browser.proxy.rowCount() == 1761 and browser.tags.store is None
    menu = browser.tags.menu_for(0)
    assert [a.text() for a in menu.actions()] == ["Review tags are unavailable (see the status bar)"]
