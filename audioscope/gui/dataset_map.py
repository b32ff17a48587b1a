"""The dataset map: every available clip as a point of a t-SNE map of the classifier's clip
vectors, coloured by class and filtered like the table; dropped files placed beside their
nearest clips.

The map is computed in the background (``core.dataset_map.compute_map``) when the view is first
shown, not when the dataset is opened. Clips outside the table's filter stay as faint grey
context and cannot be clicked.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QProgressBar, QSizePolicy, QVBoxLayout,
                               QWidget)

from audioscope.core.cache import FeatureCache
from audioscope.core.clip_filter import ClipFilter
from audioscope.core.dataset import CLASS_NAMES, Dataset, readable_class
from audioscope.core.dataset_map import DatasetMap, Placement, compute_map, file_vectors
from audioscope.gui.workers import LatestOnly

# One hue per class, light enough for pyqtgraph's black background, in CLASS_NAMES order.
CLASS_COLOURS: dict[str, str] = dict(zip(CLASS_NAMES, (
    "#4f9dff", "#ffa630", "#ff5a5f", "#3fd6cf", "#79dc4a",
    "#f5e04b", "#c77dff", "#ff8fd6", "#c8a27a", "#e8e8e8")))
CONTEXT_BRUSH = pg.mkBrush(150, 150, 150, 45)      # clips outside the filter
CURRENT_PEN = pg.mkPen("#ffd23f", width=2.5)         # the playhead's yellow, outlined in black
CURRENT_OUTLINE = pg.mkPen("#000000", width=5)
FILE_BRUSH, FILE_PEN = pg.mkBrush("#ffffff"), pg.mkPen("#000000", width=2)
LINK_PEN = pg.mkPen((255, 255, 255, 120), width=1, style=Qt.PenStyle.DashLine)
POINT_SIZE = 6
PICK_RADIUS_PX = 7.0


@dataclass
class DroppedFile:
    """A file placed on the map: its clip vector (once computed) or why it has none."""

    path: str
    vector: np.ndarray | None = None
    error: str | None = None
    placement: Placement | None = None

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
        self._stale = False                       # a dataset waits to be mapped when shown
        self._filter = ClipFilter()
        self._table_rows = np.zeros(0, dtype=int)  # dataset.table position of each map row
        self._shown = np.zeros(0, dtype=int)       # map rows drawn in colour
        self._current: str | None = None
        self._files: dict[str, DroppedFile] = {}
        self._focus_file: str | None = None
        self._jobs = LatestOnly(self)
        self._file_jobs = LatestOnly(self)
        self.status = QLabel(NO_DATASET, wordWrap=True)
        self.progress = QProgressBar(maximumWidth=260, textVisible=True, visible=False)
        self.hover = QLabel(" ")
        self.neighbours = QLabel(textFormat=Qt.TextFormat.RichText, wordWrap=True, visible=False)
        self.neighbours.setFixedWidth(300)
        self.neighbours.setStyleSheet("QLabel { background: black; color: #dddddd; padding: 6px; }")
        self.neighbours.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.graphics = pg.GraphicsLayoutWidget()
        self._build_plot()
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.progress)
        middle = QHBoxLayout()
        middle.addWidget(self.graphics, 1)
        middle.addWidget(self.neighbours)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for part in (top, middle):
            layout.addLayout(part, 1 if part is middle else 0)
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
        self._brushes = {name: pg.mkBrush(colour) for name, colour in CLASS_COLOURS.items()}
        # the legend beside the map, at its top, so it never covers points
        side = self.graphics.addLayout(row=0, col=1)
        self.legend = pg.LegendItem(labelTextColor="#dddddd", frame=False)
        self._legend_samples = [pg.ScatterPlotItem(size=10, pen=None, brush=self._brushes[name])
                                for name in CLASS_NAMES]
        for name, sample in zip(CLASS_NAMES, self._legend_samples):
            self.legend.addItem(sample, readable_class(name))
        for sample, _label in self.legend.items:
            sample.setAcceptedMouseButtons(Qt.MouseButton.NoButton)   # no show/hide toggles
        self.legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        side.addItem(self.legend, row=0, col=0)
        filler = pg.GraphicsWidget()
        filler.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        side.addItem(filler, row=1, col=0)
        side.layout.setRowStretchFactor(1, 1)
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
        self._dataset, self._cache, self._map = dataset, cache, None
        self._stale = dataset is not None
        for f in self._files.values():     # placed on the old map: placed again on the new one
            f.placement = None
        self._draw()
        self.hover.setText(" ")
        self.progress.setVisible(False)
        self.status.setText(NO_DATASET if dataset is None else
                            f"The map of {dataset.n_available} clips is computed when shown")
        if self._stale and self.isVisible():
            self._start()

    def set_filter(self, clip_filter: ClipFilter) -> None:
        """Colour only the clips ``clip_filter`` lets into the table; the rest turn grey."""
        self._filter = clip_filter
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
        if vector is None and self.isVisible():
            self._start_files()
        self._draw_files()

    def clear_files(self) -> None:
        self._files.clear()
        self._focus_file = None
        self._file_jobs.cancel()
        self._draw_files()

    # -- background work ----------------------------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self._start()
        self._start_files()

    def _start(self) -> None:
        self._stale = False
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.status.setText(f"Mapping {self._dataset.n_available} clips…")
        self._jobs.submit(functools.partial(compute_map, jobs=self._n_jobs), self._dataset, self._cache,
                          on_result=self._on_map, on_error=self._on_map_error,
                          on_progress=self._on_progress)

    def _on_progress(self, done: int, total: int) -> None:
        if total == 0:
            self.progress.setRange(0, 0)       # t-SNE reports nothing until it is done
            self.status.setText("Arranging the clips with t-SNE…")
        else:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.status.setText(f"Reading clip vectors: {done} of {total}")

    def _on_map(self, result: DatasetMap) -> None:
        self.progress.setVisible(False)
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
        self.progress.setVisible(False)
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
            keep = self._filter.mask(self._dataset.table)[self._table_rows]
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
        self.neighbours.setText(self._neighbours_html(focus))
        self.neighbours.setVisible(focus is not None)

    def _neighbours_html(self, f: DroppedFile | None) -> str:
        if f is None:
            return ""
        name = html.escape(Path(f.path).name)
        if f.error is not None:
            return f"<b>{name}</b><br>cannot be placed: {html.escape(f.error)}"
        if f.placement is None:
            return f"<b>{name}</b><br>placing on the map…"
        rows = "".join(
            f"<tr><td>{i}.</td><td nowrap><span style='color:{CLASS_COLOURS.get(c, '#ddd')}'>&#9679;</span> "
            f"{html.escape(readable_class(c))}</td><td>{html.escape(n)}</td>"
            f"<td align='right'>{d:.1f}</td></tr>"
            for i, (n, c, d) in enumerate(f.placement.neighbours, 1))
        return (f"<b>{name}</b> (★) is placed among its {len(f.placement.neighbours)} nearest clips:"
                f"<table cellspacing='3'><tr><th></th><th align='left'>class</th>"
                f"<th align='left'>clip</th><th>distance</th></tr>{rows}</table>")

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
            if len(xy):
                d = np.hypot((xy[:, 0] - at.x()) / pixel_w, (xy[:, 1] - at.y()) / pixel_h)
                best = int(d.argmin())
                if d[best] <= PICK_RADIUS_PX:
                    return kind, str(keys[best])
        return None

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        picked = self._pick(scene_pos)
        if picked is None:
            text = " "
        elif picked[0] == "file":
            placement = self._files[picked[1]].placement
            text = (f"{Path(picked[1]).name} — dropped file, nearest clip: "
                    f"{readable_class(placement.neighbours[0][1])}")
        else:
            row = self._map.index_of(picked[1])
            text = (f"{picked[1]} — {readable_class(str(self._map.classes[row]))}, "
                    f"fold {int(self._map.folds[row])}")
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
