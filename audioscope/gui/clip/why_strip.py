"""The "why" strip under the spectrogram: how much each time segment drives the prediction.

Bars show, per segment, the drop in the predicted class's probability, in percentage points, when
that segment is replaced by the clip's background (core.model.occlusion): up (green) where the
segment supports the prediction, down (red) where it argues against it.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFontMetricsF

from audioscope.core.dataset.metadata import readable_class
from audioscope.core.model.occlusion import Occlusion
from audioscope.gui.clip.axis_titles import fitting_title

SUPPORT_COLOUR = "#3fb950"
AGAINST_COLOUR = "#f85149"
MIN_HALF_RANGE = 10.0         # y axis at least ±10 percentage points
POINTS = 100.0                # probability → percentage points


class WhyStrip:
    """A thin plot (its ``plot`` goes into ClipViews' layout, x-linked to the others)."""

    TITLES = ["Why (% points)", "Why (pts)", "% pts"]     # the axis title, longest first

    def __init__(self) -> None:
        self.plot = pg.PlotItem()
        self.plot.setMouseEnabled(x=True, y=False)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.hideAxis("bottom")
        self.plot.getAxis("left").setToolTip("Change of the predicted class's probability when the "
                                             "segment is hidden, in percentage points")
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.addLine(y=0, pen=pg.mkPen((160, 160, 160, 120)))
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.1)
        self.plot.addItem(self.bars)
        self.note = pg.TextItem(anchor=(1, 0), color=(200, 200, 200))      # top right
        self.plot.addItem(self.note, ignoreBounds=True)
        self.plot.getViewBox().sigRangeChanged.connect(lambda *_: self._place_note())
        self.plot.getViewBox().sigResized.connect(lambda *_: self._place_note())
        self.occlusion: Occlusion | None = None
        self._captions: list[str] = []
        self.clear()

    def clear(self, message: str = "") -> None:
        """No bars; ``message`` (e.g. 'working out which parts matter…') in their place."""
        self.occlusion = None
        self.bars.setOpts(x=[], height=[], width=0.1)
        self._note(message)

    def set_occlusion(self, occlusion: Occlusion | None, message: str = "") -> None:
        """Draw ``occlusion`` (None: ``message`` instead, e.g. why there is none)."""
        if occlusion is None:
            self.clear(message)
            return
        self.occlusion = occlusion
        centres = (occlusion.starts + occlusion.ends) / 2
        widths = (occlusion.ends - occlusion.starts) * 0.9
        colours = [pg.mkBrush(SUPPORT_COLOUR if d >= 0 else AGAINST_COLOUR) for d in occlusion.drops]
        points = occlusion.drops * POINTS
        self.bars.setOpts(x=centres, height=points, width=widths, brushes=colours,
                          pens=[pg.mkPen(None)] * len(colours))
        half = max(MIN_HALF_RANGE, float(np.abs(points).max()) * 1.1)
        self.plot.setYRange(-half, half, padding=0)
        name = readable_class(occlusion.predicted)
        self._note(f"parts that make it {name}", f"makes it {name}", name)

    def describe(self, seconds: float) -> str:
        """Read-out for the segment under ``seconds``, or ""."""
        occ = self.occlusion
        if occ is None:
            return ""
        i = int(np.searchsorted(occ.ends, seconds, side="right"))
        if not 0 <= i < len(occ.drops) or seconds < occ.starts[0]:
            return ""
        return (f"{occ.starts[i]:.2f}–{occ.ends[i]:.2f} s: hiding it changes "
                f"{readable_class(occ.predicted)} by {-occ.drops[i] * POINTS:+.0f} percentage points")

    def caption(self) -> str:
        return self.note.toPlainText()

    def _note(self, *captions: str) -> None:
        """Show the first of ``captions`` (longest first) that fits the strip's width."""
        self._captions = list(captions)
        self._place_note()

    def _place_note(self) -> None:
        box = self.plot.getViewBox()
        x_range, y_range = box.viewRange()
        text = fitting_title(self._captions, box.width() - 12, QFontMetricsF(self.note.textItem.font()))
        if text != self.note.toPlainText():
            self.note.setText(text)
        self.note.setPos(x_range[1], y_range[1])
