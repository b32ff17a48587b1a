"""The class gallery's rows: one class's mean spectrogram thumbnail with Hz labels, and its
typical and outlier clips as chips (play, name, fold, distance, background badge)."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from audioscope.core.batch.class_gallery import GalleryClip, GalleryRow
from audioscope.core.dataset.metadata import readable_class
from audioscope.core.inspection.view_images import hz_ticks, mel_axis
from audioscope.core.signal.features import FeatureParams
from audioscope.gui.clip.clip_views import DEFAULT_COLORMAP

THUMB_SIZE = QSize(120, 78)          # the spectrogram image itself (a row fits ~750 px)
AXIS_GUTTER = 28                     # Hz labels left of it
THUMB_TICKS_HZ = (0, 1000, 4000)     # plus the top frequency
TYPICAL_COLOUR, OUTLIER_COLOUR, BACKGROUND_COLOUR = "#3fb950", "#e3873a", "#8b949e"
MUTED_COLOUR = "#808890"
DISTANCE_TIP = "distance = RMS difference from the class mean, in standard deviations per feature"


def spectrogram_image(mel_db: np.ndarray, levels: tuple[float, float], colormap: str = DEFAULT_COLORMAP) -> QImage:
    """An RGB image of a (bands, frames) dB array, lowest band at the bottom."""
    lut = pg.colormap.get(colormap).getLookupTable(nPts=256, alpha=False).astype(np.uint8)
    low, high = levels
    scaled = np.clip((np.nan_to_num(mel_db, nan=low) - low) / (high - low), 0, 1) * 255
    rgb = np.ascontiguousarray(lut[scaled.astype(np.uint8)[::-1]])
    height, width = rgb.shape[:2]
    return QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


class MelThumbnail(QWidget):
    """A small mean spectrogram with Hz labels at the left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(THUMB_SIZE.width() + AXIS_GUTTER, THUMB_SIZE.height())
        self._image: QImage | None = None
        self._ticks: list[tuple[float, str]] = []     # (fraction of height from bottom, label)
        self._message = ""

    def set_spectrogram(self, image: QImage | None, params: FeatureParams, message: str = "") -> None:
        self._image, self._message = image, message
        axis = mel_axis(params, params.n_mels, edge=0.0, scale=1 / params.n_mels)
        self._ticks = hz_ticks(params, axis, (*THUMB_TICKS_HZ, params.f_max),
                               label=lambda f: f"{f / 1000:.0f}k" if f >= 1000 else f"{f:.0f}")
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


class ClipChip(QPushButton):
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


class ClassRow(QFrame):
    """One class: name and clip count, the mean spectrogram, typical and outlier chips."""

    def __init__(self, class_name: str, label_width: int, chips_width: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.class_name = class_name
        self.chips: dict[str, list[ClipChip]] = {"typical": [], "outliers": []}
        self.name = QLabel(textFormat=Qt.TextFormat.RichText, wordWrap=True)   # "children / playing"
        self.name.setFixedWidth(label_width)
        self.name.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.thumbnail = MelThumbnail()
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
                chip = ClipChip(clip, "typical" if kind == "typical" else "outlier", row.median_distance, widths)
                column.addWidget(chip)
                chip.show()     # shown now, not when the event loop next runs
                self.chips[kind].append(chip)
