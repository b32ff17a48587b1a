"""The clip table's filter: a proxy that shows the rows a ``ClipFilter`` accepts, by indexing a
mask computed once per filter (or predictions) change; ``sort()`` goes to the model."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)

from audioscope.core.dataset.clip_filter import ClipFilter
from audioscope.gui.browser.clip_table import ClipTableModel

if TYPE_CHECKING:                  # imported where used: the window paints before pandas loads
    import pandas as pd

_Index = QModelIndex | QPersistentModelIndex


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
            old.predictions_changed.disconnect(self._on_predictions_changed)
        self._realign(model)  # before Qt builds its mapping with filterAcceptsRow
        super().setSourceModel(model)
        model.row_order_changed.connect(self._on_row_order_changed)
        model.modelReset.connect(self._on_source_reset)
        model.predictions_changed.connect(self._on_predictions_changed)

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
            self._mask, self._mask_table = self._filter.mask(table, model.predictions), table
        self._accepted = self._mask[model.table_rows()].tolist()

    def _on_row_order_changed(self) -> None:
        model = self.clip_model()
        if model is not None:
            self._realign(model)

    def _on_predictions_changed(self) -> None:
        """Other predictions: a filter on them (misclassified, confidence) is applied anew."""
        model = self.clip_model()
        if model is None or not self._filter.uses_predictions:
            return
        change_started = self._begin_filter_change()
        self._mask_table = None
        self._realign(model)
        self._end_filter_change(change_started)
        self.count_changed.emit(self.shown_count, self.total_count)

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
