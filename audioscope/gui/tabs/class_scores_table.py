"""Precision, recall, F1 and support per class (scikit-learn's
``precision_recall_fscore_support``, via ``core.model.model_scores``), all folds pooled."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from audioscope.core.dataset.metadata import CLASS_NAMES, readable_class

COLUMNS = ("precision", "recall", "f1", "support")
HEADERS = ("Precision", "Recall", "F1", "Clips")


class ClassScoresTable(QTableWidget):
    """One row per class; sorting by a column ranks the classes by it."""

    def __init__(self, parent=None) -> None:
        super().__init__(len(CLASS_NAMES), len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(HEADERS)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.horizontalHeader().setToolTip("precision: of the clips predicted as the class, the share "
                                           "that are; recall: of the class's clips, the share found")

    def show_scores(self, per_class: dict[str, dict]) -> None:
        self.setSortingEnabled(False)
        self.setVerticalHeaderLabels([readable_class(n) for n in CLASS_NAMES])
        for r, name in enumerate(CLASS_NAMES):
            for c, key in enumerate(COLUMNS):
                value = per_class[name][key]
                item = QTableWidgetItem(str(value) if key == "support" else f"{value:.3f}")
                item.setData(Qt.ItemDataRole.UserRole, value)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.setItem(r, c, item)

    def value(self, class_name: str, key: str) -> float:
        row = [self.verticalHeaderItem(r).text() for r in range(self.rowCount())].index(
            readable_class(class_name))
        return self.item(row, COLUMNS.index(key)).data(Qt.ItemDataRole.UserRole)
