"""The progress of a window computation: the stage it is in, how far it has come, and the
seconds since it started ("Reading clip vectors: 120 of 1761 · 12 s"), beside a bar that is
busy when a stage cannot count (t-SNE). The same stages ``train`` prints on the command line.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

TICK_MS = 500          # how often the elapsed seconds are redrawn


class StageProgress(QWidget):
    """Hidden until :meth:`start`; :meth:`stage` moves it on; :meth:`finish` hides it."""

    def __init__(self, parent: QWidget | None = None, *, bar_width: int = 220,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self._clock = clock
        self._started = 0.0
        self._stage, self._count = "", ""
        self.label = QLabel()
        self.bar = QProgressBar(textVisible=False)
        self.bar.setFixedWidth(bar_width)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.bar)
        self._tick = QTimer(self, interval=TICK_MS)
        self._tick.timeout.connect(self._redraw)
        self.hide()

    # -- public API ---------------------------------------------------------------------
    def start(self, stage: str) -> None:
        """A new computation: the clock starts at 0 s in ``stage``, with a busy bar."""
        self._started = self._clock()
        self.stage(stage)
        self._tick.start()
        self.show()

    def stage(self, stage: str, done: int | None = None, total: int | None = None) -> None:
        """Now in ``stage``: with ``done`` of ``total`` counted, or busy if it cannot count."""
        self._stage, self._count = stage, f": {done} of {total}" if total else ""
        self._redraw()                     # first: the text is new when the bar signals
        self.bar.setRange(0, total or 0)
        if total:
            self.bar.setValue(done or 0)

    def finish(self) -> None:
        """Done (or failed, or superseded): hidden, the clock stopped."""
        self._tick.stop()
        self.hide()

    def elapsed(self) -> float:
        """Seconds since :meth:`start`."""
        return self._clock() - self._started

    def text(self) -> str:
        return self.label.text()

    # -- internals ----------------------------------------------------------------------
    def _redraw(self) -> None:
        self.label.setText(f"{self._stage}{self._count} · {self.elapsed():.0f} s")
