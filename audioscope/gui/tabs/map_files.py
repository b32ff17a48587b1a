"""What the dataset map shows besides its points: the class colours and legend, and the files
dropped on it (each one's clip vector, placement and nearest clips)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSizePolicy

from audioscope.core.batch.dataset_map import DatasetMap, Placement
from audioscope.core.dataset.metadata import CLASS_NAMES, readable_class

# One hue per class, light enough for pyqtgraph's black background, in CLASS_NAMES order.
CLASS_COLOURS: dict[str, str] = dict(zip(CLASS_NAMES, (
    "#4f9dff", "#ffa630", "#ff5a5f", "#3fd6cf", "#79dc4a",
    "#f5e04b", "#c77dff", "#ff8fd6", "#c8a27a", "#e8e8e8")))


@dataclass
class DroppedFile:
    """A file placed on the map: its clip vector (once computed) or why it has none."""

    path: str
    vector: np.ndarray | None = None
    error: str | None = None
    placement: Placement | None = None


def neighbours_html(f: DroppedFile | None) -> str:
    """The panel beside the map: a dropped file's nearest clips, or why it has none yet."""
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


def add_class_legend(graphics: pg.GraphicsLayoutWidget, brushes: dict[str, object]) -> pg.LegendItem:
    """The legend beside the map (column 1), at its top, so it never covers points."""
    side = graphics.addLayout(row=0, col=1)
    legend = pg.LegendItem(labelTextColor="#dddddd", frame=False)
    for name in CLASS_NAMES:   # the legend keeps its samples
        legend.addItem(pg.ScatterPlotItem(size=10, pen=None, brush=brushes[name]), readable_class(name))
    for sample, _label in legend.items:
        sample.setAcceptedMouseButtons(Qt.MouseButton.NoButton)   # no show/hide toggles
    legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    side.addItem(legend, row=0, col=0)
    filler = pg.GraphicsWidget()
    filler.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
    side.addItem(filler, row=1, col=0)
    side.layout.setRowStretchFactor(1, 1)
    return legend


def describe_mark(kind: str, key: str, files: dict[str, DroppedFile], dataset_map: DatasetMap) -> str:
    """The hover line of a ("file", path) or ("clip", slice_file_name) mark."""
    if kind == "file":
        return (f"{Path(key).name} — dropped file, nearest clip: "
                f"{readable_class(files[key].placement.neighbours[0][1])}")
    row = dataset_map.index_of(key)
    return f"{key} — {readable_class(str(dataset_map.classes[row]))}, fold {int(dataset_map.folds[row])}"
