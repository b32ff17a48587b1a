"""One clip on screen: its linked views and its prediction, analysed in the background.

The views come first: a clip's waveform, mel spectrogram and MFCCs are drawn as soon as they
are computed (milliseconds), its prediction when the embeddings arrive (tens of ms later), by
a second latest-only job; a newer selection makes both stale.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from audioscope.core.dataset.clip_files import missing_file_text
from audioscope.core.dataset.metadata import Dataset
from audioscope.core.inspection.clip_inspection import (
    ClipRequest,
    Inspection,
    explain_clip,
    inspect_clip,
    predict_clip,
)
from audioscope.core.model.occlusion import Occlusion, why_not
from audioscope.core.signal.audio import AudioLoadError
from audioscope.core.signal.features import FeatureParams
from audioscope.core.store.cache import FeatureCache
from audioscope.gui.clip.clip_header import ClipHeader
from audioscope.gui.clip.clip_views import ClipViews
from audioscope.gui.clip.prediction_panel import PredictionPanel
from audioscope.gui.workers import LatestOnly

log = logging.getLogger(__name__)
PENDING_DELAY_MS = 300     # show "Predicting…" only for analyses slower than this
WHY_DELAY_MS = 250         # occlusion starts once a clip has stayed selected this long (and
#                            its prediction is drawn): stepping with Down starts none


class ClipPane(QWidget):
    """ClipViews above a PredictionPanel, fed by a latest-only background job.

    Emits ``requested()`` when it starts analysing a clip, ``inspected(Inspection)`` when a clip's views are drawn, ``predicted(Inspection)``
    when its prediction (or why there is none) is drawn too, and ``failed(str)`` with a
    message naming the file when it cannot be shown.
    """

    requested = Signal()            # show_clip began analysing a clip
    inspected = Signal(object)
    predicted = Signal(object)
    failed = Signal(str)
    explained = Signal(object)      # the why strip's Occlusion (or None) is drawn

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.views = ClipViews()
        self.predictions = PredictionPanel()
        self.predictions.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.title = ClipHeader()           # one line: A and B keep their plots level
        self.title.set_parts([title])
        self.title.setVisible(bool(title))
        self._jobs = LatestOnly(self)
        self._predict_jobs = LatestOnly(self)
        # the prediction is submitted on the next event-loop pass, once the views are painted:
        # a worker started before the paint competes with it for the GIL (views p95 65 -> 33 ms)
        self._predict_timer = QTimer(self, singleShot=True, interval=0)
        self._predict_timer.timeout.connect(self._predict)
        self._cache: FeatureCache | None = None
        self._pending = QTimer(self, singleShot=True, interval=PENDING_DELAY_MS)
        self._pending.timeout.connect(self.predictions.set_pending)
        # the "why" strip: occlusion starts once the user pauses on a clip
        self._why_jobs = LatestOnly(self)
        self._why_timer = QTimer(self, singleShot=True, interval=WHY_DELAY_MS)
        self._why_timer.timeout.connect(self._explain)
        self._explainable: Inspection | None = None     # predicted since the latest selection
        self.request: ClipRequest | None = None
        self.inspection: Inspection | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.views, 1)
        layout.addWidget(self.predictions)
        self.clear("Select a clip in the table, or drop an audio file on the window.")

    def show_clip(self, request: ClipRequest, params: FeatureParams, cache: FeatureCache,
                  dataset: Dataset | None = None) -> None:
        """Analyse ``request`` (a clip of the open ``dataset``, or any file) in the background;
        a newer request makes this one stale.

        The previous clip stays on screen until the new one is ready (tens of ms for a
        dataset clip); "Predicting…" appears only when that takes longer than PENDING_DELAY_MS,
        so stepping through clips does not flicker or re-layout the pane twice per clip.
        """
        self.request = request
        self._cache = cache
        self._pending.start()
        self._stop_explaining()
        self._why_timer.start()                 # the dwell counts from the selection
        self._cancel_prediction()
        self._jobs.submit(inspect_clip, request, params, cache, dataset,
                          on_result=self._on_inspected, on_error=self._on_failed)
        self.requested.emit()

    def show_inspection(self, inspection: Inspection) -> None:
        """Draw an existing result (pinning a clip does not analyse it again)."""
        self._stop_work()
        self._why_timer.start()
        self.request = inspection.request
        self._on_inspected(inspection)

    def show_missing(self, request: ClipRequest) -> None:
        """A dataset row whose file is not on disk."""
        self._stop_work()
        self.request, self.inspection = request, None
        name = request.row["slice_file_name"] if request.row is not None else request.path.name
        fold = request.fold
        self.views.clear(missing_file_text(name, fold))
        self.predictions.clear("No prediction: the file is missing")

    def clear(self, message: str) -> None:
        self._stop_work()
        self.request, self.inspection = None, None
        self.views.clear(message)
        self.predictions.clear("")

    def _on_inspected(self, inspection: Inspection) -> None:
        self.inspection = inspection
        self.views.set_analysis(inspection.analysis, inspection.request.row, inspection.images)
        self._why_jobs.cancel()
        self.inspected.emit(inspection)
        if inspection.prediction is not None or inspection.prediction_problem:
            self._on_predicted(inspection)      # an earlier result drawn again (pinning)
            return
        self.predictions.set_waiting()
        self._predict_timer.start()

    def _predict(self) -> None:
        inspection = self.inspection
        if inspection is None:
            return
        self._predict_jobs.submit(predict_clip, inspection, self._cache,
                                  on_result=self._on_predicted,
                                  on_error=lambda exc: self._on_predicted(
                                      replace(inspection, prediction_problem=f"No prediction: {exc}")))

    def _stop_work(self) -> None:
        """Drop every job and timer of the clip shown so far."""
        self._jobs.cancel()
        self._cancel_prediction()
        self._pending.stop()
        self._stop_explaining()

    def _cancel_prediction(self) -> None:
        self._predict_timer.stop()
        self._predict_jobs.cancel()

    def _on_predicted(self, inspection: Inspection) -> None:
        if self.inspection is None or inspection.analysis is not self.inspection.analysis:
            return                              # another clip took over meanwhile
        self._pending.stop()
        self.inspection = inspection
        if inspection.prediction is None:
            self.predictions.clear(inspection.prediction_problem)
        else:
            self.predictions.set_prediction(inspection.prediction, inspection.request.true_class)
            self.views.why.clear("finding the parts that decide…")
            self._explainable = inspection
            if not self._why_timer.isActive():  # the user has stayed on the clip long enough
                self._explain()
        self.predicted.emit(inspection)

    def _stop_explaining(self) -> None:
        self._why_timer.stop()
        self._explainable = None
        self._why_jobs.cancel()

    def _explain(self) -> None:
        inspection = self._explainable
        if inspection is None or inspection is not self.inspection:
            return                              # not predicted yet: _on_predicted starts it
        self._explainable = None                # once per selection
        self._why_jobs.submit(explain_clip, inspection.analysis.clip.signal, inspection.request.fold,
                              on_result=lambda occ: self._on_explained(inspection, occ),
                              on_error=lambda exc: self._on_explained(inspection, None, f"no strip: {exc}"))

    def _on_explained(self, inspection: Inspection, occ: Occlusion | None, problem: str = "") -> None:
        if inspection is not self.inspection:
            return
        if occ is None and not problem:
            signal = inspection.analysis.clip.signal
            problem = why_not(len(signal), inspection.analysis.clip.analysis_rate)
        self.views.why.set_occlusion(occ, problem)
        self.explained.emit(occ)

    def _on_failed(self, error: Exception) -> None:
        self._pending.stop()
        self._cancel_prediction()
        self._stop_explaining()
        self.inspection = None
        if isinstance(error, AudioLoadError):
            message = f"Cannot show {error.path.name}: {error.reason}.\n{error.path}"
        else:
            log.error("analysis of %s failed", self.request.path if self.request else "?", exc_info=error)
            message = f"Cannot show {self.request.path if self.request else 'this file'}: " \
                      f"{type(error).__name__}: {error}"
        self.views.clear(message)
        self.predictions.clear("No prediction")
        self.failed.emit(message)
