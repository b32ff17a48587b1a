"""Waveform, mel spectrogram, "why" strip and MFCC plots of one clip on one linked time axis.

The waveform is the Features min/max envelope (~2000 bins), drawn by ``EnvelopeCurves``. Both
heatmaps are ImageItems in row-major order (row 0 at the bottom, time left to right) with a
256-entry lookup table and fixed levels. The mel image shows absolute dB over the range
[top − range, top] (top = the clip's maximum unless ``set_levels`` fixes a shared scale); its
y axis is mel band index with ticks placed at round frequencies in Hz. MFCCs are shown
standardised per coefficient (each row minus its mean, divided by its standard deviation), so
coefficient 0, which is an order of magnitude larger, does not wash out the others; the read-out
shows the raw values. The mel and MFCC plots follow the waveform plot's ViewBox (the master).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel, QMenu, QStackedWidget, QVBoxLayout, QWidget

from audioscope.core.inspection.readout import clip_header_parts, point_readout
from audioscope.core.inspection.view_images import ViewImages, amplitude_range, view_images
from audioscope.core.store.cached_analysis import Analysis
from audioscope.gui.clip.axis_cache import cache_axes
from audioscope.gui.clip.axis_titles import AxisTitles
from audioscope.gui.clip.clip_header import ClipHeader
from audioscope.gui.clip.crosshair import Crosshair
from audioscope.gui.clip.envelope_curves import EnvelopeCurves
from audioscope.gui.clip.mel_ticks import MelTicks
from audioscope.gui.clip.why_strip import WhyStrip

COLORMAPS = ("magma", "viridis", "inferno", "plasma", "cividis", "turbo", "CET-L16")
DEFAULT_COLORMAP = "magma"
DEFAULT_DB_RANGE = 80.0
MFCC_COLORMAP = "CET-D1A"
MFCC_Z_LIMIT = 2.5                 # MFCC colour scale: ± this many standard deviations
AXIS_WIDTH = 64
MIN_PLOT_HEIGHT = 90               # px of each plot's data area: a 1024×700 window keeps them legible
TITLES = {"waveform": ["Amplitude", "Amp."], "mel": ["Frequency (Hz)", "Hz"],
          "mfcc": ["MFCC", "MF"]}  # WhyStrip.TITLES for the why strip; longest first
PLAYHEAD_PEN = pg.mkPen("#ffd23f", width=2)


class ClipViews(QWidget):
    """Four stacked plots of one analysis (waveform, mel, why strip, MFCC) on one time axis.
    Emits ``time_clicked(seconds)`` on a left click; a double-click, or Reset zoom in the
    right-click menu, shows the whole clip again."""

    time_clicked = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._analysis: Analysis | None = None
        self._duration = self._time_axis_end = 0.0
        self._colormap = DEFAULT_COLORMAP
        self._db_range = DEFAULT_DB_RANGE
        self._fixed_top: float | None = None     # set_levels: a shared scale [top - range, top]
        self._amplitude_limit: float | None = None    # set_amplitude_limit: a shared scale
        self.header = ClipHeader()
        self.readout = QLabel(" ")
        self.message = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.graphics = pg.GraphicsLayoutWidget()
        self._pages = QStackedWidget()
        self._pages.addWidget(self.message)
        self._pages.addWidget(self.graphics)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.header.setContentsMargins(6, 2, 6, 0)
        self.readout.setContentsMargins(6, 0, 6, 4)
        layout.addWidget(self.header)
        layout.addWidget(self._pages, 1)
        layout.addWidget(self.readout)
        self._build_plots()
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.graphics.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self.clear("No clip selected")

    # -- construction -------------------------------------------------------------------
    def _build_plots(self) -> None:
        g = self.graphics
        self.why = WhyStrip()
        self.wave_plot = g.addPlot(row=0, col=0)
        self.mel_plot = g.addPlot(row=1, col=0)
        g.addItem(self.why.plot, row=2, col=0)
        self.mfcc_plot = g.addPlot(row=3, col=0)
        self.plots = {"waveform": self.wave_plot, "mel": self.mel_plot, "why": self.why.plot,
                      "mfcc": self.mfcc_plot}
        for row, stretch in enumerate((2, 4, 1, 3)):
            g.ci.layout.setRowStretchFactor(row, stretch)
        g.ci.layout.setVerticalSpacing(2)
        g.ci.setContentsMargins(4, 4, 4, 4)      # pyqtgraph's 9 px each side: 10 px of plot
        self.titles = AxisTitles()
        for name, plot in self.plots.items():
            plot.getViewBox().setMinimumHeight(MIN_PLOT_HEIGHT)
            plot.setMouseEnabled(x=True, y=False)
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.getAxis("left").setWidth(AXIS_WIDTH)
            for axis in ("left", "bottom"):
                plot.getAxis(axis).enableAutoSIPrefix(False)   # no "(x0.001)" scale factors
        self.master = self.wave_plot.getViewBox()
        self.mel_plot.setXLink(self.master)
        self.why.plot.setXLink(self.master)
        self.mfcc_plot.setXLink(self.master)
        self.wave_plot.hideAxis("bottom")
        self.mel_plot.hideAxis("bottom")
        for name, plot in self.plots.items():
            self.titles.add(plot, TITLES.get(name) or self.why.TITLES)
        self.mfcc_plot.setLabel("bottom", "Time (s)")
        self.mel_ticks = MelTicks(self.mel_plot, self.graphics, self.fontMetrics().height(), self)
        self.wave_plot.showGrid(x=True, y=True, alpha=0.15)

        self.envelope = EnvelopeCurves(self.wave_plot)
        self.wave_upper, self.wave_lower = self.envelope.upper, self.envelope.lower
        self.mel_image = pg.ImageItem(axisOrder="row-major", autoDownsample=True)
        self.mfcc_image = pg.ImageItem(axisOrder="row-major", autoDownsample=True)
        self.mel_plot.addItem(self.mel_image)
        self.mfcc_plot.addItem(self.mfcc_image)
        self.mel_bar = pg.ColorBarItem(values=(-DEFAULT_DB_RANGE, 0), colorMap=DEFAULT_COLORMAP,
                                       label="dB", interactive=False, width=14, colorMapMenu=False)
        self.mel_bar.setImageItem(self.mel_image)
        self.mfcc_bar = pg.ColorBarItem(values=(-MFCC_Z_LIMIT, MFCC_Z_LIMIT), colorMap=MFCC_COLORMAP,
                                        label="σ per coefficient", interactive=False, width=14,
                                        colorMapMenu=False)
        self.mfcc_bar.setImageItem(self.mfcc_image)
        g.addItem(self.mel_bar, row=1, col=1)
        g.addItem(self.mfcc_bar, row=3, col=1)
        cache_axes(g)                           # repainting the plots blits the axes (axis_cache)
        # the Qt layout must leave the plots their minimum heights (plus the time axis)
        g.setMinimumHeight(int(g.ci.effectiveSizeHint(Qt.SizeHint.MinimumSize).height()) + 4)

        self.playheads: dict[str, pg.InfiniteLine] = {}
        for name, plot in self.plots.items():
            self.playheads[name] = pg.InfiniteLine(0.0, angle=90, movable=False, pen=PLAYHEAD_PEN)
            self.playheads[name].setZValue(20)
            plot.addItem(self.playheads[name], ignoreBounds=True)
        self.crosshair = Crosshair(self.plots)
        self.context_menu = QMenu(self)         # right-click on a plot
        reset = self.context_menu.addAction("Reset zoom", QKeySequence("0"), self.reset_zoom)
        reset.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)   # the window's 0 does it

    # -- public API ---------------------------------------------------------------------
    def set_analysis(self, analysis: Analysis, row=None, images: ViewImages | None = None) -> None:
        """Draw ``analysis``; ``row`` is its metadata row (a pandas Series) or None; ``images``
        from ``view_images``, when a worker prepared them."""
        self._analysis = analysis
        clip, features = analysis.clip, analysis.features
        images = images if images is not None else view_images(features)
        params = features.params
        self.header.set_parts(*clip_header_parts(analysis, row))
        self.envelope.set(features.envelope)
        self._apply_amplitude_range()

        hop_s = params.hop_length / params.sample_rate
        n_frames = features.mel_db.shape[1]
        x0, width = -hop_s / 2, n_frames * hop_s
        n_mels, n_mfcc = features.mel_db.shape[0], features.mfcc.shape[0]
        self.mel_image.setImage(images.mel, autoLevels=False,
                                rect=QRectF(x0, 0, width, n_mels))
        self._apply_levels()
        self.mfcc_image.setImage(images.mfcc, autoLevels=False,
                                 levels=(-MFCC_Z_LIMIT, MFCC_Z_LIMIT),
                                 rect=QRectF(x0, -0.5, width, n_mfcc))
        self.mel_ticks.set_for(params, n_mels)
        self.mel_plot.setYRange(0, n_mels, padding=0)
        self.mfcc_plot.setYRange(-0.5, n_mfcc - 0.5, padding=0)

        duration = max(features.duration, clip.duration)
        self._duration = self._time_axis_end = duration
        for plot in self.plots.values():
            plot.setLimits(xMin=x0, xMax=max(duration, x0 + width), minXRange=min(0.01, duration))
        self.master.setXRange(0, duration, padding=0)
        self.set_playhead(0.0)
        self.why.clear()
        self._pages.setCurrentWidget(self.graphics)

    def clear(self, message: str = "") -> None:
        """Show an empty state with ``message`` (e.g. 'File missing: …')."""
        self._analysis = None
        self.message.setText(message)
        self.header.clear()
        self.readout.setText(" ")
        self.envelope.clear()
        self.mel_image.clear()
        self.mfcc_image.clear()
        self.why.clear()
        self._pages.setCurrentWidget(self.message)

    @property
    def analysis(self) -> Analysis | None:
        return self._analysis

    def extend_time_axis(self, seconds: float) -> None:
        """Let the time axis reach ``seconds`` (two clips of different lengths share one axis)."""
        self._time_axis_end = max(float(seconds), self._duration)
        for plot in self.plots.values():
            plot.setLimits(xMax=self._time_axis_end)

    def peak(self) -> float:
        """The clip's largest absolute sample value (0 without a clip)."""
        return self.envelope.peak

    def set_amplitude_limit(self, peak: float | None) -> None:
        """Scale the waveform for a peak of ``peak`` (shared when comparing clips); None: its own."""
        self._amplitude_limit = peak
        self._apply_amplitude_range()

    def reset_zoom(self) -> None:
        """Show the whole clip (or the whole shared time axis when comparing)."""
        if self._analysis is not None:
            self.master.setXRange(0, self._time_axis_end, padding=0)

    def set_playhead(self, seconds: float) -> None:
        """Move the playhead line on all four plots."""
        for line in self.playheads.values():
            line.setValue(float(seconds))

    def set_colormap(self, name: str) -> None:
        """Use pyqtgraph colour map ``name`` (see COLORMAPS) for the spectrogram."""
        if name not in pg.colormap.listMaps():
            raise ValueError(f"unknown colour map {name!r}; try one of {', '.join(COLORMAPS)}")
        self._colormap = name
        self.mel_bar.setColorMap(pg.colormap.get(name))

    @property
    def colormap(self) -> str:
        return self._colormap

    def set_db_range(self, range_db: float) -> None:
        """Show the top ``range_db`` dB of the spectrogram (default 80)."""
        if not range_db > 0:
            raise ValueError(f"dB range must be positive, got {range_db}")
        self._db_range = float(range_db)
        self._apply_levels()

    def set_levels(self, low: float | None, high: float | None = None) -> None:
        """Fix the spectrogram colour scale to [low, high] dB (shared when comparing clips);
        ``set_levels(None)`` returns to [clip maximum − range, clip maximum]."""
        if low is None:
            self._fixed_top = None
        else:
            if high is None or not high > low:
                raise ValueError(f"need low < high, got {low}, {high}")
            self._fixed_top, self._db_range = float(high), float(high) - float(low)
        self._apply_levels()

    def levels(self) -> tuple[float, float]:
        """The spectrogram's current colour scale (low, high) in dB."""
        top = self._fixed_top
        if top is None:
            top = float(self._analysis.features.mel_db.max()) if self._analysis is not None else 0.0
        return top - self._db_range, top

    # -- internals ----------------------------------------------------------------------
    def _apply_amplitude_range(self) -> None:
        if self._analysis is None:
            return
        half_range = amplitude_range(max(self._amplitude_limit or 0.0, self.peak(), 1e-3))
        if self.wave_plot.getViewBox().viewRange()[1] != [-half_range, half_range]:
            self.wave_plot.setYRange(-half_range, half_range, padding=0)

    def _apply_levels(self) -> None:
        self.mel_bar.setLevels(self.levels())

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        hit = self.crosshair.hit_at(scene_pos) if self._analysis is not None else None
        self.crosshair.show(hit)
        self.readout.setText(self.describe_point(*hit) if hit else " ")

    def leaveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.crosshair.show(None)
        self.readout.setText(" ")
        super().leaveEvent(event)

    def _on_mouse_clicked(self, event) -> None:
        hit = self.crosshair.hit_at(event.scenePos()) if self._analysis is not None else None
        if hit is None:
            return
        if event.button() == Qt.MouseButton.RightButton:
            self.context_menu.popup(event.screenPos().toPoint())
        elif event.double():
            self.reset_zoom()
        elif event.button() == Qt.MouseButton.LeftButton:
            duration = self._analysis.features.duration
            self.time_clicked.emit(float(min(max(hit[1].x(), 0.0), duration)))

    def describe_point(self, plot: str, point: QPointF) -> str:
        """The read-out for view coordinates ``point`` on ``plot`` ('waveform', 'mel', 'why', 'mfcc')."""
        text = point_readout(self._analysis.features, plot, point.x(), point.y(),
                              self.mel_ticks.y_of_hz)
        why = self.why.describe(point.x()) if plot == "why" else ""
        return f"{text}   {why}" if why else text
