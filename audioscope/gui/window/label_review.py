"""What the Label errors tab asks of the window: audition a clip, compare it (pinned as A)
with a typical clip of the class the model suggests, tag it."""

from __future__ import annotations

from PySide6.QtCore import QObject


class LabelReview(QObject):
    """Connects a window's ``label_errors`` view to its browser, panes and tags."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self._window = window
        self._pending: tuple[str, str] | None = None     # (clip to pin, clip to show beside it)
        view = window.label_errors
        view.clip_activated.connect(self._audition)
        view.compare_requested.connect(self.compare)
        view.tag_requested.connect(lambda clip, tag: window.browser.tags.tag(clip, tag))
        window.current.inspected.connect(self._on_inspected)

    def compare(self, clip: str, typical: str) -> None:
        """Show ``clip``, pin it as A once it is drawn, then show ``typical`` as B."""
        self._pending = (clip, typical)
        shown = self._window.current.inspection
        row = shown.request.row if shown is not None else None
        if row is not None and row["slice_file_name"] == clip:
            self._on_inspected(shown)               # already drawn: pin it now
        elif not self._window.browser.select_clip(clip):
            self._pending = None
            self._window.statusBar().showMessage(f"{clip} is not in the open dataset", 5000)

    def _audition(self, clip: str) -> None:
        self._window.play_clip(clip)
        self._window.right_tabs.setCurrentWidget(self._window.label_errors)   # stay in the review

    def _on_inspected(self, inspection) -> None:
        row = inspection.request.row
        if self._pending is None or row is None or row["slice_file_name"] != self._pending[0]:
            return
        _, typical = self._pending
        self._pending = None
        self._window.right_tabs.setCurrentWidget(self._window.panes)   # the panes laid out first
        self._window.playback.pin()
        self._window.browser.select_clip(typical)
