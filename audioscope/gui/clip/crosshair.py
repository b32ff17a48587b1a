"""The dashed crosshair that follows the pointer over the clip views: a vertical line on every
plot (they share the time axis), a horizontal one on the plot under the pointer."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt

CROSSHAIR_PEN = pg.mkPen((255, 255, 255, 110), width=1, style=Qt.PenStyle.DashLine)


class Crosshair:
    """Lines on each of ``plots`` (name -> PlotItem), hidden until ``show`` gets a hit."""

    def __init__(self, plots: dict[str, pg.PlotItem]) -> None:
        self._plots = plots
        self.x_lines: dict[str, pg.InfiniteLine] = {}
        self.y_lines: dict[str, pg.InfiniteLine] = {}
        for name, plot in plots.items():
            self.x_lines[name] = pg.InfiniteLine(angle=90, movable=False, pen=CROSSHAIR_PEN)
            self.y_lines[name] = pg.InfiniteLine(angle=0, movable=False, pen=CROSSHAIR_PEN)
            for line in (self.x_lines[name], self.y_lines[name]):
                line.setZValue(10)
                plot.addItem(line, ignoreBounds=True)
        self.show(None)

    def show(self, hit: tuple[str, QPointF] | None) -> None:
        """At ``hit`` = (plot name, view coordinates), or hidden for None."""
        for name in self.x_lines:
            self.x_lines[name].setVisible(hit is not None)
            self.y_lines[name].setVisible(hit is not None and hit[0] == name)
            if hit is not None:
                self.x_lines[name].setValue(hit[1].x())
                if hit[0] == name:
                    self.y_lines[name].setValue(hit[1].y())

    def hit_at(self, scene_pos: QPointF) -> tuple[str, QPointF] | None:
        """(plot name, view coordinates) of the plot under scene point ``scene_pos``, or None."""
        for name, plot in self._plots.items():
            box = plot.getViewBox()
            if box.sceneBoundingRect().contains(scene_pos):
                return name, box.mapSceneToView(scene_pos)
        return None
