"""The dataset map: every available clip as a point of a t-SNE map of the classifier's clip
vectors, coloured by class and filtered like the table; dropped files placed beside their
nearest clips.

The map is computed in the background (``core.batch.dataset_map.compute_map``) when the view is first
shown, not when the dataset is opened. Clips outside the table's filter stay as faint grey
context and cannot be clicked.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from audioscope.core.batch.dataset_map import DatasetMap, Placement, compute_map, file_vectors, nearest_within
from audioscope.core.dataset.clip_filter import ClipFilter
from audioscope.core.dataset.metadata import Dataset
from audioscope.core.store.cache import FeatureCache
from audioscope.gui.tabs import map_files
from audioscope.gui.tabs.compute_when_shown import ComputeWhenShown
from audioscope.gui.tabs.map_files import DroppedFile
from audioscope.gui.tabs.stage_progress import StageProgress
from audioscope.gui.workers import LatestOnly

if TYPE_CHECKING:                  # imported where used: the window paints before pandas loads
    import pandas as pd

CONTEXT_BRUSH = pg.mkBrush(150, 150, 150, 45)      # clips outside the filter
CURRENT_PEN = pg.mkPen("#ffd23f", width=2.5)         # the playhead's yellow, outlined in black
CURRENT_OUTLINE = pg.mkPen("#000000", width=5)
FILE_BRUSH, FILE_PEN = pg.mkBrush("#ffffff"), pg.mkPen("#000000", width=2)
LINK_PEN = pg.mkPen((255, 255, 255, 120), width=1, style=Qt.PenStyle.DashLine)
POINT_SIZE = 6
PICK_RADIUS_PX = 7.0
NO_DATASET = ("No dataset open: open an UrbanSound8K folder (File → Open dataset folder…) to see "
              "every clip on a map, grouped by how the classifier sees it.")


class DatasetMapView(QWidget):
    """The map plot, a progress bar while it is computed, and the neighbours of a dropped file.

    ``clip_clicked(slice_file_name)`` on a click on a coloured point; ``file_clicked(path)``
    on a click on a dropped file's star; ``map_ready()`` when a map is drawn.
    """

    clip_clicked = Signal(str)
    file_clicked = Signal(str)
    map_ready = Signal()

    def __init__(self, parent: QWidget | None = None, jobs: int = -1) -> None:
        super().__init__(parent)
        self._n_jobs = jobs
        self._dataset: Dataset | None = None
        self._cache: FeatureCache | None = None
        self._map: DatasetMap | None = None
        self._filter, self._predictions = ClipFilter(), None
        self._table_rows = np.zeros(0, dtype=int)  # dataset.table position of each map row
        self._shown = np.zeros(0, dtype=int)       # map rows drawn in colour
        self._current: str | None = None
        self._files: dict[str, DroppedFile] = {}
        self._focus_file: str | None = None
        self._jobs = LatestOnly(self)
        self._file_jobs = LatestOnly(self)
        self._map_when_shown = ComputeWhenShown(self, self._start)
        self._files_when_shown = ComputeWhenShown(self, self._start_files)
        self.status = QLabel(NO_DATASET, wordWrap=True)
        self.progress = StageProgress()
        self.hover = QLabel(" ")
        self.neighbours = QLabel(textFormat=Qt.TextFormat.RichText, wordWrap=True, visible=False)
        self.neighbours.setFixedWidth(300)
        self.neighbours.setStyleSheet("QLabel { background: black; color: #dddddd; padding: 6px; }")
        self.neighbours.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.graphics = pg.GraphicsLayoutWidget()
        self._build_plot()
        middle = QHBoxLayout()
        middle.addWidget(self.graphics, 1)
        middle.addWidget(self.neighbours)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status)
        layout.addWidget(self.progress)     # a line of its own: the status keeps its width
        layout.addLayout(middle, 1)
        layout.addWidget(self.hover)
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.graphics.scene().sigMouseClicked.connect(self._on_mouse_clicked)

    def _build_plot(self) -> None:
        self.plot = self.graphics.addPlot(row=0, col=0)
        self.plot.setAspectLocked(True)
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.context = pg.ScatterPlotItem(size=POINT_SIZE - 2, pen=None, brush=CONTEXT_BRUSH)
        self.scatter = pg.ScatterPlotItem(size=POINT_SIZE, pen=None)
        self.links = pg.PlotCurveItem(pen=LINK_PEN, connect="pairs")
        self.ring_outline = pg.ScatterPlotItem(size=18, pen=CURRENT_OUTLINE, brush=None)
        self.ring = pg.ScatterPlotItem(size=18, pen=CURRENT_PEN, brush=None)
        self.file_marks = pg.ScatterPlotItem(size=22, symbol="star", pen=FILE_PEN, brush=FILE_BRUSH)
        for z, item in enumerate((self.context, self.scatter, self.links, self.ring_outline, self.ring,
                                  self.file_marks)):
            item.setZValue(z)
            self.plot.addItem(item)
        self._brushes = {name: pg.mkBrush(colour) for name, colour in map_files.CLASS_COLOURS.items()}
        self.legend = map_files.add_class_legend(self.graphics, self._brushes)
        self.graphics.ci.layout.setColumnStretchFactor(0, 1)

    # -- public API ---------------------------------------------------------------------
    @property
    def dataset_map(self) -> DatasetMap | None:
        return self._map

    @property
    def placements(self) -> dict[str, Placement]:
        """Placed dropped files: path → placement."""
        return {p: f.placement for p, f in self._files.items() if f.placement is not None}

    def shown_names(self) -> list[str]:
        """The clips drawn in colour (those in the filter), in map order."""
        return [] if self._map is None else self._map.slice_file_names[self._shown].tolist()

    def set_dataset(self, dataset: Dataset | None, cache: FeatureCache | None = None) -> None:
        """Map ``dataset``: now if the view is visible, else when it is first shown."""
        self._jobs.cancel()
        self._map_when_shown.drop()
        self._dataset, self._cache, self._map = dataset, cache, None
        for f in self._files.values():     # placed on the old map: placed again on the new one
            f.placement = None
        self._draw()
        self.hover.setText(" ")
        self.progress.finish()
        self.status.setText(NO_DATASET if dataset is None else
                            f"The map of {dataset.n_available} clips is computed when shown")
        if dataset is not None:
            self._map_when_shown.request()

    def set_filter(self, clip_filter: ClipFilter, predictions: pd.DataFrame | None = None) -> None:
        """Colour the clips the table shows (``predictions``: its model's); the rest turn grey."""
        self._filter, self._predictions = clip_filter, predictions
        self._draw()

    def set_current(self, slice_file_name: str | None) -> None:
        """Ring the selected clip (None, or a clip not on the map: no ring)."""
        self._current = slice_file_name
        self._draw_current()

    def place_file(self, path: str | Path, vector: np.ndarray | None = None) -> None:
        """Show a file on the map; its clip vector is computed in the background if not given."""
        path = str(path)
        self._files[path] = DroppedFile(path, None if vector is None else np.asarray(vector, float))
        self._focus_file = path
        if vector is None:
            self._files_when_shown.request()
        self._draw_files()

    # -- background work ----------------------------------------------------------------
    def _start(self) -> None:
        self.status.setText(f"Mapping {self._dataset.n_available} clips…")
        self.progress.start("Reading clip vectors")
        self._jobs.submit(functools.partial(compute_map, jobs=self._n_jobs), self._dataset, self._cache,
                          on_result=self._on_map, on_error=self._on_map_error,
                          on_progress=self._on_progress)

    def _on_progress(self, done: int, total: int) -> None:
        if total == 0:                         # t-SNE reports nothing until it is done
            self.progress.stage("Arranging the clips with t-SNE")
        else:
            self.progress.stage("Reading clip vectors", done, total)

    def _on_map(self, result: DatasetMap) -> None:
        self.progress.finish()
        self._map = result
        rows = {n: i for i, n in enumerate(self._dataset.table["slice_file_name"])}
        self._table_rows = np.array([rows[n] for n in result.slice_file_names], dtype=int)
        for f in self._files.values():
            f.placement = None
        self._draw()
        self.plot.autoRange()           # once: a later filter or drop keeps the user's zoom
        self.plot.disableAutoRange()
        self.map_ready.emit()

    def _on_map_error(self, error: Exception) -> None:
        self.progress.finish()
        self.status.setText(f"The map could not be computed: {error}")

    def _start_files(self) -> None:
        todo = [p for p, f in self._files.items() if f.vector is None and f.error is None]
        if todo:
            self._file_jobs.submit(file_vectors, todo, on_result=self._on_file_vectors)

    def _on_file_vectors(self, results: dict[str, np.ndarray | str]) -> None:
        for path, result in results.items():
            if path in self._files:
                if isinstance(result, str):
                    self._files[path].error = result
                else:
                    self._files[path].vector = result
        self._draw_files()

    # -- drawing ------------------------------------------------------------------------
    def _draw(self) -> None:
        m = self._map
        if m is None:
            self._shown = np.zeros(0, dtype=int)
            for item in (self.scatter, self.context):
                item.setData([], [])
        else:
            keep = self._filter.mask(self._dataset.table, self._predictions)[self._table_rows]
            self._shown = np.flatnonzero(keep)
            hidden = np.flatnonzero(~keep)
            self.context.setData(m.xy[hidden, 0], m.xy[hidden, 1])
            self.scatter.setData(m.xy[self._shown, 0], m.xy[self._shown, 1],
                                 brush=[self._brushes[c] for c in m.classes[self._shown]])
            self.status.setText(self._summary())
        self._draw_current()
        self._draw_files()

    def _summary(self) -> str:
        m = self._map
        text = f"{len(m)} clips, laid out by t-SNE from the classifier's clip vectors"
        if len(self._shown) < len(m):
            text += f" · {len(self._shown)} match the filter ({self._filter.describe()})"
        if m.skipped:
            text += f" · {len(m.skipped)} unreadable file(s) left out"
        return text

    def _draw_current(self) -> None:
        row = None if self._map is None or self._current is None else self._map.index_of(self._current)
        xy = ([], []) if row is None else ([self._map.xy[row, 0]], [self._map.xy[row, 1]])
        for item in (self.ring_outline, self.ring):
            item.setData(*xy)

    def _draw_files(self) -> None:
        placed = []
        if self._map is not None:
            for f in self._files.values():
                if f.vector is not None and f.placement is None:
                    try:
                        f.placement = self._map.place(f.vector)
                    except ValueError as exc:
                        f.error = str(exc)
                if f.placement is not None:
                    placed.append(f)
        self.file_marks.setData([f.placement.xy[0] for f in placed], [f.placement.xy[1] for f in placed],
                                data=[f.path for f in placed])
        focus = self._files.get(self._focus_file)
        if focus is not None and focus.placement is not None and self._map is not None:
            ends = [self._map.xy[self._map.index_of(n)] for n, _c, _d in focus.placement.neighbours]
            self.links.setData(np.array([c for e in ends for c in (focus.placement.xy[0], e[0])]),
                               np.array([c for e in ends for c in (focus.placement.xy[1], e[1])]))
        else:
            self.links.setData([], [])
        self.neighbours.setText(map_files.neighbours_html(focus))
        self.neighbours.setVisible(focus is not None)

    # -- mouse --------------------------------------------------------------------------
    def _pick(self, scene_pos: QPointF) -> tuple[str, str] | None:
        """("clip", name) or ("file", path) of the mark under ``scene_pos``, if any."""
        box = self.plot.getViewBox()
        if self._map is None or not box.sceneBoundingRect().contains(scene_pos):
            return None
        at = box.mapSceneToView(scene_pos)
        pixel_w, pixel_h = box.viewPixelSize()
        if pixel_w <= 0 or pixel_h <= 0:
            return None
        files = [f for f in self._files.values() if f.placement is not None]
        for kind, xy, keys in (("file", np.array([f.placement.xy for f in files]).reshape(-1, 2),
                                [f.path for f in files]),
                               ("clip", self._map.xy[self._shown], self._map.slice_file_names[self._shown])):
            best = nearest_within(xy, at.x(), at.y(), pixel_w, pixel_h, PICK_RADIUS_PX)
            if best is not None:
                return kind, str(keys[best])
        return None

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        picked = self._pick(scene_pos)
        text = " " if picked is None else map_files.describe_mark(*picked, self._files, self._map)
        self.hover.setText(text)
        self.graphics.setToolTip(text.strip())

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        picked = self._pick(event.scenePos())
        if picked is None:
            return
        if picked[0] == "file":
            self._focus_file = picked[1]
            self._draw_files()
            self.file_clicked.emit(picked[1])
        else:
            self.clip_clicked.emit(picked[1])
