"""The window's keyboard: Ctrl+F to the search box, Ctrl+Tab / Ctrl+PgDn (and back) through the
tabs, 0 to reset the zoom, L to loop — each also in a menu, where a menu entry makes sense."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow

NEXT_TAB_KEYS = ("Ctrl+Tab", "Ctrl+PgDown")
PREVIOUS_TAB_KEYS = ("Ctrl+Shift+Tab", "Ctrl+PgUp")


class WindowKeys(QObject):
    """Owns ``reset_zoom`` (View menu, key 0) and ``loop`` (Playback menu, key L, checkable and
    in step with the transport's Loop button) and the window-wide shortcuts."""

    def __init__(self, window: QMainWindow) -> None:
        """``window``: the main window (its ``transport``, ``browser`` and tabs are used)."""
        super().__init__(window)
        self._window = window
        self.reset_zoom = QAction("&Reset zoom", window, shortcut=QKeySequence("0"),
                                  toolTip="Show the whole clip again (also: double-click a plot)")
        self.reset_zoom.triggered.connect(self.reset_zooms)
        loop_button = window.transport.loop_button
        self.loop = QAction("&Loop", window, checkable=True, shortcut=QKeySequence("L"))
        self.loop.toggled.connect(loop_button.setChecked)
        loop_button.toggled.connect(self.loop.setChecked)
        loop_button.setToolTip("Repeat the clip (L)")
        self.shortcuts = [self._shortcut("Ctrl+F", self.focus_search)]
        self.shortcuts += [self._shortcut(key, lambda: self.step_tab(1)) for key in NEXT_TAB_KEYS]
        self.shortcuts += [self._shortcut(key, lambda: self.step_tab(-1)) for key in PREVIOUS_TAB_KEYS]

    def _shortcut(self, key: str, slot) -> QShortcut:
        shortcut = QShortcut(QKeySequence(key), self._window)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(slot)
        return shortcut

    def focus_search(self) -> None:
        """Put the cursor in the table's search box, its text selected (typing replaces it)."""
        browser = self._window.browser
        browser.setCurrentIndex(0)          # the Dataset clips page
        box = browser.filter_bar.text_edit
        box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        box.selectAll()

    def step_tab(self, step: int) -> None:
        """The next (``step`` 1) or previous (-1) tab of the right-hand side, wrapping round."""
        tabs = self._window.right_tabs
        tabs.setCurrentIndex((tabs.currentIndex() + step) % tabs.count())

    def reset_zooms(self) -> None:
        for pane in (self._window.pinned, self._window.current):
            if pane.isVisible():
                pane.views.reset_zoom()
