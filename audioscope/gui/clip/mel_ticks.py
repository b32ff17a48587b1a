"""The mel spectrogram's frequency axis: ticks at round frequencies in Hz, thinned to fit.

The y axis of the mel image is mel band index; the ticks are placed where round frequencies
fall on it, and only those at least one text line apart are drawn, highest first. They are
thinned again whenever the plots' widget is resized.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

from audioscope.core.inspection.view_images import hz_ticks, mel_axis
from audioscope.core.signal.features import FeatureParams


class MelTicks(QObject):
    """Frequency ticks of ``plot``'s left axis, kept thinned while ``graphics`` is resized.

    ``owner`` is the widget holding the plots: deleted with it, a pending thinning is dropped."""

    def __init__(self, plot: pg.PlotItem, graphics: QWidget, line_height: float, owner: QWidget) -> None:
        super().__init__(owner)
        self._plot, self._graphics = plot, graphics
        self._gap = line_height * 1.05                 # px between two frequency ticks
        self._for: tuple[FeatureParams, int] | None = None
        self.y_of_hz: tuple[np.ndarray, np.ndarray] | None = None
        self.ticks: list[tuple[float, str]] = []       # (y, label) on the spectrogram axis
        self.shown: list[tuple[float, str]] = []       # those with room to be drawn
        graphics.installEventFilter(self)

    def set_for(self, params: FeatureParams, n_mels: int) -> None:
        """Place the ticks for a mel image of ``n_mels`` bands made with ``params``."""
        if self._for == (params, n_mels):
            return          # unchanged: re-setting them would redraw the axis (~3 ms a paint)
        self._for = (params, n_mels)
        self.y_of_hz = axis = mel_axis(params, n_mels)
        self.ticks = hz_ticks(params, axis, low=0, high=n_mels)
        self.shown = []
        self.thin()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        # the plots' widget resized (also when the header above it changes, with these views
        # the same size): thin once the plots are laid out; not from the ViewBox's sigResized,
        # which also fires while the views are destroyed (at exit), when touching them crashed
        if watched is self._graphics and event.type() == QEvent.Type.Resize:
            QTimer.singleShot(0, self, self.thin)       # dropped if these ticks are deleted first
        return False

    def thin(self) -> None:
        """Draw only the frequency ticks at least one text line apart, highest first."""
        box, axis = self._plot.getViewBox(), self._plot.getAxis("left")
        n_mels = self._for[1] if self._for else 0
        if not self.ticks or not n_mels or box.height() <= 0:
            return
        px_per_band = box.height() / n_mels
        shown: list[tuple[float, str]] = []
        for y, label in sorted(self.ticks, reverse=True):
            if not shown or (shown[-1][0] - y) * px_per_band >= self._gap:
                shown.append((y, label))
        shown.reverse()
        if shown != self.shown:
            self.shown = shown
            axis.setTicks([shown, []])
