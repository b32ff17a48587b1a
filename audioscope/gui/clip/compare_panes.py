"""Pane A (a pinned clip) beside pane B (the current selection), of equal widths, for comparing
two clips on one dB colour scale, one amplitude scale and one time axis."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QWidget

from audioscope.gui.clip.clip_pane import ClipPane

PINNED_TITLE = "A — pinned"
CURRENT_TITLE = "B — current selection"


class ComparePanes(QSplitter):
    """Holds ``pinned`` (hidden until a clip is pinned) and ``current``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.pinned = ClipPane(PINNED_TITLE)
        self.current = ClipPane(CURRENT_TITLE)
        self.current.title.hide()
        self.pinned.hide()
        self.addWidget(self.pinned)
        self.addWidget(self.current)
        self.setStretchFactor(0, 1)
        self.setStretchFactor(1, 1)

    @property
    def comparing(self) -> bool:
        return not self.pinned.isHidden()

    def pin(self) -> bool:
        """Show the current clip as A (without analysing it again); False if there is none."""
        if self.current.inspection is None:
            return False
        self.pinned.show_inspection(self.current.inspection)
        self.pinned.show()
        self.current.title.show()
        half = max(self.width(), 2) // 2
        self.setSizes([half, half])             # equal, whatever each clip's header asks for
        self.pinned.views.master.setXLink(self.current.views.master)
        return True

    def unpin(self) -> None:
        self.pinned.views.master.setXLink(None)
        self.pinned.hide()
        self.current.title.hide()

    def mark_playing(self, active: ClipPane) -> None:
        """Title the pane the transport plays (only shown while comparing)."""
        for pane, name in ((self.pinned, PINNED_TITLE), (self.current, CURRENT_TITLE)):
            playing = pane is active and self.comparing
            pane.title.set_parts([f"<b>▶ {name}</b>", "<b>plays</b>", "S switches"] if playing else [name])

    def share_scale(self, db_range: float) -> None:
        """Same dB colour scale, amplitude scale and time axis on A and B while comparing; each
        its own otherwise."""
        a, b = self.pinned.inspection, self.current.inspection
        if self.comparing and a is not None and b is not None:
            top = max(float(a.analysis.features.mel_db.max()), float(b.analysis.features.mel_db.max()))
            longest = max(a.analysis.clip.duration, b.analysis.clip.duration)
            peak = max(self.pinned.views.peak(), self.current.views.peak())
            for pane in (self.pinned, self.current):
                pane.views.set_levels(top - db_range, top)
                pane.views.set_amplitude_limit(peak)
                pane.views.extend_time_axis(longest)
            self.current.views.master.setXRange(0, longest, padding=0)
        else:
            for pane in (self.pinned, self.current):
                pane.views.set_levels(None)
                pane.views.set_amplitude_limit(None)
