"""The "Label errors" tab: the clips whose given label a model's out-of-fold probabilities
(the bundled model's, or those of the model chosen in the Evaluation tab) doubt (confident learning, ``core.model.label_issues``), most likely first.

A click auditions the clip; *Compare* (or P) pins it as A beside the most typical clip of
the suggested class; *Tag as mislabeled* (or M) tags it. Computed when the tab is first shown.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from audioscope.core.dataset.metadata import Dataset, readable_class
from audioscope.core.model.predictions_file import ModelPredictions
from audioscope.gui.tabs.compute_when_shown import ComputeWhenShown
from audioscope.gui.workers import LatestOnly

HEADERS = ("Clip", "Fold", "Given", "Suggested", "P(given)")
EXPLAINED = ("Clips whose label the model's out-of-fold probabilities doubt (confident learning: "
             "per class pair, as many clips as the model's confusions suggest are mislabelled), the "
             "least confident in their label first. Click to listen; P compares with a typical clip "
             "of the suggested class; M tags the clip as mislabeled.")


def review_list(dataset: Dataset, predictions: ModelPredictions | None):
    """(issues, typical clips per class) of ``predictions`` (default: the bundled model's) on
    ``dataset`` (a worker runs it)."""
    from audioscope.core.model.label_issues import label_issues, typical_clips
    from audioscope.core.model.model_scores import bundled_predictions

    if predictions is None:
        predictions = bundled_predictions(dataset.table)
    return label_issues(predictions), typical_clips(predictions, dataset.table)


class LabelErrorsView(QWidget):
    """Emits ``clip_activated(name)``, ``compare_requested(name, typical_name)`` and
    ``tag_requested(name, tag)``."""

    clip_activated = Signal(str)
    compare_requested = Signal(str, str)
    tag_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._dataset: Dataset | None = None
        self._model: ModelPredictions | None = None     # None: the bundled model
        self._typical: dict[str, str] = {}
        self._jobs = LatestOnly(self)
        self._when_shown = ComputeWhenShown(self, self._start)
        self.status = QLabel("Open a dataset to review its likely label errors.", wordWrap=True)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.currentCellChanged.connect(lambda row, *_: self._on_row(row))   # keys and clicks
        self.table.cellClicked.connect(self._on_clicked)                           # and the current row again
        self._activated = (-1, 0.0)
        self.compare_button = QPushButton("Compare with a typical clip (P)", clicked=self.compare)
        self.tag_button = QPushButton("Tag as mislabeled (M)", clicked=lambda: self._tag("mislabeled"))
        # P is the window's Pin action, which compares while this tab is shown
        shortcut = QShortcut(QKeySequence("M"), self.table)
        shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        shortcut.activated.connect(lambda: self._tag("mislabeled"))
        buttons = QHBoxLayout()
        for button in (self.compare_button, self.tag_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(QLabel(EXPLAINED, wordWrap=True))
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)

    def set_dataset(self, dataset: Dataset | None, model: ModelPredictions | None = None) -> None:
        """Review ``dataset``'s labels by ``model``'s out-of-fold probabilities (None: the
        bundled model's), computed when the tab is next shown."""
        self._jobs.cancel()
        self._dataset, self._model, self._typical = dataset, model, {}
        self.table.setRowCount(0)
        if dataset is not None:
            self.status.setText("Finding likely label errors when this tab is shown…")
            self._when_shown.request()

    def set_model(self, model: ModelPredictions | None) -> None:
        if model is not self._model:
            self.set_dataset(self._dataset, model)

    def current_clip(self) -> str | None:
        row = self.table.currentRow()
        return self.table.item(row, 0).text() if row >= 0 else None

    def compare(self) -> None:
        """Pin the current clip beside the most typical clip of its suggested class."""
        row = self.table.currentRow()
        if row < 0:
            return
        suggested = self.table.item(row, 3).data(Qt.ItemDataRole.UserRole)
        typical = self._typical.get(suggested)
        if typical is None:
            self.status.setText(f"No clip of {readable_class(suggested)} is on disk to compare with.")
            return
        self.compare_requested.emit(self.current_clip(), typical)

    # -- internals ----------------------------------------------------------------------
    def _start(self) -> None:
        self.status.setText("Finding likely label errors…")
        self._jobs.submit(review_list, self._dataset, self._model, on_result=self._show,
                          on_error=lambda exc: self.status.setText(f"No label review: {exc}"))

    def _show(self, result) -> None:
        issues, self._typical = result
        self.table.setRowCount(len(issues))
        for row, issue in enumerate(issues.itertuples(index=False)):
            cells = (issue.slice_file_name, str(issue.fold), readable_class(issue.given),
                     readable_class(issue.suggested), f"{issue.score:.3f}")
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 3:
                    item.setData(Qt.ItemDataRole.UserRole, issue.suggested)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        on_disk = set(self._dataset.table.loc[self._dataset.table["available"], "slice_file_name"])
        present = sum(name in on_disk for name in issues["slice_file_name"])
        whose = "the bundled model's" if self._model is None else f"{self._model.display_name}'s"
        self.status.setText(f"{len(issues)} likely label errors among {whose} out-of-fold "
                            f"predictions; {present} of them are on disk to listen to.")

    def _on_row(self, row: int) -> None:
        if row >= 0:
            self._activated = (row, time.monotonic())
            self.clip_activated.emit(self.table.item(row, 0).text())

    def _on_clicked(self, row: int, _column: int) -> None:
        """A click that made the row current has activated it already (press, then release)."""
        last_row, when = self._activated
        if row != last_row or time.monotonic() - when > QApplication.doubleClickInterval() / 1000:
            self._on_row(row)

    def _tag(self, tag: str) -> None:
        clip = self.current_clip()
        if clip is not None:
            self.tag_requested.emit(clip, tag)
