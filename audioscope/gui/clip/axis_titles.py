"""Left-axis titles that fit their plot: the longest of a few wordings whose text is no longer than
the axis is high, so short plots in a small window never run their titles into each other.

The fitting runs when a plot is resized (pyqtgraph draws the title rotated, centred on the axis);
setLabel is called only when the wording changes, as it re-lays out the axis.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QFontMetricsF

TITLE_MARGIN = 6          # px kept free at each end of the axis


def fitting_title(titles: list[str], available: float, metrics: QFontMetricsF) -> str:
    """The first of ``titles`` (longest first) whose width fits ``available`` px, else ""."""
    for title in titles:
        if metrics.horizontalAdvance(title) <= available:
            return title
    return ""


class AxisTitles:
    """Keeps the left-axis title of each plot to a wording that fits: ``titles[plot]`` lists the
    wordings, longest first (e.g. "Frequency (Hz)", "Hz")."""

    def __init__(self) -> None:
        self._titles: dict[pg.PlotItem, list[str]] = {}
        self.shown: dict[pg.PlotItem, str] = {}

    def add(self, plot: pg.PlotItem, titles: list[str]) -> None:
        self._titles[plot] = list(titles)
        plot.getViewBox().sigResized.connect(lambda *_: self.fit(plot))
        self.fit(plot)

    def set_titles(self, plot: pg.PlotItem, titles: list[str]) -> None:
        """New wordings for ``plot`` (e.g. the unit changed)."""
        self._titles[plot] = list(titles)
        self.fit(plot)

    def fit(self, plot: pg.PlotItem) -> None:
        axis = plot.getAxis("left")
        metrics = QFontMetricsF(axis.label.font())
        height = plot.getViewBox().height() or axis.height()
        title = fitting_title(self._titles[plot], height - 2 * TITLE_MARGIN, metrics)
        if self.shown.get(plot) == title:
            return
        self.shown[plot] = title
        if title:
            axis.setLabel(title)
            axis.resizeEvent(None)          # pyqtgraph centres the title only on a resize
        else:
            axis.showLabel(False)
