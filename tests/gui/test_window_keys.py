"""Keyboard and zoom of the window (issue 17): 0 / double-click / right-click menu reset the zoom,
Ctrl+F goes to the search box, Ctrl+Tab and Ctrl+PgDn step through the tabs, L loops."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

DOG_BARK = "31323-3-0-1.wav"


@pytest.fixture
def shown(window, qtbot, originals_root):
    with qtbot.waitSignal(window.dataset_opened, timeout=30_000):
        window.open_dataset(originals_root)
    with qtbot.waitSignal(window.current.inspected, timeout=30_000):
        window.play_clip(DOG_BARK)
    window.transport.stop()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def x_range(window) -> list[float]:
    return window.current.views.master.viewRange()[0]


def zoom_in(window) -> None:
    window.current.views.master.setXRange(1.0, 1.5, padding=0)
    assert x_range(window)[1] - x_range(window)[0] < 1


def plot_centre(views, plot) -> QPoint:
    box = plot.getViewBox()
    return views.graphics.mapFromScene(box.sceneBoundingRect().center())


def whole_clip(window) -> bool:
    low, high = x_range(window)
    return abs(low) < 1e-6 and abs(high - window.current.inspection.analysis.clip.duration) < 1e-6


def test_key_0_resets_the_zoom_from_the_table(shown, qtbot):
    window = shown
    zoom_in(window)
    window.browser.table.setFocus()
    qtbot.keyClick(window.browser.table, Qt.Key.Key_0)
    assert whole_clip(window)
    assert window.browser.table.currentIndex().data() == DOG_BARK     # and the clip stays
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    reset = next(a for a in view.actions() if a.text() == "&Reset zoom")
    assert reset.shortcut().toString() == "0"

def test_a_double_click_on_a_plot_resets_the_zoom(shown, qtbot):
    window = shown
    views = window.current.views
    zoom_in(window)
    viewport, left, pos = views.graphics.viewport(), Qt.MouseButton.LeftButton, plot_centre(views, views.mel_plot)
    # what a mouse sends: press, release, then a double-click press and its release
    QTest.mousePress(viewport, left, pos=pos)
    QTest.mouseRelease(viewport, left, pos=pos)
    QTest.mouseDClick(viewport, left, pos=pos)
    QTest.mouseRelease(viewport, left, pos=pos)
    qtbot.waitUntil(lambda: whole_clip(window), timeout=2000)


@pytest.mark.qt_log_ignore("This plugin does not support")
def test_the_right_click_menu_offers_reset_zoom(shown, qtbot):
    window = shown
    views = window.current.views
    zoom_in(window)
    QTest.mouseClick(views.graphics.viewport(), Qt.MouseButton.RightButton, pos=plot_centre(views, views.wave_plot))
    qtbot.waitUntil(views.context_menu.isVisible, timeout=2000)
    action = next(a for a in views.context_menu.actions() if a.text() == "Reset zoom")
    views.context_menu.hide()
    action.trigger()
    assert whole_clip(window)


def test_ctrl_f_puts_the_cursor_in_the_search_box(shown, qtbot):
    window = shown
    box = window.browser.filter_bar.text_edit
    box.setText("siren")
    window.browser.table.setFocus()
    qtbot.keyClick(window.browser.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert box.hasFocus() and box.selectedText() == "siren"


def test_ctrl_tab_and_ctrl_page_down_step_through_the_tabs(shown, qtbot):
    window = shown
    tabs, table = window.right_tabs, window.browser.table
    tabs.setCurrentIndex(0)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert tabs.currentIndex() == 1
    qtbot.keyClick(table, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert tabs.currentIndex() == 2
    qtbot.keyClick(table, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(table, Qt.Key.Key_Backtab,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert tabs.currentIndex() == 0
    qtbot.keyClick(table, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert tabs.currentIndex() == tabs.count() - 1                      # wraps round


def test_the_playback_menu_has_loop_and_l_toggles_it(shown, qtbot):
    window = shown
    playback = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Playback")
    loop = next(a for a in playback.actions() if a.text() == "&Loop")
    assert loop.isCheckable() and loop.shortcut().toString() == "L"
    window.browser.table.setFocus()
    qtbot.keyClick(window.browser.table, Qt.Key.Key_L)
    assert loop.isChecked() and window.transport.loop_button.isChecked() and window.transport.engine.loop
    window.transport.loop_button.toggle()                # the button and the menu stay in step
    assert not loop.isChecked() and not window.transport.engine.loop
