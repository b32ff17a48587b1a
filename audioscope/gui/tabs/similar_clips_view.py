"""The "Similar clips" tab: the 10 dataset clips nearest to the clip shown (a dataset clip or a
dropped file) in the classifier's vector space, with class, fold and cosine distance
(``core.batch.similar_clips``). A click auditions one; P, the window's Pin action, keeps the
clip shown as A, so the clicked neighbours play as B beside it. Computed when the tab is shown;
the dataset's vectors come from the cache (or are extracted once, with progress).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from audioscope.core.batch.similar_clips import build_index, similar_to_file
from audioscope.core.dataset.metadata import Dataset, readable_class
from audioscope.core.store.cache import FeatureCache
from audioscope.gui.tabs.compute_when_shown import ComputeWhenShown
from audioscope.gui.tabs.stage_progress import StageProgress
from audioscope.gui.workers import LatestOnly

HEADERS = ("Clip", "Class", "Fold", "Distance")


class SimilarClipsView(QWidget):
    """Emits ``clip_activated(slice_file_name)`` when a listed clip is clicked."""

    clip_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._dataset: Dataset | None = None
        self._cache: FeatureCache | None = None
        self._index = None
        self._query: tuple[Path, str | None] | None = None     # (file, its slice_file_name)
        self._auditioned: str | None = None                     # shown from here: not a new query
        self._jobs = LatestOnly(self)
        self._when_shown = ComputeWhenShown(self, self._start)
        self.status = QLabel("Select a clip to find the clips that sound most like it.", wordWrap=True)
        self.progress = StageProgress()
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.cellClicked.connect(self._on_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(QLabel("Nearest clips by cosine distance between the classifier's clip vectors "
                                "(standardised over the dataset). Click one to listen; press P first to "
                                "keep the clip shown as A beside them.", wordWrap=True))
        layout.addWidget(self.status)
        layout.addWidget(self.progress)
        layout.addWidget(self.table, 1)

    def set_dataset(self, dataset: Dataset | None, cache: FeatureCache) -> None:
        self._jobs.cancel()
        self.progress.finish()
        self._dataset, self._cache, self._index, self._query = dataset, cache, None, None
        self.table.setRowCount(0)

    def set_query(self, path: Path, slice_file_name: str | None) -> None:
        """The clip shown changed: list its neighbours (when the tab is next shown)."""
        if slice_file_name is not None and slice_file_name == self._auditioned:
            self._auditioned = None              # a neighbour being auditioned: keep the list
            return
        self._query = (path, slice_file_name)
        if self._dataset is not None:
            self.status.setText(f"Finding the clips nearest to {path.name} when this tab is shown…")
            self._when_shown.request()

    def shown_names(self) -> list[str]:
        return [self.table.item(r, 0).text() for r in range(self.table.rowCount())]

    # -- internals ----------------------------------------------------------------------
    def _start(self) -> None:
        if self._query is None or self._dataset is None:
            return
        if self._index is None:
            self.status.setText("Computing the dataset's clip vectors (once; then cached)…")
            self.progress.start("Reading clip vectors")
            self._jobs.submit(build_index, self._dataset, self._cache, on_result=self._on_index,
                              on_error=self._on_error,
                              on_progress=self._on_progress)
            return
        path, name = self._query
        self.status.setText(f"Finding the clips nearest to {path.name}…")
        self._jobs.submit(similar_to_file, path, self._index, self._cache, 10, name,
                          on_result=lambda found: self._show(found, path), on_error=self._on_error)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.stage("Reading clip vectors", done, total)

    def _on_index(self, index) -> None:
        self._index = index
        self.progress.finish()
        self._start()

    def _on_error(self, exc: Exception) -> None:
        self.progress.finish()
        self.status.setText(f"No similar clips: {exc}")

    def _show(self, found, path: Path) -> None:
        self.table.setRowCount(len(found))
        for row, clip in enumerate(found.to_dict("records")):
            cells = (clip["slice_file_name"], readable_class(clip["class"]), str(clip["fold"]),
                     f"{clip['distance']:.3f}")
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.status.setText(f"The {len(found)} clips nearest to <b>{path.name}</b> among "
                            f"{len(self._index.names)} clips on disk.")

    def _on_clicked(self, row: int, _column: int) -> None:
        name = self.table.item(row, 0).text()
        self._auditioned = name
        self.clip_activated.emit(name)
