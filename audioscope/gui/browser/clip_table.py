"""The clip list: a table model over ``Dataset.table`` and, beside it, a model's predictions.

Sorting happens in the model with numpy (``np.argsort`` on precomputed ranks, a few ms),
not in ``QSortFilterProxyModel``: the proxy's own sort calls ``data()`` from C++ about
250 000 times for 8732 rows, which takes over a second in PySide6 (``clip_filter_proxy``
forwards ``sort()`` here and only filters).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from audioscope.core.dataset.clip_files import natural_key
from audioscope.core.dataset.metadata import Dataset, readable_class

if TYPE_CHECKING:                  # imported where used: the window paints before pandas loads
    import pandas as pd

SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # raw value of a cell (int, float, str, bool)
COLUMNS: tuple[str, ...] = ("File", "Class", "Fold", "Salience", "Duration (s)", "fsID", "Available",
                            "Predicted", "Confidence", "Correct", "Tag")
PREDICTION_COLUMNS = COLUMNS[-4:-1]
TAG_COLUMN = len(COLUMNS) - 1
COLUMN_TIPS = {
    "Salience": "foreground: the sound is the main source; background: it is further away",
    "Available": "whether the audio file was found under the dataset folder",
    "Predicted": "the model's class for the clip; the bundled model's comes from the model that "
                 "never saw the clip's fold",
    "Confidence": "the probability the model gave its predicted class",
    "Correct": "✓ predicted class = given class, ✗ misclassified, blank: no prediction",
    "Tag": "your review tag (right-click a clip, or press T); its note in the tooltip",
}
NUMERIC_COLUMNS = frozenset({"Fold", "Duration (s)", "fsID", "Confidence"})
MISSING_BRUSH = QBrush(QColor(128, 128, 128))
WRONG_BRUSH = QBrush(QColor(200, 60, 50))
_DISPLAY = Qt.ItemDataRole.DisplayRole
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_Index = QModelIndex | QPersistentModelIndex


class ClipTableModel(QAbstractTableModel):
    """One row per metadata row; source rows follow the current sort order.

    ``row_order_changed`` is emitted during a reset or re-sort, after the new order is in
    place but before views are told, so a proxy can realign its per-row state first.
    """

    row_order_changed = Signal()
    predictions_changed = Signal()

    def __init__(self, dataset: Dataset | None = None, parent=None) -> None:
        super().__init__(parent)
        self._dataset: Dataset | None = None
        self._display: list[list[str]] = [[] for _ in COLUMNS]
        self._raw: list[list] = [[] for _ in COLUMNS]
        self._ranks: list[np.ndarray] = []
        self._available: list[bool] = []
        self._paths: list[str] = []
        self._predictions: pd.DataFrame | None = None
        self._notes: list[str] = []
        self._order = np.arange(0)
        self._order_list: list[int] = []  # source row -> table row, as a list for data()
        self._sorted_by: tuple[int, Qt.SortOrder] = (-1, Qt.SortOrder.AscendingOrder)
        if dataset is not None:
            self.set_dataset(dataset)

    @property
    def dataset(self) -> Dataset | None:
        return self._dataset

    @property
    def table(self) -> pd.DataFrame | None:
        return None if self._dataset is None else self._dataset.table

    @property
    def predictions(self) -> pd.DataFrame | None:
        """The predictions shown, aligned to the table (``ModelPredictions.aligned``), or None."""
        return self._predictions

    def set_dataset(self, dataset: Dataset | None) -> None:
        """Show ``dataset`` (or nothing) in table order, without predictions."""
        self.beginResetModel()
        self._dataset, self._predictions = dataset, None
        self._convert(dataset.table if dataset is not None else None)
        self._set_order(np.arange(len(self._available)))
        self.row_order_changed.emit()
        self.endResetModel()

    def set_predictions(self, predictions: pd.DataFrame | None) -> None:
        """Fill the Predicted / Confidence / Correct columns from a model's predictions aligned
        to the table (one row per table row), or empty them (None)."""
        if self._dataset is None:
            return
        n = len(self._available)
        if predictions is not None and len(predictions) != n:
            raise ValueError(f"predictions for {len(predictions)} rows, the table has {n}")
        self._predictions = predictions
        first = COLUMNS.index(PREDICTION_COLUMNS[0])
        for column, (raw, display) in enumerate(_prediction_cells(predictions, n), start=first):
            self._raw[column], self._display[column] = raw, display
            self._ranks[column] = _ranks(raw)
        last = first + len(PREDICTION_COLUMNS) - 1
        self.dataChanged.emit(self.index(0, first), self.index(max(n - 1, 0), last))
        self._resort_if_sorted_by(range(first, last + 1))
        self.predictions_changed.emit()

    def set_tags(self, tags: dict) -> None:
        """Show review tags (slice_file_name -> ``review_tags.Tag``) in the Tag column."""
        if self._dataset is None:
            return
        found = [tags.get(name) for name in self._raw[0]]
        self._raw[TAG_COLUMN] = [t.tag if t is not None else "" for t in found]
        self._display[TAG_COLUMN] = self._raw[TAG_COLUMN]
        self._notes = [t.note if t is not None else "" for t in found]
        self._ranks[TAG_COLUMN] = _ranks(self._raw[TAG_COLUMN])
        n = len(found)
        self.dataChanged.emit(self.index(0, TAG_COLUMN), self.index(max(n - 1, 0), TAG_COLUMN))
        self._resort_if_sorted_by([TAG_COLUMN])

    def _resort_if_sorted_by(self, columns) -> None:
        column, order = self._sorted_by
        if column in columns:
            self.sort(column, order)

    def _convert(self, table: pd.DataFrame | None) -> None:
        """Pre-convert every column to plain Python lists so data() never touches pandas."""
        if table is None:
            self._display, self._raw = [[] for _ in COLUMNS], [[] for _ in COLUMNS]
            self._ranks, self._available, self._paths, self._notes = [], [], [], []
            return
        available = table["available"].to_numpy(dtype=bool)
        raw = [
            table["slice_file_name"].astype(str).tolist(),
            table["class"].astype(str).tolist(),
            table["fold"].astype(int).tolist(),
            table["salience"].astype(int).tolist(),
            table["duration"].astype(float).tolist(),
            table["fsID"].astype(int).tolist(),
            available.tolist(),
        ]
        self._raw = raw
        self._display = [
            raw[0], raw[1], [str(v) for v in raw[2]],
            table["salience_name"].astype(str).tolist(), [f"{v:.2f}" for v in raw[4]],
            [str(v) for v in raw[5]], ["yes" if v else "missing" for v in raw[6]],
        ]
        for prediction_raw, prediction_display in _prediction_cells(None, len(table)):
            raw.append(prediction_raw)
            self._display.append(prediction_display)
        raw.append([""] * len(table))                     # Tag
        self._display.append(raw[-1])
        self._notes = [""] * len(table)
        self._ranks = [_ranks(values) for values in raw]
        self._available = raw[6]
        self._paths = table["path"].astype(str).tolist()

    def _set_order(self, order: np.ndarray) -> None:
        self._order = order
        self._order_list = order.tolist()

    def table_rows(self) -> np.ndarray:
        """Positional table row shown at each source row (read-only view)."""
        view = self._order.view()
        view.flags.writeable = False
        return view

    def row_record(self, source_row: int) -> pd.Series:
        """The dataset row shown at ``source_row`` of this model."""
        if self._dataset is None or not 0 <= source_row < len(self._order_list):
            raise IndexError(f"no clip at row {source_row}")
        return self._dataset.table.iloc[self._order_list[source_row]]

    def source_row_of(self, table_row: int) -> int:
        """The model row that shows positional ``table_row`` of the dataset table."""
        return int(np.flatnonzero(self._order == table_row)[0])

    # -- QAbstractTableModel -------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._order_list)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: _Index, role: int = _DISPLAY):
        column = index.column()
        row = self._order_list[index.row()]
        if role == _DISPLAY:
            return self._display[column][row]
        if role == SORT_ROLE:
            return self._raw[column][row]
        if role == Qt.ItemDataRole.ForegroundRole and not self._available[row]:
            return MISSING_BRUSH
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if COLUMNS[column] in NUMERIC_COLUMNS else None
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return self._paths[row] if self._available[row] else "audio file not found"
        if role == Qt.ItemDataRole.ToolTipRole and column == TAG_COLUMN:
            return self._notes[row] or None
        if role == Qt.ItemDataRole.ForegroundRole and COLUMNS[column] == "Correct":
            return WRONG_BRUSH if self._display[column][row] == "✗" else None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == _DISPLAY:
                return COLUMNS[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return COLUMN_TIPS.get(COLUMNS[section])
            return None
        return super().headerData(section, orientation, role)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Stable sort by ``column`` (ties keep table order); column −1 restores table order."""
        self._sorted_by = (column, order)
        n = len(self._order_list)
        if 0 <= column < len(self._ranks):
            ranks = self._ranks[column]
            descending = order == Qt.SortOrder.DescendingOrder
            new_order = np.argsort(-ranks if descending else ranks, kind="stable")
        else:
            new_order = np.arange(n)
        if np.array_equal(new_order, self._order):
            return
        self.layoutAboutToBeChanged.emit()  # PySide6 only exposes the no-argument form
        old_order = self._order
        self._set_order(new_order)
        persistent = self.persistentIndexList()
        if persistent:
            position = np.empty(n, dtype=np.int64)
            position[new_order] = np.arange(n)  # table row -> new source row
            moved = [self.index(int(position[old_order[i.row()]]), i.column()) for i in persistent]
            self.changePersistentIndexList(persistent, moved)
        self.row_order_changed.emit()
        self.layoutChanged.emit()


def _ranks(values: list) -> np.ndarray:
    """Dense ranks: one integer argsort sorts any column, in either direction, stably."""
    if not values:
        return np.arange(0)
    if isinstance(values[0], str):                    # names sort naturally: …-0-2 before …-0-10
        order = {value: rank for rank, value in enumerate(sorted(set(values), key=lambda v: (natural_key(v), v)))}
        return np.fromiter((order[value] for value in values), dtype=np.int64, count=len(values))
    return np.unique(np.asarray(values), return_inverse=True)[1].reshape(-1)


def _prediction_cells(predictions: pd.DataFrame | None, n: int) -> list[tuple[list, list[str]]]:
    """(raw, display) of the Predicted, Confidence and Correct columns; blank without a prediction.
    Raw values sort clips without a prediction first (confidence −1, correct −1)."""
    if predictions is None:
        return [([""] * n, [""] * n), ([-1.0] * n, [""] * n), ([-1] * n, [""] * n)]
    predicted = predictions["predicted"].astype(str).tolist()
    confidence = predictions["confidence"].to_numpy(dtype=float)
    has = [p != "" for p in predicted]
    correct = [int(c) if h else -1 for c, h in zip(predictions["correct"].tolist(), has)]
    return [(predicted, [readable_class(p) for p in predicted]),
            ([float(c) if np.isfinite(c) else -1.0 for c in confidence],
             [f"{c:.0%}" if np.isfinite(c) else "" for c in confidence]),
            (correct, ["✓" if c == 1 else "✗" if c == 0 else "" for c in correct])]
