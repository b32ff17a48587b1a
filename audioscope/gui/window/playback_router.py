"""Which clip pane the transport plays: the current one, or pinned A while comparing; and what
happens to playback when a pane shows a new clip, fails, or is clicked."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from audioscope.core.inspection.clip_inspection import Inspection
from audioscope.core.playback.state import PlaybackState
from audioscope.gui.clip.clip_pane import ClipPane
from audioscope.gui.clip.compare_panes import ComparePanes
from audioscope.gui.window.transport import Transport


class PlaybackRouter(QObject):
    """Routes the ``transport`` to one of ``panes``; ``db_range()`` is the shared colour range."""

    def __init__(self, panes: ComparePanes, transport: Transport, db_range: Callable[[], float],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.panes, self.transport, self._db_range = panes, transport, db_range
        self.active: ClipPane = panes.current
        self.play_when_loaded: str | None = None      # a clip asked to play by name
        self._auditioning = False     # playing when the active pane was asked for its new clip
        for pane in (panes.pinned, panes.current):
            pane.requested.connect(lambda p=pane: self._on_requested(p))
            pane.inspected.connect(lambda inspection, p=pane: self._on_inspected(p, inspection))
            pane.failed.connect(lambda _message, p=pane: self._on_failed(p))
            pane.views.time_clicked.connect(lambda t, p=pane: self.play_from(p, t))
        transport.position_changed.connect(lambda t: self.active.views.set_playhead(t))

    def pin(self) -> bool:
        """Show the current clip as A beside the next selections (B); False if there is none."""
        if not self.panes.pin():
            return False
        self.share_scale()
        self.set_active(self.panes.current)
        return True

    def unpin(self) -> None:
        self.panes.unpin()
        self.set_active(self.panes.current)
        self.share_scale()

    def switch(self) -> None:
        """Play the other pane while comparing."""
        if self.panes.comparing:
            self.set_active(self.panes.pinned if self.active is self.panes.current else self.panes.current)

    def play_from(self, pane: ClipPane, seconds: float) -> None:
        if pane is not self.active:
            self.set_active(pane)
        self.transport.play_from(seconds)

    def set_active(self, pane: ClipPane) -> None:
        if pane is self.active and self.transport.isEnabled():
            self.panes.mark_playing(self.active)
            return
        self.active.views.set_playhead(0.0)
        self.active, self._auditioning = pane, False
        inspection = pane.inspection
        self.transport.set_clip(inspection.analysis.clip if inspection is not None else None)
        self.panes.mark_playing(self.active)

    def share_scale(self) -> None:
        self.panes.share_scale(self._db_range())

    def current_missing(self) -> None:
        """The current pane shows a row whose file is missing: nothing to play there."""
        if self.active is self.panes.current:
            self.transport.set_clip(None)

    def _on_requested(self, pane: ClipPane) -> None:
        """Remember whether the user is auditioning (Down while playing): a clip that plays to its
        end while the next one is analysed does not stop the auditioning."""
        if pane is self.active:
            self._auditioning = self._still_auditioning()

    def _still_auditioning(self) -> bool:
        engine = self.transport.engine
        return engine.state == PlaybackState.PLAYING or (self._auditioning and engine.ended)

    def _on_inspected(self, pane: ClipPane, inspection: Inspection) -> None:
        self.share_scale()
        if pane is self.active:  # opening the stream takes tens of ms: after the paint
            QTimer.singleShot(0, self, lambda: self._load(pane, inspection))

    def _load(self, pane: ClipPane, inspection: Inspection) -> None:
        if pane is not self.active or pane.inspection is None or pane.inspection.analysis is not inspection.analysis:
            return  # stale: another clip or pane took over meanwhile
        auditioning = self._still_auditioning()     # keep playing as Down moves on
        self._auditioning = False
        row = inspection.request.row
        asked = row is not None and row["slice_file_name"] == self.play_when_loaded
        self.play_when_loaded = None
        self.transport.set_clip(inspection.analysis.clip)
        if auditioning or asked:
            self.transport.play_from(0.0)

    def _on_failed(self, pane: ClipPane) -> None:
        if pane is self.active:
            self.transport.set_clip(None)
