"""Clips per class and fold as a coloured, clickable table with totals."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from audioscope.core.dataset.metadata import CLASS_NAMES, FOLDS, Dataset, readable_class
from audioscope.gui.table_fit import fit_columns

if TYPE_CHECKING:
    import pandas as pd

CELL_ROLE = Qt.ItemDataRole.UserRole + 1  # (class name | None, fold | None) of a cell
TOTAL = "Total"
# light-to-mid blue ramp with dark text: readable in light and dark themes alike
_LOW, _HIGH = np.array([240, 246, 255]), np.array([120, 170, 230])
_TEXT = QBrush(QColor(20, 20, 20))
_TEXT_NONE_ON_DISK = QBrush(QColor(110, 110, 110))
_TOTAL_BACKGROUND = QBrush(QColor(225, 225, 225))


def cell_text(total: int, on_disk: int) -> str:
    """``"87"`` when every clip is on disk, otherwise ``"87\\n12 on disk"``."""
    return f"{total}" if on_disk == total else f"{total}\n{on_disk} on disk"


class FoldOverview(QWidget):
    """A class × fold table of clip counts; a cell's colour follows its count.

    Clicking a count emits ``cell_clicked(class_name, fold)``; clicking a class's total emits
    ``class_clicked(class_name)`` and a fold's total ``fold_clicked(fold)``.
    """

    cell_clicked = Signal(str, int)
    class_clicked = Signal(str)
    fold_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(len(CLASS_NAMES) + 1, len(FOLDS) + 1)
        self.table.setHorizontalHeaderLabels([f"Fold {f}" for f in FOLDS] + [TOTAL])
        self.table.setVerticalHeaderLabels([readable_class(n) for n in CLASS_NAMES] + [TOTAL])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        metrics = QFontMetrics(self.table.font())
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        rows.setMinimumSectionSize(2 * metrics.lineSpacing() + 10)  # two lines with some air
        self.table.cellClicked.connect(self._on_cell_clicked)
        self.caption = QLabel("Clips per class and fold — click a number to list those clips")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.table)
        # class × fold counts as arrays: no pandas before a dataset is open (start-up time)
        self._counts = self._on_disk = np.zeros((len(CLASS_NAMES), len(FOLDS)), dtype=int)
        self._fill()

    @property
    def counts(self) -> pd.DataFrame:
        """Clips per class (rows) and fold (columns) as shown."""
        import pandas as pd
        return pd.DataFrame(self._counts.copy(), index=list(CLASS_NAMES), columns=list(FOLDS))

    def set_dataset(self, dataset: Dataset | None) -> None:
        if dataset is None:
            self._counts = self._on_disk = np.zeros((len(CLASS_NAMES), len(FOLDS)), dtype=int)
        else:
            self._counts = dataset.class_fold_counts().to_numpy()
            self._on_disk = dataset.class_fold_counts(available_only=True).to_numpy()
        self._fill()

    def item_for(self, class_name: str | None, fold: int | None) -> QTableWidgetItem:
        """The item of a cell; ``None`` for class or fold picks the totals row or column."""
        row = len(CLASS_NAMES) if class_name is None else CLASS_NAMES.index(class_name)
        column = len(FOLDS) if fold is None else FOLDS.index(fold)
        return self.table.item(row, column)

    def _fill(self) -> None:
        counts, on_disk = self._counts, self._on_disk
        peak = max(int(counts.max()), 1)
        for r, class_name in enumerate(CLASS_NAMES):
            for c, fold in enumerate(FOLDS):
                total, disk = int(counts[r, c]), int(on_disk[r, c])
                item = self._item(cell_text(total, disk), (class_name, fold))
                item.setBackground(QBrush(QColor(*_ramp(total / peak))))
                item.setForeground(_TEXT if disk else _TEXT_NONE_ON_DISK)
                item.setToolTip(f"{class_name}, fold {fold}: {total} clips, {disk} on disk"
                                f" — click to show them")
                self.table.setItem(r, c, item)
            self._set_total(r, len(FOLDS), counts[r].sum(), on_disk[r].sum(), (class_name, None),
                            f"{class_name}: all folds")
        for c, fold in enumerate(FOLDS):
            self._set_total(len(CLASS_NAMES), c, counts[:, c].sum(), on_disk[:, c].sum(),
                            (None, fold), f"fold {fold}: all classes")
        self._set_total(len(CLASS_NAMES), len(FOLDS), counts.sum(), on_disk.sum(), (None, None),
                        "the whole dataset")
        fit_columns(self.table)   # headers in full, no count wraps (issue 17)
        self.table.setCurrentCell(-1, -1)  # no cell looks picked until the user clicks one

    def _set_total(self, row: int, column: int, total, on_disk, cell, what: str) -> None:
        item = self._item(cell_text(int(total), int(on_disk)), cell)
        item.setBackground(_TOTAL_BACKGROUND)
        item.setForeground(_TEXT)
        item.setToolTip(f"{what}: {int(total)} clips, {int(on_disk)} on disk")
        self.table.setItem(row, column, item)

    @staticmethod
    def _item(text: str, cell: tuple[str | None, int | None]) -> QTableWidgetItem:
        item = QTableWidgetItem(text)
        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        item.setData(CELL_ROLE, cell)
        return item

    def _on_cell_clicked(self, row: int, column: int) -> None:
        class_name, fold = self.table.item(row, column).data(CELL_ROLE)
        if class_name is not None and fold is not None:
            self.cell_clicked.emit(class_name, fold)
        elif class_name is not None:
            self.class_clicked.emit(class_name)
        elif fold is not None:
            self.fold_clicked.emit(fold)


def _ramp(fraction: float) -> tuple[int, int, int]:
    rgb = _LOW + (_HIGH - _LOW) * min(max(fraction, 0.0), 1.0)
    return tuple(int(round(v)) for v in rgb)
