"""A tab computes when it is looked at: work asked for while it is hidden starts when it is shown."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget


class ComputeWhenShown(QObject):
    """Calls ``start()`` for work ``request``-ed: at once when ``widget`` is visible, else on
    its next Show event. Each request starts the work once."""

    def __init__(self, widget: QWidget, start: Callable[[], None]) -> None:
        super().__init__(widget)
        self._widget, self._start = widget, start
        self.wanted = False
        widget.installEventFilter(self)

    def request(self) -> None:
        self.wanted = True
        if self._widget.isVisible():
            self._run()

    def drop(self) -> None:
        """Forget work asked for and not started yet."""
        self.wanted = False

    def _run(self) -> None:
        self.wanted = False
        self._start()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if watched is self._widget and event.type() == QEvent.Type.Show and self.wanted:
            self._run()
        return False
