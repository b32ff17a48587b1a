"""Class gallery: one row per class — mean mel spectrogram, typical clips and outliers.

The gallery is computed (core.batch.class_gallery) in the pool when the view is shown
(``ComputeWhenShown``). Clicking a clip emits ``clip_activated(name)``.
"""

from __future__ import annotations

import functools

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from audioscope.core.batch.class_gallery import Gallery, compute_gallery
from audioscope.core.dataset.metadata import CLASS_NAMES, Dataset, readable_class
from audioscope.core.signal.features import FeatureParams
from audioscope.core.store.cache import FeatureCache
from audioscope.gui.clip.clip_views import DEFAULT_COLORMAP, DEFAULT_DB_RANGE
from audioscope.gui.tabs.compute_when_shown import ComputeWhenShown
from audioscope.gui.tabs.gallery_rows import (
    AXIS_GUTTER,
    DISTANCE_TIP,
    OUTLIER_COLOUR,
    THUMB_SIZE,
    TYPICAL_COLOUR,
    ClassRow,
    ClipChip,
    chip_width,
    spectrogram_image,
)
from audioscope.gui.tabs.stage_progress import StageProgress
from audioscope.gui.workers import LatestOnly

TYPICAL_TIP = "Typical: the clips nearest the class mean, in the classifier's standardised feature space."
OUTLIER_TIP = ("Outliers: the clips farthest from the class mean — often mislabelled clips or "
               "background-salience clips where the labelled sound is faint.")
NO_DATASET = ("No dataset open: open an UrbanSound8K folder (File → Open dataset folder…) to see "
              "each class's mean spectrogram, its typical clips and its outliers.")


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
        self._colormap = DEFAULT_COLORMAP
        self._jobs = LatestOnly(self)
        self._when_shown = ComputeWhenShown(self, self._start)
        self.caption = QLabel(
            "Per class: the mean mel spectrogram of its clips on disk, the <b>typical</b> clips "
            "(nearest the class mean) and the <b>outliers</b> (farthest — often mislabelled or "
            "background clips). Click a clip to play it.", wordWrap=True)
        self.caption.setToolTip(f"{TYPICAL_TIP}\n{OUTLIER_TIP}\n{DISTANCE_TIP}.")
        self.progress = StageProgress(bar_width=320)
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
        self.rows: list[ClassRow] = []
        for i, name in enumerate(CLASS_NAMES):
            row = ClassRow(name, label_width, chips_width)
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
        self._dataset, self._cache, self._gallery = dataset, cache, None
        self._when_shown.drop()
        self._jobs.cancel()
        self.progress.finish()
        self.status.setText(NO_DATASET)
        self.status.setVisible(dataset is None)
        for row in self.rows:
            row.set_row(None, None, FeatureParams(), self._widths)
        if dataset is not None:
            self._when_shown.request()

    def set_colormap(self, name: str) -> None:
        """Draw the spectrograms with pyqtgraph colour map ``name``."""
        self._colormap = name
        if self._gallery is not None:
            self._show(self._gallery)

    def chips(self, class_name: str, kind: str) -> list[ClipChip]:
        """The chips of a class's ``"typical"`` or ``"outliers"`` column."""
        return self.rows[CLASS_NAMES.index(class_name)].chips[kind]

    # -- internals ----------------------------------------------------------------------
    def _start(self) -> None:
        self.progress.start("Loading the class gallery")
        self._jobs.submit(functools.partial(compute_gallery, jobs=self._jobs_count), self._dataset, self._cache,
                          on_result=self._show, on_error=self._failed, on_progress=self._on_progress)

    def _on_progress(self, done: int, total: int) -> None:
        half = total // 2                  # compute_gallery counts each clip once in each phase
        if done <= half:
            self.progress.stage("Averaging each class's mel spectrograms", done, half)
        else:
            self.progress.stage("Measuring each clip's distance from its class mean", done - half, half)

    def _failed(self, error: Exception) -> None:
        self.progress.finish()
        self.status.setText(f"The class gallery could not be computed: {error}")
        self.status.show()

    def _show(self, gallery: Gallery) -> None:
        self._gallery = gallery
        self.progress.finish()
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
