"""Where two models disagree: the clips model A gets right and model B wrong, and the reverse,
each listed in the clip table with one click (``core.model.model_scores.disagreements``)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from audioscope.core.dataset.clip_filter import ClipFilter
from audioscope.core.model.model_scores import disagreements
from audioscope.core.model.predictions_file import ModelPredictions

NEEDS_TWO = ("Open a second model (File → Open model…: a bundle made by <code>audioscope train</code> "
             "or a predictions file) to see where the two disagree.")


class ModelDisagreement(QWidget):
    """Emits ``clips_listed(ClipFilter)`` naming the clips one model gets right and the other wrong."""

    clips_listed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._models: list[ModelPredictions] = []
        self._sets: tuple[list[str], list[str]] = ([], [])
        self.a_combo, self.b_combo = QComboBox(), QComboBox()
        for combo in (self.a_combo, self.b_combo):
            combo.currentIndexChanged.connect(self._update)
        self.note = QLabel(NEEDS_TWO, wordWrap=True)
        self.a_only = QPushButton(clicked=lambda: self._list(0))
        self.b_only = QPushButton(clicked=lambda: self._list(1))
        form = QFormLayout()
        form.addRow("Model A", self.a_combo)
        form.addRow("Model B", self.b_combo)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addLayout(form)
        layout.addWidget(self.a_only)
        layout.addWidget(self.b_only)
        layout.addStretch(1)
        self.set_models([])

    def set_models(self, models: list[ModelPredictions]) -> None:
        """Offer ``models``; A is the first and B the last one opened."""
        self._models = list(models)
        for combo, index in ((self.a_combo, 0), (self.b_combo, len(models) - 1)):
            combo.blockSignals(True)
            combo.clear()
            for model in models:
                combo.addItem(model.display_name)
            combo.setCurrentIndex(index)
            combo.blockSignals(False)
        self._update()

    def _update(self) -> None:
        a, b = self.a_combo.currentIndex(), self.b_combo.currentIndex()
        usable = len(self._models) >= 2 and a >= 0 and b >= 0 and a != b
        self.note.setVisible(not usable)
        for widget in (self.a_combo, self.b_combo, self.a_only, self.b_only):
            widget.setEnabled(len(self._models) >= 2)
        for button in (self.a_only, self.b_only):
            button.setEnabled(usable)
        self._sets = disagreements(self._models[a], self._models[b]) if usable else ([], [])
        right_wrong = len(self._sets[0]), len(self._sets[1])
        self.a_only.setText(f"A right, B wrong: {right_wrong[0]} clips — list them")
        self.b_only.setText(f"B right, A wrong: {right_wrong[1]} clips — list them")

    def _list(self, which: int) -> None:
        names = self._sets[which]
        if not names:
            return
        first, second = (self.a_combo, self.b_combo) if which == 0 else (self.b_combo, self.a_combo)
        label = f"right by {first.currentText()}, wrong by {second.currentText()}"
        self.clips_listed.emit(ClipFilter(names=names, names_label=label))
