"""The Similar clips tab in the window: it follows the clip shown, and auditioning a neighbour
keeps the tab in view."""

from __future__ import annotations

from PySide6.QtCore import QObject

from audioscope.gui.tabs.similar_clips_view import SimilarClipsView


class SimilarReview(QObject):
    """Adds a ``SimilarClipsView`` to the window's tabs (``window.similar``) and connects it."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self._window = window
        window.similar = view = SimilarClipsView()
        window.right_tabs.addTab(view, "Similar clips")
        window.dataset_opened.connect(lambda dataset: view.set_dataset(dataset, window.cache))
        window.current.inspected.connect(self._on_inspected)
        view.clip_activated.connect(self._audition)

    def _on_inspected(self, inspection) -> None:
        row = inspection.request.row
        self._window.similar.set_query(inspection.request.path,
                                       None if row is None else str(row["slice_file_name"]))

    def _audition(self, name: str) -> None:
        self._window.play_clip(name)
        self._window.right_tabs.setCurrentWidget(self._window.similar)   # stay with the neighbours
