"""The waveform plot's curves: a clip's min/max envelope drawn as two outlines and a fill."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from audioscope.core.signal.features import Envelope

WAVE_COLOUR = "#58a6ff"


class EnvelopeCurves:
    """The upper and lower outline of an envelope on ``plot``, and its inside between them."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self.upper = pg.PlotDataItem(pen=pg.mkPen(WAVE_COLOUR, width=1), skipFiniteCheck=True)
        self.lower = pg.PlotDataItem(pen=pg.mkPen(WAVE_COLOUR, width=1), skipFiniteCheck=True)
        # The inside: one vertical min-to-max segment per bin. Measured 0.3 ms a paint, where a
        # FillBetweenItem polygon took 11 ms.
        self.fill = pg.PlotCurveItem(pen=pg.mkPen(WAVE_COLOUR + "80", width=1), connect="pairs",
                                     skipFiniteCheck=True)
        for item in (self.fill, self.upper, self.lower):
            plot.addItem(item)
        self._peak = 0.0

    def set(self, envelope: Envelope) -> None:
        """Draw ``envelope`` (its bin times, minima and maxima)."""
        self.upper.setData(envelope.times, envelope.maxs)
        self.lower.setData(envelope.times, envelope.mins)
        self.fill.setData(np.repeat(envelope.times, 2),
                          np.column_stack([envelope.mins, envelope.maxs]).ravel())
        self._peak = max(float(np.max(np.abs(envelope.maxs), initial=0.0)),
                         float(np.max(np.abs(envelope.mins), initial=0.0)))

    def clear(self) -> None:
        for curve in (self.upper, self.lower, self.fill):
            curve.setData([], [])
        self._peak = 0.0

    @property
    def peak(self) -> float:
        """The drawn envelope's largest absolute value (0 when none is drawn)."""
        return self._peak
