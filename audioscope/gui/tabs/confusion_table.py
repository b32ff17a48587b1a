"""The confusion matrix as a table: rows the true class, columns the predicted class, in clip
counts (with how many are on disk) or as the share of the true class (row-normalised).

Right answers are shaded green, confusions red, by their share of the row.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFontMetrics
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from audioscope.core.dataset.metadata import CLASS_NAMES, readable_class
from audioscope.core.model.evaluation import Evaluation
from audioscope.gui.browser.fold_overview import cell_text
from audioscope.gui.table_fit import fit_columns

CELL_ROLE = Qt.ItemDataRole.UserRole + 1  # (true class, predicted class) of a matrix cell
# light ramps with dark text, readable in light and dark themes: green = right, red = confused
_RIGHT_RAMP = (np.array([236, 248, 239]), np.array([105, 190, 125]))
_WRONG_RAMP = (np.array([255, 243, 236]), np.array([236, 120, 96]))
_ZERO_BACKGROUND = QBrush(QColor(250, 250, 250))
_TEXT, _TEXT_NONE_ON_DISK = QBrush(QColor(20, 20, 20)), QBrush(QColor(110, 110, 110))
_TEXT_ZERO = QBrush(QColor(150, 150, 150))


class ConfusionTable(QTableWidget):
    """Emits ``cell_chosen(true class, predicted class)`` when a non-empty cell is clicked."""

    cell_chosen = Signal(str, str)

    def __init__(self, parent=None) -> None:
        super().__init__(len(CLASS_NAMES), len(CLASS_NAMES), parent)
        self.setHorizontalHeaderLabels([column_label(n) for n in CLASS_NAMES])
        self.setVerticalHeaderLabels([readable_class(n) for n in CLASS_NAMES])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        metrics = QFontMetrics(self.font())
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            header.setHighlightSections(False)   # a bold "conditioner" would not fit 10 columns
        fit_columns(self)
        self.verticalHeader().setMinimumSectionSize(2 * metrics.lineSpacing() + 6)
        self.horizontalHeader().setToolTip("predicted class")
        self.verticalHeader().setToolTip("true class")
        self.cellClicked.connect(self._on_cell_clicked)
        self.counts = np.zeros((len(CLASS_NAMES), len(CLASS_NAMES)), dtype=np.int64)

    def item_for(self, true_class: str, predicted: str) -> QTableWidgetItem:
        return self.item(CLASS_NAMES.index(true_class), CLASS_NAMES.index(predicted))

    def show_matrix(self, evaluation: Evaluation, folds: tuple[int, ...] | None,
                    available: frozenset[str] | None, normalised: bool) -> None:
        """The matrix of ``folds`` (all when None); ``available``: the file names on disk."""
        counts = evaluation.confusion_for(folds)
        on_disk = evaluation.confusion_for(folds, available) if available is not None else counts
        self.counts = counts
        for r, true_class in enumerate(CLASS_NAMES):
            row_total = max(int(counts[r].sum()), 1)
            for c, predicted in enumerate(CLASS_NAMES):
                count, disk = int(counts[r, c]), int(on_disk[r, c])
                share = count / row_total
                text = f"{share * 100:.1f} %" if normalised and count else cell_text(count, disk)
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setData(CELL_ROLE, (true_class, predicted))
                ramp = _RIGHT_RAMP if r == c else _WRONG_RAMP
                item.setBackground(QBrush(QColor(*_ramp(ramp, share if r == c else 2 * share)))
                                   if count else _ZERO_BACKGROUND)
                item.setForeground(_TEXT if disk else _TEXT_NONE_ON_DISK if count else _TEXT_ZERO)
                item.setToolTip(_tip(true_class, predicted, count, share,
                                     disk if available is not None else None))
                self.setItem(r, c, item)
        fit_columns(self)
        self.setCurrentCell(-1, -1)

    def _on_cell_clicked(self, row: int, column: int) -> None:
        if self.counts[row, column]:
            self.cell_chosen.emit(CLASS_NAMES[row], CLASS_NAMES[column])


def column_label(class_name: str) -> str:
    """A predicted-class column's header: one word a line, "jackhammer" hyphenated so that ten
    columns fit a 900 px wide tab with every header in full."""
    return "jack-\nhammer" if class_name == "jackhammer" else readable_class(class_name).replace(" ", "\n")


def _tip(true_class: str, predicted: str, count: int, share: float, disk: int | None) -> str:
    tip = (f"true {readable_class(true_class)} predicted as {readable_class(predicted)}: "
           f"{count} clip{'' if count == 1 else 's'} ({share * 100:.1f} % of "
           f"{readable_class(true_class)})")
    if disk is not None:
        tip += f", {disk} on disk"
    return tip + (" — click to list them" if count else "")


def _ramp(ramp: tuple[np.ndarray, np.ndarray], fraction: float) -> tuple[int, int, int]:
    low, high = ramp
    rgb = low + (high - low) * min(max(fraction, 0.0), 1.0)
    return tuple(int(round(v)) for v in rgb)
