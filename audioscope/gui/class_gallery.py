"""Class gallery: one row per class — mean mel spectrogram, typical clips and outliers.

The gallery is computed (core.class_gallery) in the pool the first time the view is shown,
or when a dataset arrives while it is visible. Clicking a clip emits ``clip_activated(name)``.
"""

from __future__ import annotations

import functools
import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPalette
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton,
                               QScrollArea, QVBoxLayout, QWidget)

from audioscope.core.cache import FeatureCache
from audioscope.core.class_gallery import Gallery, GalleryClip, GalleryRow, compute_gallery
from audioscope.core.dataset import CLASS_NAMES, Dataset, readable_class
from audioscope.core.features import FeatureParams, mel_band_centres
from audioscope.gui.clip_views import DEFAULT_COLORMAP, DEFAULT_DB_RANGE
from audioscope.gui.workers import LatestOnly

THUMB_SIZE = QSize(120, 78)          # the spectrogram image itself (a row fits ~750 px)
AXIS_GUTTER = 28                     # Hz labels left of it
THUMB_TICKS_HZ = (0, 1000, 4000)     # plus the top frequency
TYPICAL_COLOUR, OUTLIER_COLOUR, BACKGROUND_COLOUR = "#3fb950", "#e3873a", "#8b949e"
MUTED_COLOUR = "#808890"
TYPICAL_TIP = "Typical: the clips nearest the class mean, in the classifier's standardised feature space."
OUTLIER_TIP = ("Outliers: the clips farthest from the class mean — often mislabelled clips or "
               "background-salience clips where the labelled sound is faint.")
DISTANCE_TIP = "distance = RMS difference from the class mean, in standard deviations per feature"
NO_DATASET = ("No dataset open: open an UrbanSound8K folder (File → Open dataset folder…) to see "
              "each class's mean spectrogram, its typical clips and its outliers.")


def spectrogram_image(mel_db: np.ndarray, levels: tuple[float, float], colormap: str = DEFAULT_COLORMAP) -> QImage:
    """An RGB image of a (bands, frames) dB array, lowest band at the bottom."""
    lut = pg.colormap.get(colormap).getLookupTable(nPts=256, alpha=False).astype(np.uint8)
    low, high = levels
    scaled = np.clip((np.nan_to_num(mel_db, nan=low) - low) / (high - low), 0, 1) * 255
    rgb = np.ascontiguousarray(lut[scaled.astype(np.uint8)[::-1]])
    height, width = rgb.shape[:2]
    return QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


class _MelThumbnail(QWidget):
    """A small mean spectrogram with Hz labels at the left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(THUMB_SIZE.width() + AXIS_GUTTER, THUMB_SIZE.height())
        self._image: QImage | None = None
        self._ticks: list[tuple[float, str]] = []     # (fraction of height from bottom, label)
        self._message = ""

    def set_spectrogram(self, image: QImage | None, params: FeatureParams, message: str = "") -> None:
        self._image, self._message = image, message
        centres = mel_band_centres(params)
        hz = np.concatenate([[params.fmin], centres, [params.f_max]])
        y = np.concatenate([[0.0], (np.arange(params.n_mels) + 0.5) / params.n_mels, [1.0]])
        self._ticks = [(float(np.interp(f, hz, y)), f"{f / 1000:.0f}k" if f >= 1000 else f"{f:.0f}")
                       for f in (*THUMB_TICKS_HZ, params.f_max) if params.fmin <= f <= params.f_max]
        self.update()

    def paintEvent(self, event) -> None:  # Qt override
        painter = QPainter(self)
        area = QRectF(AXIS_GUTTER, 0, THUMB_SIZE.width(), THUMB_SIZE.height())
        if self._image is None:
            painter.fillRect(area, QColor(40, 40, 40))
            painter.setPen(QColor(200, 200, 200))
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, self._message)
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(area, self._image)
        painter.setPen(self.palette().color(self.foregroundRole()))
        font = painter.font()
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.8))
        painter.setFont(font)
        metrics = QFontMetrics(font)
        for fraction, label in self._ticks:
            y = area.bottom() - fraction * area.height()
            painter.drawLine(int(area.left()) - 3, int(y), int(area.left()) - 1, int(y))
            text_y = min(max(y + metrics.ascent() / 2 - 1, metrics.ascent()), area.bottom())
            painter.drawText(int(area.left()) - 5 - metrics.horizontalAdvance(label), int(text_y), label)


CHIP_SPACING = 4


def chip_width(widths: dict[str, int]) -> int:
    """A chip's width: its five columns, the gaps between them and its border and margins."""
    return sum(widths.values()) + CHIP_SPACING * (len(widths) - 1) + 13


class _ClipChip(QPushButton):
    """A one-click button for a clip: ▶ name, fold, distance and a BG badge for background clips."""

    def __init__(self, clip: GalleryClip, kind: str, median: float, widths: dict[str, int],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.clip, self.kind = clip, kind
        accent = TYPICAL_COLOUR if kind == "typical" else OUTLIER_COLOUR
        self.setObjectName("chip")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setStyleSheet(
            f"QPushButton#chip {{ border: 1px solid palette(mid); border-left: 3px solid {accent};"
            f" border-radius: 3px; background: palette(base); }}"
            f"QPushButton#chip:hover {{ background: palette(alternate-base); border-color: {accent}; }}"
            f"QPushButton#chip:pressed {{ background: palette(midlight); }}")
        stem = self.fontMetrics().elidedText(clip.slice_file_name.rsplit(".", 1)[0],
                                             Qt.TextElideMode.ElideMiddle, widths["name"])
        parts = [("▶", widths["play"], None), (stem, widths["name"], None),
                 (f"fold {clip.fold}", widths["fold"], f"color: {MUTED_COLOUR};"),
                 (f"{clip.distance:.2f}σ", widths["distance"], None),
                 ("BG" if clip.is_background else "", widths["badge"],
                  f"color: white; background: {BACKGROUND_COLOUR}; border-radius: 3px;"
                  if clip.is_background else None)]
        layout = QHBoxLayout(self)
        layout.setContentsMargins(5, 1, 5, 1)
        layout.setSpacing(CHIP_SPACING)
        for text, width, style in parts:
            label = QLabel(text)
            label.setFixedWidth(width)
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            if style:
                label.setStyleSheet(style)
            if text in ("BG",) or text.endswith("σ"):
                label.setAlignment(Qt.AlignmentFlag.AlignCenter if text == "BG" else
                                   Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            layout.addWidget(label)
        self.setFixedSize(chip_width(widths), 22)
        salience = "background" if clip.is_background else "foreground"
        where = "nearest to" if kind == "typical" else "farthest from"
        self.setToolTip(f"<b>{html.escape(clip.slice_file_name)}</b> — fold {clip.fold}, {salience}<br>"
                        f"One of the clips {where} the class mean: {clip.distance:.2f} σ "
                        f"(class median {median:.2f} σ)<br><i>{DISTANCE_TIP}</i><br>Click to select and play it.")


class _ClassRow(QFrame):
    """One class: name and clip count, the mean spectrogram, typical and outlier chips."""

    def __init__(self, class_name: str, label_width: int, chips_width: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.class_name = class_name
        self.chips: dict[str, list[_ClipChip]] = {"typical": [], "outliers": []}
        self.name = QLabel(textFormat=Qt.TextFormat.RichText, wordWrap=True)   # "children / playing"
        self.name.setFixedWidth(label_width)
        self.name.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.thumbnail = _MelThumbnail()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 5, 6, 5)
        layout.setSpacing(8)
        layout.addWidget(self.name)
        layout.addWidget(self.thumbnail)
        self._columns = {}
        for kind in ("typical", "outliers"):
            column = QVBoxLayout()
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(3)
            column.setAlignment(Qt.AlignmentFlag.AlignVCenter)
            holder = QWidget()
            holder.setFixedWidth(chips_width)
            holder.setLayout(column)
            layout.addWidget(holder)
            self._columns[kind] = column
        layout.addStretch(1)
        self.set_row(None, None, FeatureParams(), widths={})

    def set_row(self, row: GalleryRow | None, image: QImage | None, params: FeatureParams,
                widths: dict[str, int]) -> None:
        count = "" if row is None else f"{row.n_clips} clip{'s' if row.n_clips != 1 else ''}"
        self.name.setText(f"<b>{html.escape(readable_class(self.class_name))}</b><br>"
                          f"<span style='color: {MUTED_COLOUR}'>{count}</span>")
        message = "computing…" if row is None else "no clips on disk"
        self.thumbnail.set_spectrogram(image, params, message)
        self.thumbnail.setToolTip("")
        if row is not None and row.n_clips:
            full = float(row.coverage[-1]) * 100
            self.thumbnail.setToolTip(f"Mean mel spectrogram of {row.n_clips} clips, 0–4 s; shorter clips "
                                      f"are padded with their own floor (silence). {full:.0f} % of the "
                                      f"clips last the full 4 s.")
        for kind, column in self._columns.items():
            for chip in self.chips[kind]:
                column.removeWidget(chip)
                chip.deleteLater()
            self.chips[kind] = []
            if row is None:
                continue
            for clip in getattr(row, kind):
                chip = _ClipChip(clip, "typical" if kind == "typical" else "outlier", row.median_distance, widths)
                column.addWidget(chip)
                chip.show()     # shown now, not when the event loop next runs
                self.chips[kind].append(chip)


class ClassGalleryView(QWidget):
    """Ten class rows in a scroll area; ``clip_activated(slice_file_name)`` on a chip click,
    ``gallery_ready(Gallery)`` when a gallery is shown."""

    clip_activated = Signal(str)
    gallery_ready = Signal(object)

    def __init__(self, parent: QWidget | None = None, jobs: int = -1) -> None:
        super().__init__(parent)
        self._jobs_count = jobs
        self._dataset: Dataset | None = None
        self._cache: FeatureCache | None = None
        self._gallery: Gallery | None = None
        self._started = False
        self._colormap = DEFAULT_COLORMAP
        self._jobs = LatestOnly(self)
        self.caption = QLabel(
            "Per class: the mean mel spectrogram of its clips on disk, the <b>typical</b> clips "
            "(nearest the class mean) and the <b>outliers</b> (farthest — often mislabelled or "
            "background clips). Click a clip to play it.", wordWrap=True)
        self.caption.setToolTip(f"{TYPICAL_TIP}\n{OUTLIER_TIP}\n{DISTANCE_TIP}.")
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.status = QLabel(NO_DATASET, wordWrap=True)      # also progress and problems
        self.levels_label = QLabel()            # the spectrograms' shared colour scale
        metrics = QFontMetrics(self.font())
        self._widths = {"play": metrics.horizontalAdvance("▶"), "name": metrics.horizontalAdvance("000000-0-0-00"),
                        "fold": metrics.horizontalAdvance("fold 10"), "distance": metrics.horizontalAdvance("0.00σ") + 2,
                        "badge": metrics.horizontalAdvance("BG") + 8}
        chips_width = chip_width(self._widths)
        words = [word for n in CLASS_NAMES for word in readable_class(n).split()]
        bold = QFont(self.font())
        bold.setBold(True)
        label_width = max(max(QFontMetrics(bold).horizontalAdvance(w) for w in words),
                          metrics.horizontalAdvance("200 clips")) + 16
        content = QWidget()
        rows = QVBoxLayout(content)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(0)
        rows.addWidget(self._header(label_width, chips_width))
        self.rows: list[_ClassRow] = []
        for i, name in enumerate(CLASS_NAMES):
            row = _ClassRow(name, label_width, chips_width)
            row.setAutoFillBackground(True)
            row.setBackgroundRole(QPalette.ColorRole.AlternateBase if i % 2 else QPalette.ColorRole.Base)
            rows.addWidget(row)
            self.rows.append(row)
        rows.addStretch(1)
        self.scroll = QScrollArea(widgetResizable=True)
        self.scroll.setWidget(content)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.levels_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.scroll, 1)

    def _header(self, label_width: int, chips_width: int) -> QWidget:
        header = QWidget()
        layout = QHBoxLayout(header)
        layout.setContentsMargins(6, 4, 6, 2)
        layout.setSpacing(8)
        texts = [("Class", label_width, ""), ("Mean mel, 0–4 s", THUMB_SIZE.width() + AXIS_GUTTER, ""),
                 (f"<span style='color:{TYPICAL_COLOUR}'>■</span> Typical", chips_width, TYPICAL_TIP),
                 (f"<span style='color:{OUTLIER_COLOUR}'>■</span> Outliers", chips_width, OUTLIER_TIP)]
        for text, width, tip in texts:
            label = QLabel(f"<b>{text}</b>", textFormat=Qt.TextFormat.RichText)
            label.setFixedWidth(width)
            label.setToolTip(tip)
            layout.addWidget(label)
        layout.addStretch(1)
        return header

    # -- public API ---------------------------------------------------------------------
    @property
    def gallery(self) -> Gallery | None:
        return self._gallery

    @property
    def is_computing(self) -> bool:
        return self._jobs.is_busy

    def set_dataset(self, dataset: Dataset | None, cache: FeatureCache | None = None) -> None:
        """Show ``dataset``'s gallery: computed now if the view is visible, else when shown."""
        self._dataset, self._cache, self._gallery, self._started = dataset, cache, None, False
        self._jobs.cancel()
        self.progress.hide()
        self.status.setText(NO_DATASET)
        self.status.setVisible(dataset is None)
        for row in self.rows:
            row.set_row(None, None, FeatureParams(), self._widths)
        if dataset is not None and self.isVisible():
            self._start()

    def set_colormap(self, name: str) -> None:
        """Draw the spectrograms with pyqtgraph colour map ``name``."""
        self._colormap = name
        if self._gallery is not None:
            self._show(self._gallery)

    def chips(self, class_name: str, kind: str) -> list[_ClipChip]:
        """The chips of a class's ``"typical"`` or ``"outliers"`` column."""
        return self.rows[CLASS_NAMES.index(class_name)].chips[kind]

    # -- internals ----------------------------------------------------------------------
    def showEvent(self, event) -> None:  # Qt override
        super().showEvent(event)
        if self._dataset is not None and not self._started:
            self._start()

    def _start(self) -> None:
        self._started = True
        self.progress.setRange(0, 0)
        self.progress.setFormat("Loading the class gallery…")
        self.progress.show()
        self._jobs.submit(functools.partial(compute_gallery, jobs=self._jobs_count), self._dataset, self._cache,
                          on_result=self._show, on_error=self._failed, on_progress=self._on_progress)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        phase = "Averaging spectrograms" if done < total // 2 else "Measuring each clip's distance from its class"
        self.progress.setFormat(f"{phase}… %p %")

    def _failed(self, error: Exception) -> None:
        self.progress.hide()
        self.status.setText(f"The class gallery could not be computed: {error}")
        self.status.show()

    def _show(self, gallery: Gallery) -> None:
        self._gallery = gallery
        self.progress.hide()
        finite = [r.mean_mel for r in gallery.rows if r.n_clips]
        top = float(max(np.nanmax(m) for m in finite)) if finite else 0.0
        levels = (top - DEFAULT_DB_RANGE, top)
        self.levels_label.setText(f"colour: {levels[0]:.0f} … {levels[1]:.0f} dB")
        self.levels_label.setToolTip("One colour scale for all classes, the app's "
                                     f"{DEFAULT_DB_RANGE:.0f} dB range below the loudest mean.")
        for row_widget, row in zip(self.rows, gallery.rows):
            image = spectrogram_image(row.mean_mel, levels, self._colormap) if row.n_clips else None
            row_widget.set_row(row, image, gallery.params, self._widths)
            for chip in (*row_widget.chips["typical"], *row_widget.chips["outliers"]):
                chip.clicked.connect(lambda _=False, name=chip.clip.slice_file_name: self.clip_activated.emit(name))
        if gallery.skipped:
            self.status.setText(f"{len(gallery.skipped)} file(s) could not be read and are left out.")
            self.status.setToolTip("\n".join(gallery.skipped[:20]))
            self.status.show()
        self.gallery_ready.emit(gallery)
