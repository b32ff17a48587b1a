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
        window.current.failed.connect(self._forget)
        window.dataset_opened.connect(self._forget)

    def compare(self, clip: str, typical: str) -> None:
        """Show ``clip``, pin it as A once it is drawn, then show ``typical`` as B."""
        table = self._window.dataset.table if self._window.dataset is not None else None
        available = table is not None and table.loc[table["slice_file_name"] == clip, "available"].any()
        if not available:
            self._window.statusBar().showMessage(f"{clip}: its audio file is not on disk to compare", 5000)
            return
        self._pending = (clip, typical)
        shown = self._window.current.inspection
        row = shown.request.row if shown is not None else None
        if row is not None and row["slice_file_name"] == clip:
            self._on_inspected(shown)               # already drawn: pin it now
        elif not self._window.browser.select_clip(clip):
            self._pending = None
            self._window.statusBar().showMessage(f"{clip} is not in the open dataset", 5000)

    def _forget(self, *_args) -> None:
        self._pending = None

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
