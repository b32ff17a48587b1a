"""Waveform, mel spectrogram, "why" strip and MFCC plots of one clip on one linked time axis.

The waveform is the Features min/max envelope (~2000 bins): two outline curves, filled with
one vertical segment per bin. Both
heatmaps are ImageItems in row-major order (row 0 at the bottom, time left to right) with a
256-entry lookup table and fixed levels. The mel image shows absolute dB over the range
[top − range, top] (top = the clip's maximum unless ``set_levels`` fixes a shared scale); its
y axis is mel band index with ticks placed at round frequencies in Hz. MFCCs are shown
standardised per coefficient (each row minus its mean, divided by its standard deviation), so
coefficient 0, which is an order of magnitude larger, does not wash out the others; the read-out
shows the raw values. The mel and MFCC plots follow the waveform plot's ViewBox (the master).
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from audioscope.core.analysis import Analysis
from audioscope.core.features import FeatureParams, Features, mel_band_centres
from audioscope.gui.why_strip import WhyStrip

COLORMAPS = ("magma", "viridis", "inferno", "plasma", "cividis", "turbo", "CET-L16")
DEFAULT_COLORMAP = "magma"
DEFAULT_DB_RANGE = 80.0
MFCC_COLORMAP = "CET-D1A"
MAX_IMAGE_COLUMNS = 4096           # longer spectrograms are decimated for drawing only
MFCC_Z_LIMIT = 2.5                 # MFCC colour scale: ± this many standard deviations
HZ_TICKS = (0, 250, 500, 1000, 2000, 4000, 8000, 16000)
AXIS_WIDTH = 64
PLAYHEAD_PEN = pg.mkPen("#ffd23f", width=2)
CROSSHAIR_PEN = pg.mkPen((255, 255, 255, 110), width=1, style=Qt.PenStyle.DashLine)


@functools.lru_cache(maxsize=4)
def _mel_centres(params: FeatureParams) -> np.ndarray:
    return mel_band_centres(params)


def _hz_label(hz: float) -> str:
    return f"{hz / 1000:g}k" if hz >= 1000 else f"{hz:g}"


def standardise_rows(values: np.ndarray) -> np.ndarray:
    """Each row minus its mean, divided by its standard deviation (constant rows become 0)."""
    values = np.asarray(values, dtype=np.float32)
    std = values.std(axis=1, keepdims=True)
    return ((values - values.mean(axis=1, keepdims=True)) / np.where(std > 1e-6, std, 1.0)).astype(np.float32)


def decimate_columns(image: np.ndarray, reduce: np.ufunc, mean: bool = False) -> np.ndarray:
    """At most MAX_IMAGE_COLUMNS columns for drawing: groups of frames reduced with ``reduce``
    (np.maximum keeps peaks; np.add with ``mean`` averages). Short clips are returned as is."""
    n = image.shape[1]
    if n <= MAX_IMAGE_COLUMNS:
        return image
    starts = np.linspace(0, n, MAX_IMAGE_COLUMNS + 1).astype(np.int64)[:-1]
    out = reduce.reduceat(image, starts, axis=1)
    if mean:
        out /= np.diff(np.append(starts, n))
    return out.astype(np.float32, copy=False)


def amplitude_range(peak: float) -> float:
    """Half-height of the waveform plot for a clip peaking at ``peak``: 5 % headroom, rounded
    up to the R10 series (1, 1.26, 1.58, 2, … × 10^k). Clips of similar level share one axis,
    so it is not redrawn for each clip, and a clip still fills at least 3/4 of the height."""
    return float(10 ** (np.ceil(np.log10(peak * 1.05) * 10 - 1e-9) / 10))


@dataclass(frozen=True, eq=False)
class ViewImages:
    """The arrays the spectrogram and MFCC images draw (decimated for long clips)."""

    mel: np.ndarray
    mfcc: np.ndarray


def view_images(features: Features) -> ViewImages:
    """Prepare the images of ``features``; pure numpy, so a worker thread can do it."""
    return ViewImages(decimate_columns(features.mel_db, np.maximum),
                      decimate_columns(standardise_rows(features.mfcc), np.add, mean=True))


class ClipViews(QWidget):
    """Three stacked plots of one analysis. Emits ``time_clicked(seconds)`` on a left click."""

    time_clicked = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._analysis: Analysis | None = None
        self._duration = 0.0
        self._mel_y_of_hz: tuple[np.ndarray, np.ndarray] | None = None
        self._colormap = DEFAULT_COLORMAP
        self._db_range = DEFAULT_DB_RANGE
        self._fixed_levels: tuple[float, float] | None = None
        self.mel_ticks: list[tuple[float, str]] = []   # (y, label) on the spectrogram axis
        self._mel_ticks_for: tuple[FeatureParams, int] | None = None
        self.header = QLabel(textFormat=Qt.TextFormat.RichText, wordWrap=True)
        self.readout = QLabel(" ")
        self.message = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.graphics = pg.GraphicsLayoutWidget()
        self._pages = QStackedWidget()
        self._pages.addWidget(self.message)
        self._pages.addWidget(self.graphics)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.header.setContentsMargins(6, 4, 6, 0)
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
        for name, plot in self.plots.items():
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
        self.wave_plot.setLabel("left", "Amplitude")
        self.mel_plot.setLabel("left", "Frequency (Hz)")
        self.mfcc_plot.setLabel("left", "MFCC")
        self.mfcc_plot.setLabel("bottom", "Time (s)")
        self.wave_plot.showGrid(x=True, y=True, alpha=0.15)

        self.wave_upper = pg.PlotDataItem(pen=pg.mkPen("#58a6ff", width=1), skipFiniteCheck=True)
        self.wave_lower = pg.PlotDataItem(pen=pg.mkPen("#58a6ff", width=1), skipFiniteCheck=True)
        # The inside of the envelope: one vertical min-to-max segment per bin. Measured 0.3 ms
        # a paint, where a FillBetweenItem polygon took 11 ms.
        self.wave_fill = pg.PlotCurveItem(pen=pg.mkPen("#58a6ff80", width=1), connect="pairs",
                                          skipFiniteCheck=True)
        for item in (self.wave_fill, self.wave_upper, self.wave_lower):
            self.wave_plot.addItem(item)
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

        self.playheads: dict[str, pg.InfiniteLine] = {}
        self.crosshair_x: dict[str, pg.InfiniteLine] = {}
        self.crosshair_y: dict[str, pg.InfiniteLine] = {}
        for name, plot in self.plots.items():
            self.playheads[name] = pg.InfiniteLine(0.0, angle=90, movable=False, pen=PLAYHEAD_PEN)
            self.crosshair_x[name] = pg.InfiniteLine(angle=90, movable=False, pen=CROSSHAIR_PEN)
            self.crosshair_y[name] = pg.InfiniteLine(angle=0, movable=False, pen=CROSSHAIR_PEN)
            for z, line in ((20, self.playheads[name]), (10, self.crosshair_x[name]), (10, self.crosshair_y[name])):
                line.setZValue(z)
                plot.addItem(line, ignoreBounds=True)
        self._show_crosshair(None)

    # -- public API ---------------------------------------------------------------------
    def set_analysis(self, analysis: Analysis, row=None, images: ViewImages | None = None) -> None:
        """Draw ``analysis``; ``row`` is its metadata row (a pandas Series) or None; ``images``
        from ``view_images``, when a worker prepared them."""
        self._analysis = analysis
        clip, features = analysis.clip, analysis.features
        images = images if images is not None else view_images(features)
        params = features.params
        self.header.setText(self._header_html(analysis, row))
        env = features.envelope
        self.wave_upper.setData(env.times, env.maxs)
        self.wave_lower.setData(env.times, env.mins)
        self.wave_fill.setData(np.repeat(env.times, 2), np.column_stack([env.mins, env.maxs]).ravel())
        peak = max(float(np.max(np.abs(env.maxs))), float(np.max(np.abs(env.mins))), 1e-3)
        half_range = amplitude_range(peak)
        if self.wave_plot.getViewBox().viewRange()[1] != [-half_range, half_range]:
            self.wave_plot.setYRange(-half_range, half_range, padding=0)

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
        self._set_mel_ticks(params, n_mels)
        self.mel_plot.setYRange(0, n_mels, padding=0)
        self.mfcc_plot.setYRange(-0.5, n_mfcc - 0.5, padding=0)

        duration = max(features.duration, clip.duration)
        self._duration = duration
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
        self.header.setText("")
        self.readout.setText(" ")
        for curve in (self.wave_upper, self.wave_lower, self.wave_fill):
            curve.setData([], [])
        self.mel_image.clear()
        self.mfcc_image.clear()
        self.why.clear()
        self._pages.setCurrentWidget(self.message)

    @property
    def analysis(self) -> Analysis | None:
        return self._analysis

    def extend_time_axis(self, seconds: float) -> None:
        """Let the time axis reach ``seconds`` (two clips of different lengths share one axis)."""
        for plot in self.plots.values():
            plot.setLimits(xMax=max(float(seconds), self._duration))

    def set_playhead(self, seconds: float) -> None:
        """Move the playhead line on all three plots."""
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
        if self._fixed_levels is not None:
            high = self._fixed_levels[1]
            self._fixed_levels = (high - self._db_range, high)
        self._apply_levels()

    def set_levels(self, low: float | None, high: float | None = None) -> None:
        """Fix the spectrogram colour scale to [low, high] dB (shared when comparing clips);
        ``set_levels(None)`` returns to [clip maximum − range, clip maximum]."""
        if low is None:
            self._fixed_levels = None
        else:
            if high is None or not high > low:
                raise ValueError(f"need low < high, got {low}, {high}")
            self._fixed_levels = (float(low), float(high))
            self._db_range = float(high) - float(low)
        self._apply_levels()

    def levels(self) -> tuple[float, float]:
        """The spectrogram's current colour scale (low, high) in dB."""
        if self._fixed_levels is not None:
            return self._fixed_levels
        top = float(self._analysis.features.mel_db.max()) if self._analysis is not None else 0.0
        return top - self._db_range, top

    # -- internals ----------------------------------------------------------------------
    def _apply_levels(self) -> None:
        self.mel_bar.setLevels(self.levels())

    def _set_mel_ticks(self, params: FeatureParams, n_mels: int) -> None:
        if self._mel_ticks_for == (params, n_mels):
            return          # unchanged: re-setting them would redraw the axis (~3 ms a paint)
        self._mel_ticks_for = (params, n_mels)
        centres = _mel_centres(params)
        hz = np.concatenate([[params.fmin], centres, [params.f_max]])
        y = np.concatenate([[-0.5], np.arange(n_mels) + 0.5, [n_mels + 0.5]])
        self._mel_y_of_hz = (hz, y)
        self.mel_ticks = ticks = [(float(np.clip(np.interp(f, hz, y), 0, n_mels)), _hz_label(f))
                 for f in HZ_TICKS if params.fmin <= f <= params.f_max]
        self.mel_plot.getAxis("left").setTicks([ticks, []])

    def _header_html(self, analysis: Analysis, row) -> str:
        clip = analysis.clip
        parts = [f"<b>{html.escape(clip.path.name)}</b>"]
        if row is not None:
            salience = row.get("salience_name", row.get("salience"))
            parts += [html.escape(str(row.get("class", ""))), f"fold {row.get('fold')}",
                      html.escape(str(salience))]
        parts.append(html.escape(clip.format.describe()))
        warnings = "".join(f"<br><span style='color:#b35900'>⚠ {html.escape(w)}</span>"
                           for w in clip.warnings)
        return " · ".join(parts) + warnings

    def _plot_at(self, scene_pos: QPointF) -> tuple[str, QPointF] | None:
        for name, plot in self.plots.items():
            if plot.getViewBox().sceneBoundingRect().contains(scene_pos):
                return name, plot.getViewBox().mapSceneToView(scene_pos)
        return None

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        hit = self._plot_at(scene_pos) if self._analysis is not None else None
        self._show_crosshair(hit)
        self.readout.setText(self.describe_point(*hit) if hit else " ")

    def leaveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._show_crosshair(None)
        self.readout.setText(" ")
        super().leaveEvent(event)

    def _on_mouse_clicked(self, event) -> None:
        if self._analysis is None or event.button() != Qt.MouseButton.LeftButton:
            return
        hit = self._plot_at(event.scenePos())
        if hit is not None:
            duration = self._analysis.features.duration
            self.time_clicked.emit(float(min(max(hit[1].x(), 0.0), duration)))

    def _show_crosshair(self, hit: tuple[str, QPointF] | None) -> None:
        for name in self.plots:
            self.crosshair_x[name].setVisible(hit is not None)
            self.crosshair_y[name].setVisible(hit is not None and hit[0] == name)
            if hit is not None:
                self.crosshair_x[name].setValue(hit[1].x())
                if hit[0] == name:
                    self.crosshair_y[name].setValue(hit[1].y())

    def describe_point(self, plot: str, point: QPointF) -> str:
        """The read-out for view coordinates ``point`` on ``plot`` ('waveform', 'mel', 'mfcc')."""
        features = self._analysis.features
        t, y = point.x(), point.y()
        text = f"t = {t:.3f} s"
        inside = 0 <= t <= features.duration
        hop_s = features.params.hop_length / features.params.sample_rate
        col = int(np.clip(round(t / hop_s), 0, features.mel_db.shape[1] - 1))
        if plot == "waveform" and inside:
            env = features.envelope
            i = int(np.clip(np.searchsorted(env.times, t, side="right") - 1, 0, env.mins.size - 1))
            text += f"   amplitude {env.mins[i]:+.3f} … {env.maxs[i]:+.3f}"
        elif plot == "mel" and self._mel_y_of_hz is not None and 0 <= y <= features.mel_db.shape[0]:
            hz, ys = self._mel_y_of_hz
            row = min(int(y), features.mel_db.shape[0] - 1)
            text += f"   {np.interp(y, ys, hz):.0f} Hz"
            if inside:
                text += f"   {features.mel_db[row, col]:.1f} dB"
        elif plot == "why":
            text += f"   {self.why.describe(t)}" if self.why.describe(t) else ""
        elif plot == "mfcc" and -0.5 <= y < features.mfcc.shape[0] - 0.5:
            coef = int(round(y))
            text += f"   MFCC {coef}"
            if inside:
                text += f" = {features.mfcc[coef, col]:.2f}"
        return text
