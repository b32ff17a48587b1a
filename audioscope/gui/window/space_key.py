"""Space plays and pauses anywhere in the window, also where an item view would take it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget


class SpaceKey(QObject):
    """Calls ``toggle()`` on Space: a window shortcut, plus an event filter on each of
    ``item_views`` (they take Space for selection before shortcuts see it)."""

    def __init__(self, window: QWidget, toggle: Callable[[], None], item_views: list[QWidget]) -> None:
        super().__init__(window)
        self._toggle = toggle
        shortcut = QShortcut(QKeySequence(Qt.Key.Key_Space), window)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(toggle)
        for view in item_views:
            view.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if (event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Space
                and event.modifiers() == Qt.KeyboardModifier.NoModifier):
            self._toggle()
            return True
        return super().eventFilter(watched, event)
