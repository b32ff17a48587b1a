"""The clip list: a table model over ``Dataset.table`` and a proxy that filters it.

Sorting happens in the model with numpy (``np.argsort`` on precomputed ranks, a few ms),
not in ``QSortFilterProxyModel``: the proxy's own sort calls ``data()`` from C++ about
250 000 times for 8732 rows, which takes over a second in PySide6. The proxy forwards
``sort()`` to the model and only filters, by indexing a mask computed once per filter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from audioscope.core.dataset.clip_filter import ClipFilter
from audioscope.core.dataset.metadata import Dataset

SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # raw value of a cell (int, float, str, bool)
COLUMNS: tuple[str, ...] = ("File", "Class", "Fold", "Salience", "Duration (s)", "fsID", "Available")
COLUMN_TIPS = {
    "Salience": "foreground: the sound is the main source; background: it is further away",
    "Available": "whether the audio file was found under the dataset folder",
}
NUMERIC_COLUMNS = frozenset({"Fold", "Duration (s)", "fsID"})
MISSING_BRUSH = QBrush(QColor(128, 128, 128))
_DISPLAY = Qt.ItemDataRole.DisplayRole
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_Index = QModelIndex | QPersistentModelIndex


class ClipTableModel(QAbstractTableModel):
    """One row per metadata row; source rows follow the current sort order.

    ``row_order_changed`` is emitted during a reset or re-sort, after the new order is in
    place but before views are told, so a proxy can realign its per-row state first.
    """

    row_order_changed = Signal()

    def __init__(self, dataset: Dataset | None = None, parent=None) -> None:
        super().__init__(parent)
        self._dataset: Dataset | None = None
        self._display: list[list[str]] = [[] for _ in COLUMNS]
        self._raw: list[list] = [[] for _ in COLUMNS]
        self._ranks: list[np.ndarray] = []
        self._available: list[bool] = []
        self._paths: list[str] = []
        self._order = np.arange(0)
        self._order_list: list[int] = []  # source row -> table row, as a list for data()
        if dataset is not None:
            self.set_dataset(dataset)

    @property
    def dataset(self) -> Dataset | None:
        return self._dataset

    @property
    def table(self) -> pd.DataFrame | None:
        return None if self._dataset is None else self._dataset.table

    def set_dataset(self, dataset: Dataset | None) -> None:
        """Show ``dataset`` (or nothing) in table order."""
        self.beginResetModel()
        self._dataset = dataset
        self._convert(dataset.table if dataset is not None else None)
        self._set_order(np.arange(len(self._available)))
        self.row_order_changed.emit()
        self.endResetModel()

    def _convert(self, table: pd.DataFrame | None) -> None:
        """Pre-convert every column to plain Python lists so data() never touches pandas."""
        if table is None:
            self._display, self._raw = [[] for _ in COLUMNS], [[] for _ in COLUMNS]
            self._ranks, self._available, self._paths = [], [], []
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
        # dense ranks: one integer argsort sorts any column, in either direction, stably
        self._ranks = [np.unique(np.asarray(values, dtype=object if isinstance(values[0], str)
                                            else None), return_inverse=True)[1].reshape(-1)
                       if values else np.arange(0) for values in raw]
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
        if role == Qt.ItemDataRole.ForegroundRole:
            return None if self._available[row] else MISSING_BRUSH
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if COLUMNS[column] in NUMERIC_COLUMNS else None
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return self._paths[row] if self._available[row] else "audio file not found"
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


class ClipFilterProxy(QSortFilterProxyModel):
    """Filters a ``ClipTableModel`` with a ``ClipFilter``; ``sort()`` goes to the model.

    ``count_changed(shown, total)`` follows every filter or dataset change.
    """

    count_changed = Signal(int, int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._filter = ClipFilter()
        self._mask = np.ones(0, dtype=bool)  # per positional table row
        self._mask_table: pd.DataFrame | None = None
        self._accepted: list[bool] = []  # per source row, in the model's current order
        self._sort_column, self._sort_order = -1, Qt.SortOrder.AscendingOrder

    @property
    def clip_filter(self) -> ClipFilter:
        return self._filter

    @property
    def shown_count(self) -> int:
        return int(self._mask.sum())

    @property
    def total_count(self) -> int:
        return len(self._mask)

    def clip_model(self) -> ClipTableModel | None:
        model = self.sourceModel()
        return model if isinstance(model, ClipTableModel) else None

    def setSourceModel(self, model: QAbstractItemModel) -> None:
        if not isinstance(model, ClipTableModel):
            raise TypeError("ClipFilterProxy filters a ClipTableModel")
        old = self.clip_model()
        if old is not None:
            old.row_order_changed.disconnect(self._on_row_order_changed)
            old.modelReset.disconnect(self._on_source_reset)
        self._realign(model)  # before Qt builds its mapping with filterAcceptsRow
        super().setSourceModel(model)
        model.row_order_changed.connect(self._on_row_order_changed)
        model.modelReset.connect(self._on_source_reset)

    def set_filter(self, clip_filter: ClipFilter) -> None:
        """Show only the rows ``clip_filter`` accepts (one vectorised mask computation)."""
        if clip_filter == self._filter:
            return
        model = self.clip_model()
        change_started = self._begin_filter_change()
        self._filter = clip_filter
        self._mask_table = None  # force recomputation
        if model is not None:
            self._realign(model)
        self._end_filter_change(change_started)
        self.count_changed.emit(self.shown_count, self.total_count)

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        return self._accepted[source_row]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort_column, self._sort_order = column, order
        model = self.clip_model()
        if model is not None:
            model.sort(column, order)

    def source_row(self, proxy_row: int) -> int:
        return self.mapToSource(self.index(proxy_row, 0)).row()

    def row_record(self, proxy_row: int) -> pd.Series:
        """The dataset row shown at ``proxy_row`` of this proxy."""
        model = self.clip_model()
        if model is None or not 0 <= proxy_row < self.rowCount():
            raise IndexError(f"no clip at row {proxy_row}")
        return model.row_record(self.source_row(proxy_row))

    def _realign(self, model: ClipTableModel) -> None:
        table = model.table
        if table is None:
            self._mask, self._mask_table, self._accepted = np.ones(0, dtype=bool), None, []
            return
        if self._mask_table is not table:
            self._mask, self._mask_table = self._filter.mask(table), table
        self._accepted = self._mask[model.table_rows()].tolist()

    def _on_row_order_changed(self) -> None:
        model = self.clip_model()
        if model is not None:
            self._realign(model)

    def _on_source_reset(self) -> None:
        self.count_changed.emit(self.shown_count, self.total_count)

    def _begin_filter_change(self) -> bool:
        if hasattr(self, "endFilterChange"):  # Qt >= 6.10; invalidateRowsFilter is deprecated
            self.beginFilterChange()
            return True
        return False

    def _end_filter_change(self, started: bool) -> None:
        if started:
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.invalidateRowsFilter()
