"""The explorer's main window: builds the parts, menus and shortcuts, and wires their signals."""

from __future__ import annotations

import gc
import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import (QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox, QSplitter,
                               QTabWidget, QVBoxLayout, QWidget)

from audioscope.core.dataset.clip_files import AUDIO_EXTENSIONS
from audioscope.core.dataset.metadata import Dataset, DatasetError, load_dataset
from audioscope.core.inspection.clip_inspection import ClipRequest, Inspection, warm_up
from audioscope.core.store.cache import FeatureCache
from audioscope.core.store.resources import resource_path
from audioscope.gui.browser.clip_browser import ClipBrowser
from audioscope.gui.clip.clip_pane import ClipPane
from audioscope.gui.clip.compare_panes import ComparePanes
from audioscope.gui.clip.view_settings import ViewSettings
from audioscope.gui.tabs.class_gallery import ClassGalleryView
from audioscope.gui.tabs.dataset_map import DatasetMapView
from audioscope.gui.tabs.evaluation_view import EvaluationView
from audioscope.gui.tabs.label_errors_view import LabelErrorsView
from audioscope.gui.window.about_dialog import show_about
from audioscope.gui.window.evaluation_review import EvaluationReview
from audioscope.gui.window.export_actions import ExportActions
from audioscope.gui.window.label_review import LabelReview
from audioscope.gui.window.menu_table import add_menus
from audioscope.gui.window.model_choice import ModelChoice
from audioscope.gui.window.playback_router import PlaybackRouter
from audioscope.gui.window.similar_review import SimilarReview
from audioscope.gui.window.space_key import SpaceKey
from audioscope.gui.window.transport import Transport
from audioscope.gui.window.window_keys import WindowKeys
from audioscope.gui.workers import LatestOnly

log = logging.getLogger(__name__)
AUDIO_FILTER = f"Audio files ({' '.join('*' + e for e in AUDIO_EXTENSIONS)});;All files (*)"


class MainWindow(QMainWindow):
    """Emits ``dataset_opened(Dataset)``, ``dataset_failed(message)``, and ``warmed_up`` once
    the model and its embedding networks are loaded in the background."""

    dataset_opened = Signal(object)
    dataset_failed = Signal(str)
    warmed_up = Signal()

    def __init__(self, settings: QSettings | None = None, cache: FeatureCache | None = None) -> None:
        super().__init__()
        self.settings = settings if settings is not None else QSettings()
        self.cache = cache if cache is not None else FeatureCache()
        self.dataset: Dataset | None = None
        self.setWindowTitle("audioscope")
        self.setWindowIcon(QIcon(str(resource_path("icons", "audioscope.svg"))))
        self.setAcceptDrops(True)
        screen = QGuiApplication.primaryScreen().availableGeometry()
        self.resize(min(1440, int(screen.width() * 0.95)), min(900, int(screen.height() * 0.92)))
        self.browser = ClipBrowser()
        self.panes = ComparePanes()
        self.pinned, self.current = self.panes.pinned, self.panes.current
        self.transport = Transport()
        self.view_settings = ViewSettings(self.settings)
        self._jobs = LatestOnly(self)         # dataset loading
        self._build_layout()
        self.playback = PlaybackRouter(self.panes, self.transport, self.view_settings.db_range, self)
        self.label_review = LabelReview(self)
        self.exports = ExportActions(self, self.browser, self.cache)
        self.models = ModelChoice(self)
        self.evaluation_review = EvaluationReview(self)
        self.similar_review = SimilarReview(self)
        self.keys = WindowKeys(self)
        self._build_menus()
        self._connect()
        self._apply_view_settings()
        self.statusBar().showMessage("No dataset open — drop an audio file on the window to analyse it")
        self.is_warm = False
        self._warm_up_started = False       # once the window has painted: see event()

    def event(self, event) -> bool:  # noqa: N802 (Qt override)
        # the warm-up's imports hold the GIL for long stretches: started before the first paint,
        # they delayed it; started from a zero timer after it, they run while the user reads
        if event.type() == QEvent.Type.Paint and not self._warm_up_started:
            self._warm_up_started = True
            QTimer.singleShot(0, self._warm_up)
        return super().event(event)

    def _warm_up(self) -> None:
        LatestOnly(self).submit(warm_up, self.view_settings.feature_params(),
                                on_result=self._on_warmed_up, on_error=self._on_warmed_up)

    def _on_warmed_up(self, _result: object) -> None:
        # the start-up imports left ~10^5 long-lived objects: a full collection walking them
        # stalled the GUI thread for over 100 ms; frozen, collections see only the session's
        gc.freeze()
        self.is_warm = True
        self.warmed_up.emit()

    def _build_layout(self) -> None:
        self.right_tabs = QTabWidget()
        self.right_tabs.addTab(self.panes, "Clip")
        self.right_tabs.addTab(self.browser.overview, "Fold overview")
        self.dataset_map = DatasetMapView()
        self.right_tabs.addTab(self.dataset_map, "Dataset map")
        self.gallery = ClassGalleryView()
        self.right_tabs.addTab(self.gallery, "Class gallery")
        self.evaluation = EvaluationView()
        self.right_tabs.addTab(self.evaluation, "Evaluation")
        self.label_errors = LabelErrorsView()
        self.right_tabs.addTab(self.label_errors, "Label errors")
        right = QWidget()
        layout = QVBoxLayout(right)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.right_tabs, 1)
        layout.addWidget(self.transport)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.browser)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([560, 880])
        self.setCentralWidget(split)
        self.settings_dock = QDockWidget("Analysis settings", self)
        self.settings_dock.setWidget(self.view_settings)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.settings_dock)
        self.settings_dock.hide()
        self.dataset_label = QLabel()
        self.statusBar().addPermanentWidget(self.dataset_label)

    def _build_menus(self) -> None:
        """Menus from one table (menu_table): (text, slot, shortcut), an action or None (a separator)."""
        menus = {
            "&File": [("Open &dataset folder…", self.choose_dataset, "Ctrl+D"),
                      ("&Open files…", self.choose_files, "Ctrl+O"),
                      ("Open &model…", self.models.choose, "Ctrl+M"), None, self.exports, None,
                      ("&Quit", self.close, "Ctrl+Q")],
            "&View": [("&Pin current clip as A (compare)", self.pin_current, "P"),
                      ("&Unpin A", self.unpin, "U"),
                      ("&Switch playback between A and B", self.switch_playback, "S"), None,
                      self.keys.reset_zoom, self.settings_dock.toggleViewAction()],
            "&Playback": [("Play / pause (Space)", self.transport.toggle_play, None),
                          ("Stop", self.transport.stop, None), self.keys.loop],
            "&Help": [("&About audioscope", lambda: show_about(self), None)],
        }
        add_menus(self.menuBar(), menus)
        self.space_key = SpaceKey(self, self.transport.toggle_play, [self.browser.table, self.browser.my_files])

    def _connect(self) -> None:
        self.browser.clip_selected.connect(self._on_clip_selected)
        self.browser.missing_selected.connect(self._on_missing_selected)
        self.browser.open_dataset_requested.connect(self.choose_dataset)
        self.browser.tags.unavailable.connect(lambda message: self.statusBar().showMessage(message, 15000))
        self.dataset_map.clip_clicked.connect(self.play_clip)
        self.gallery.clip_activated.connect(self.play_clip)
        self.dataset_map.file_clicked.connect(lambda path: self.browser.add_files([Path(path)]))
        proxy, model = self.browser.proxy, self.browser.model   # the map colours what the table shows
        proxy.count_changed.connect(lambda *_: self.dataset_map.set_filter(proxy.clip_filter, model.predictions))
        self.current.inspected.connect(lambda inspection: self.dataset_map.set_current(
            None if inspection.request.row is None else inspection.request.row["slice_file_name"]))
        for pane in (self.pinned, self.current):
            pane.inspected.connect(self._on_inspected)
            pane.failed.connect(lambda message, p=pane: self._on_failed(p, message))
        self.view_settings.feature_params_changed.connect(self.refresh_clips)
        self.view_settings.colormap_changed.connect(self._apply_view_settings)
        self.view_settings.db_range_changed.connect(self._apply_view_settings)

    def choose_dataset(self) -> None:
        start = str(self.settings.value("last_dataset_parent", "", type=str) or Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Open UrbanSound8K folder", start)
        if folder:
            self.settings.setValue("last_dataset_parent", str(Path(folder).parent))
            self.open_dataset(Path(folder))

    def open_dataset(self, root: Path) -> None:
        """Load ``root`` in the background; on failure explain why and keep the current state."""
        self.statusBar().showMessage(f"Opening {root}…")
        self._jobs.submit(load_dataset, root, on_result=self._on_dataset_loaded,
                          on_error=self._on_dataset_failed)

    def _on_dataset_loaded(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.browser.set_dataset(dataset)
        self.evaluation.set_dataset(dataset)
        self.label_errors.set_dataset(dataset)
        self.models.reset(dataset)
        self.dataset_map.set_dataset(dataset, self.cache)
        self.gallery.set_dataset(dataset, self.cache)
        self.setWindowTitle(f"audioscope — {dataset.shown_root}")
        self.dataset_label.setText(f"{dataset.root.name}: {dataset.n_available} of "
                                   f"{dataset.n_clips} clips on disk")
        self.dataset_label.setToolTip("\n".join(dataset.notes) or dataset.shown_root)
        opened = f"Opened {dataset.shown_root}"
        if self.browser.proxy.clip_filter.availability:
            opened += (f": listing the {dataset.n_available} clips on disk of {dataset.n_clips}; "
                       "choose “All clips” above the table to list the missing ones too")
        if self.browser.tags.store is not None:      # else the status bar says why tags are off
            self.statusBar().showMessage(opened, 15000)
        self.dataset_opened.emit(dataset)

    def play_clip(self, slice_file_name: str) -> None:
        """Select dataset clip ``slice_file_name``, play it once loaded (a map point, a gallery chip)."""
        if not self.browser.select_clip(slice_file_name):
            self.statusBar().showMessage(f"{slice_file_name} is not in the open dataset", 5000)
            return
        self.playback.play_when_loaded = slice_file_name

    def _on_dataset_failed(self, error: Exception) -> None:
        message = str(error) if isinstance(error, DatasetError) else f"{type(error).__name__}: {error}"
        log.warning("cannot open dataset: %s", message)
        self.statusBar().showMessage("The dataset could not be opened", 5000)
        self.dataset_failed.emit(message)
        QMessageBox.warning(self, "Cannot open dataset", message)

    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Open audio files", "", AUDIO_FILTER)
        if files:
            self.open_files([Path(f) for f in files])

    def open_files(self, paths: list[Path]) -> None:
        """Show dropped or opened files under "My files" and place them on the dataset map."""
        self.browser.add_files(paths)
        for path in paths:
            self.dataset_map.place_file(path)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt override)
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_files(paths)

    # -- showing clips --------------------------------------------------------------------
    def _on_clip_selected(self, request: ClipRequest) -> None:
        self.right_tabs.setCurrentIndex(0)
        self.statusBar().showMessage(f"Analysing {request.path.name}…")
        self.current.show_clip(request, self.view_settings.feature_params(), self.cache, self.dataset)

    def _on_missing_selected(self, request: ClipRequest) -> None:
        self.right_tabs.setCurrentIndex(0)
        self.current.show_missing(request)
        self.statusBar().showMessage(f"{request.row['slice_file_name']}: the file is missing", 5000)
        self.playback.current_missing()

    def _on_inspected(self, inspection: Inspection) -> None:
        self.statusBar().showMessage(str(inspection.request.path), 5000)

    def _on_failed(self, pane: ClipPane, message: str) -> None:
        self.statusBar().showMessage(message.splitlines()[0], 8000)
        request = pane.request
        if request is not None and request.row is None:
            self.browser.mark_file_failed(request.path, message)

    def refresh_clips(self, params=None) -> None:
        """Analyse and predict the shown clips again (new settings or model), also one still loading."""
        params = params if params is not None else self.view_settings.feature_params()
        for pane in (self.current, self.pinned):
            request = pane.request
            if pane is self.pinned and not self.panes.comparing:
                continue
            if request is not None and (request.row is None or request.row["available"]):
                pane.show_clip(request, params, self.cache, self.dataset)

    def _apply_view_settings(self, *_args) -> None:
        for pane in (self.current, self.pinned):
            pane.views.set_colormap(self.view_settings.colormap())
            pane.views.set_db_range(self.view_settings.db_range())
        self.gallery.set_colormap(self.view_settings.colormap())
        self.playback.share_scale()

    # -- compare and playback (PlaybackRouter) ----------------------------------------------
    def pin_current(self) -> None:
        """Show the current clip as A beside the next selections (B), on one scale and time axis;
        in the Label errors tab, the clip under review beside a typical clip of the suggested class."""
        if self.right_tabs.currentWidget() is self.label_errors:
            self.label_errors.compare()
        elif not self.playback.pin():
            self.statusBar().showMessage("Select a clip first, then pin it", 5000)

    def unpin(self) -> None:
        self.playback.unpin()

    def switch_playback(self) -> None:
        self.playback.switch()
    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.transport.shutdown()
        self.models.release()
        for pane in (self.current, self.pinned):   # running predictions and strips stop early
            pane.clear("")
        super().closeEvent(event)
