"""The left side of the window: dataset clips (filter + table), fold overview, and "My files"."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from audioscope.core.dataset.clip_filter import ClipFilter
from audioscope.core.dataset.metadata import Dataset
from audioscope.core.inspection.clip_inspection import ClipRequest
from audioscope.gui.browser.clip_filter_proxy import ClipFilterProxy
from audioscope.gui.browser.clip_table import ClipTableModel
from audioscope.gui.browser.filter_bar import FilterBar
from audioscope.gui.browser.fold_overview import FoldOverview
from audioscope.gui.browser.tag_menu import TagMenu

WELCOME_TEXT = """
<h2>No dataset open</h2>
<p><b>UrbanSound8K</b> is 8732 labelled clips of urban sounds (up to 4 s each) in 10 classes —
air conditioner, car horn, children playing, dog bark, drilling, engine idling, gun shot,
jackhammer, siren, street music — split into 10 predefined folds for cross-validation.</p>
<p>Get it from <a href="https://urbansounddataset.weebly.com/urbansound8k.html">
urbansounddataset.weebly.com</a> (about 6 GB, licence CC BY-NC 3.0), unpack it, and open the folder
that contains <code>metadata/UrbanSound8K.csv</code> and <code>audio/fold1</code> …
<code>audio/fold10</code>. Converted copies (FLAC, OGG) and partial downloads work too.</p>
<p>Meanwhile, drop any audio file on the window (or File → Open files…) to see it, hear it and
get the bundled model's prediction.</p>
"""

log = logging.getLogger(__name__)


class ClipBrowser(QTabWidget):
    """Dataset clips (filter bar + table) and "My files" as tabs, plus the fold overview that
    filters the table (the main window places it).

    Emits ``clip_selected(ClipRequest)`` for a clip to show, ``missing_selected(ClipRequest)``
    for a dataset row without a file, and ``open_dataset_requested`` from the welcome page."""

    clip_selected = Signal(object)
    missing_selected = Signal(object)
    open_dataset_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ClipTableModel()
        self._filtering = False
        self._viewed: str | None = None     # the dataset clip last shown from the table
        self.proxy = ClipFilterProxy()
        self.proxy.setSourceModel(self.model)
        self.filter_bar = FilterBar()
        self.table = self._build_table()
        self.tags = TagMenu(self.table, self.proxy, self.model, self._show_filter)
        self.overview = FoldOverview()
        self.my_files = QListWidget()
        self.my_files.setToolTip("Files you dropped on the window or opened with File → Open files…")

        self._clips_stack = QStackedWidget()
        self._clips_stack.addWidget(self._build_welcome())
        clips_page = QWidget()
        layout = QVBoxLayout(clips_page)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.table, 1)
        self._clips_stack.addWidget(clips_page)
        self.addTab(self._clips_stack, "Dataset clips")
        self.addTab(self.my_files, "My files")
        # the fold overview is shown by the main window, beside the clip views

        self.filter_bar.filter_changed.connect(self._apply_filter)
        self.proxy.count_changed.connect(self.filter_bar.set_counts)
        self.overview.cell_clicked.connect(self._on_cell_clicked)
        self.overview.class_clicked.connect(lambda c: self._show_filter(ClipFilter(classes={c})))
        self.overview.fold_clicked.connect(lambda f: self._show_filter(ClipFilter(folds={f})))
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.my_files.currentItemChanged.connect(self._on_my_file_changed)

    def _build_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.proxy)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)   # for exports
        table.verticalHeader().hide()
        # opens sorted by file name, naturally (…-0-2 before …-0-10; the metadata CSV lists
        # …-0-10 first); a click on a header sorts by that column
        table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        table.setSortingEnabled(True)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # widths from the widest typical text: measuring 8732 rows took 0.3 s on every open
        metrics = table.fontMetrics()
        for column, sample in enumerate(("100263-2-0-117.wav", "children_playing", "Fold",
                                         "background", "Duration (s)", "000000", "Available")):
            table.setColumnWidth(column, metrics.horizontalAdvance(sample) + 24)
        table.horizontalHeader().setStretchLastSection(True)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        return table

    def _build_welcome(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(16, 8, 16, 8)
        text = QLabel(WELCOME_TEXT, wordWrap=True, openExternalLinks=True)
        text.setTextFormat(Qt.TextFormat.RichText)
        self.open_button = QPushButton("Open dataset folder…")
        self.open_button.clicked.connect(self.open_dataset_requested)
        layout.addWidget(text)
        layout.addWidget(self.open_button, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        return page

    # -- public API ---------------------------------------------------------------------
    def set_dataset(self, dataset: Dataset) -> None:
        """List ``dataset``'s clips, with the bundled model's out-of-fold predictions; a partial
        copy (``opening_filter``) opens on the clips on disk."""
        opening = opening_filter(dataset)
        self._viewed = None
        self.filter_bar.set_filter(opening)
        self.proxy.set_filter(opening)
        self.model.set_dataset(dataset)
        self.model.set_predictions(bundled_predictions_of(dataset))
        header = self.table.horizontalHeader()          # the sort shown: by file name at first
        self.proxy.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        self.tags.set_dataset(dataset)
        self.overview.set_dataset(dataset)
        self._clips_stack.setCurrentIndex(1)
        self.setCurrentIndex(0)

    def select_row(self, proxy_row: int) -> None:
        """Make ``proxy_row`` of the filtered table the current clip."""
        index = self.proxy.index(proxy_row, 0)
        selection = self.table.selectionModel()
        unchanged = selection.currentIndex().row() == proxy_row
        selection.setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        if unchanged:                                    # no change signal: show it anyway
            self._on_current_row_changed(index, index)
        self.table.scrollTo(index)

    def select_clip(self, slice_file_name: str) -> bool:
        """Make the dataset clip called ``slice_file_name`` current, clearing a filter that
        hides it; False when the open dataset has no such clip."""
        source = self._source_index_of(slice_file_name)
        if source is None:
            return False
        if not self.proxy.mapFromSource(source).isValid():
            self._show_filter(ClipFilter())            # it was filtered out: show all clips
        self.setCurrentIndex(0)
        self.select_row(self.proxy.mapFromSource(source).row())
        return True

    def show_filter(self, clip_filter: ClipFilter, *, first_row: bool = False) -> None:
        """List the clips of ``clip_filter`` (shown in the filter bar too); with ``first_row``
        the first of them becomes the current clip, else the current one stays if listed."""
        self.filter_bar.set_filter(clip_filter)
        self._apply_filter(clip_filter, first_row=first_row)
        self.setCurrentIndex(0)

    def add_files(self, paths: list[Path]) -> None:
        """List ``paths`` under "My files" (once each) and show the last one."""
        known = {self.my_files.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.my_files.count())}
        last = None
        for path in paths:
            key = str(path)
            if key in known:
                last = next(self.my_files.item(i) for i in range(self.my_files.count())
                            if self.my_files.item(i).data(Qt.ItemDataRole.UserRole) == key)
                continue
            last = QListWidgetItem(path.name)
            last.setData(Qt.ItemDataRole.UserRole, key)
            last.setToolTip(key)
            self.my_files.addItem(last)
            known.add(key)
        self.setCurrentWidget(self.my_files)
        if last is None:
            return
        if last is self.my_files.currentItem():  # already current: no change signal, show it anyway
            self._on_my_file_changed(last, None)
        else:
            self.my_files.setCurrentItem(last)

    def mark_file_failed(self, path: Path, reason: str) -> None:
        for i in range(self.my_files.count()):
            item = self.my_files.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == str(path):
                item.setText(f"⚠ {path.name}")
                item.setToolTip(f"{path}\n{reason}")

    # -- slots --------------------------------------------------------------------------
    def _show_filter(self, clip_filter: ClipFilter) -> None:
        self.filter_bar.set_filter(clip_filter, notify=True)
        self.setCurrentIndex(0)

    def _apply_filter(self, clip_filter: ClipFilter, *, first_row: bool = False) -> None:
        """Filter the table; the clip being viewed stays current and scrolled into view if the
        filter lists it, else the first listed clip becomes current (never a neighbour Qt
        picks as rows vanish, and never a list scrolled away from the clip shown)."""
        selection = self.table.selectionModel()
        shown = self._viewed
        with self._not_a_choice():      # Qt moves the current index while rows go
            self.proxy.set_filter(clip_filter)
        kept = None if shown is None or first_row else self._source_index_of(shown)
        kept = None if kept is None else self.proxy.mapFromSource(kept)
        if kept is not None and kept.isValid():
            if selection.currentIndex() != kept:
                with self._not_a_choice():  # the clip shown already: not a new one to show
                    selection.setCurrentIndex(kept, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                              | QItemSelectionModel.SelectionFlag.Rows)
            self.table.scrollTo(kept, QAbstractItemView.ScrollHint.PositionAtCenter)
        elif (shown is not None or first_row) and self.proxy.rowCount():
            self.select_row(0)
        elif shown is not None:         # nothing listed: no current row (the view keeps its clip)
            selection.clear()

    @contextlib.contextmanager
    def _not_a_choice(self) -> Iterator[None]:
        """Current-row changes made inside are the browser's own, not the user's."""
        self._filtering = True
        try:
            yield
        finally:
            self._filtering = False

    def _source_index_of(self, slice_file_name: str) -> QModelIndex | None:
        table = self.model.table
        if table is None:
            return None
        hits = np.flatnonzero(table["slice_file_name"].to_numpy(dtype=object) == slice_file_name)
        return None if hits.size == 0 else self.model.index(self.model.source_row_of(int(hits[0])), 0)

    def _on_cell_clicked(self, class_name: str, fold: int) -> None:
        self._show_filter(ClipFilter().with_cell(class_name, fold))

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        """Show the row the user made current; not one Qt made current on its own (focus
        without a current row, or rows removed by a filter), which is not selected."""
        if self._filtering or not current.isValid():
            return
        if not self.table.selectionModel().isRowSelected(current.row(), current.parent()):
            return
        row = self.proxy.row_record(current.row())
        self._viewed = row["slice_file_name"]
        if row["available"]:
            self.clip_selected.emit(ClipRequest(Path(row["path"]), row))
        else:
            self.missing_selected.emit(ClipRequest(Path(row["slice_file_name"]), row))

    def _on_my_file_changed(self, current: QListWidgetItem | None, _previous) -> None:
        if current is not None:
            self._viewed = None
            self.clip_selected.emit(ClipRequest(Path(current.data(Qt.ItemDataRole.UserRole))))


def opening_filter(dataset: Dataset) -> ClipFilter:
    """All clips, or only those on disk when fewer than half of them are (a partial copy:
    the first screen would be grey rows that cannot be heard)."""
    return ClipFilter(availability=True) if 0 < 2 * dataset.n_available < dataset.n_clips else ClipFilter()


def bundled_predictions_of(dataset: Dataset):
    """The bundled model's out-of-fold predictions aligned to ``dataset.table``, or None (with a
    log line) when the bundle has none that can be read."""
    from audioscope.core.model.classifier import ModelLoadError
    from audioscope.core.model.model_scores import bundled_predictions

    try:
        return bundled_predictions(dataset.table).aligned(dataset.table)
    except ModelLoadError as exc:          # EvaluationError included
        log.warning("no predictions in the table: %s", exc)
        return None
