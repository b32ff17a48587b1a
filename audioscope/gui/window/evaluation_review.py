"""What the Evaluation tab asks of the window: list a confusion cell's (or a model comparison's)
clips in the clip table, select and highlight the first, and step through them with the
tab still in view."""

from __future__ import annotations

from PySide6.QtCore import QObject

from audioscope.core.dataset.clip_filter import ClipFilter


class EvaluationReview(QObject):
    """Connects a window's ``evaluation`` view to its clip browser."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self._window = window
        self._listed: ClipFilter | None = None
        view = window.evaluation
        view.cell_clicked.connect(self.list_clips)
        view.clips_listed.connect(self.list_clips)
        view.stepper.step_requested.connect(self.step)
        browser = window.browser
        browser.clip_selected.connect(self._show_position)
        browser.missing_selected.connect(self._show_position)
        browser.proxy.count_changed.connect(self._show_position)

    def list_clips(self, clip_filter: ClipFilter) -> None:
        """List exactly the clips of ``clip_filter`` in the table and show the first of them."""
        window = self._window
        self._listed = clip_filter
        window.statusBar().showMessage(f"Listing {clip_filter.describe()}", 5000)
        window.browser.show_filter(clip_filter, first_row=True)
        if window.browser.proxy.rowCount():
            window.right_tabs.setCurrentWidget(window.evaluation)
            self._show_position()

    def step(self, delta: int) -> None:
        """The next (+1) or previous (-1) listed clip."""
        proxy = self._window.browser.proxy
        row = self._window.browser.table.currentIndex().row()
        target = min(max(row + delta, 0), proxy.rowCount() - 1) if row >= 0 else 0
        if proxy.rowCount() and target != row:
            self._select(target)

    def _select(self, row: int) -> None:
        window = self._window
        window.browser.select_row(row)          # the Clip pane analyses it in the background
        window.right_tabs.setCurrentWidget(window.evaluation)
        self._show_position()

    def _show_position(self, *_args) -> None:
        window = self._window
        proxy = window.browser.proxy
        listed = self._listed
        if listed is None or proxy.clip_filter.names_label != listed.names_label:
            self._listed = None
            window.evaluation.stepper.hide()
            return
        row = window.browser.table.currentIndex().row()
        name = proxy.row_record(row)["slice_file_name"] if 0 <= row < proxy.rowCount() else ""
        window.evaluation.stepper.show_position(row if name else -1, proxy.rowCount(), name,
                                                listed.names_label)
