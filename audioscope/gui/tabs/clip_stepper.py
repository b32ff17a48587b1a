""""Clip 3 of 18 ◂ Previous  Next ▸": steps through the clips a confusion cell or a model
comparison listed in the clip table, without leaving the tab that listed them."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget


class ClipStepper(QWidget):
    """Emits ``step_requested(+1 | -1)``; the window moves the table's selection and calls
    ``show_position``."""

    step_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.previous_button = QPushButton("◂ Previous", clicked=lambda: self.step_requested.emit(-1),
                                           toolTip="the previous listed clip (Alt+Left)")
        self.next_button = QPushButton("Next ▸", clicked=lambda: self.step_requested.emit(1),
                                       toolTip="the next listed clip (Alt+Right)")
        self.previous_button.setShortcut(QKeySequence("Alt+Left"))
        self.next_button.setShortcut(QKeySequence("Alt+Right"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.previous_button)
        layout.addWidget(self.next_button)
        self.hide()

    def show_position(self, position: int, count: int, name: str, listed: str) -> None:
        """``position`` 0-based of ``count`` listed clips, ``name`` the one shown (-1: none)."""
        self.setVisible(count > 0)
        where = f"clip {position + 1} of {count}: <b>{name}</b>" if position >= 0 else f"{count} clips"
        self.label.setText(f"{where} — {listed}")
        self.previous_button.setEnabled(position > 0)
        self.next_button.setEnabled(0 <= position < count - 1 or (position < 0 and count > 0))
