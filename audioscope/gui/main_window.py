"""The explorer's main window: builds the parts, menus and shortcuts, and wires their signals."""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QSettings, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (QApplication, QDockWidget, QFileDialog, QLabel, QMainWindow,
                               QMessageBox, QSplitter, QTabWidget, QVBoxLayout, QWidget)

from audioscope import __version__
from audioscope.core.cache import FeatureCache
from audioscope.core.clip_filter import ClipFilter
from audioscope.core.dataset import AUDIO_EXTENSIONS, Dataset, DatasetError, load_dataset
from audioscope.core.playback import PLAYING
from audioscope.core.resources import resource_path
from audioscope.core.worker_lifetime import end_reusable_workers
from audioscope.gui.clip_browser import ClipBrowser
from audioscope.gui.class_gallery import ClassGalleryView
from audioscope.gui.clip_pane import ClipPane, ClipRequest, Inspection, warm_up
from audioscope.gui.compare_panes import ComparePanes
from audioscope.gui.dataset_map import DatasetMapView
from audioscope.gui.error_dialog import install_excepthook
from audioscope.gui.evaluation_view import EvaluationView
from audioscope.gui.export_actions import ExportActions
from audioscope.gui.quit_on_signal import QuitOnSignal
from audioscope.gui.transport import Transport
from audioscope.gui.view_settings import ViewSettings
from audioscope.gui.workers import LatestOnly
from audioscope.stop_signals import say_stopped

log = logging.getLogger(__name__)
# Clips shorter than this are analysed afresh each time they are shown: for an UrbanSound8K
# clip that is faster than hashing the file and reading and writing cache entries.
CACHE_MIN_DURATION_S = 20.0
BACKGROUND_WAIT_MS = 2000     # at exit, for pool threads to finish (their worker processes are gone)
AUDIO_FILTER = f"Audio files ({' '.join('*' + e for e in AUDIO_EXTENSIONS)});;All files (*)"


class MainWindow(QMainWindow):
    """Emits ``dataset_opened(Dataset)``, ``dataset_failed(message)`` and ``warmed_up`` once
    the model and librosa are loaded in the background."""

    dataset_opened = Signal(object)
    dataset_failed = Signal(str)
    warmed_up = Signal()

    def __init__(self, settings: QSettings | None = None, cache: FeatureCache | None = None) -> None:
        super().__init__()
        self.settings = settings if settings is not None else QSettings()
        self.cache = cache if cache is not None else FeatureCache(min_duration_s=CACHE_MIN_DURATION_S)
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
        self._active = self.current           # the pane whose clip the transport plays
        self._play_when_loaded: str | None = None   # a clip asked to play by name
        self._jobs = LatestOnly(self)         # dataset loading
        self._build_layout()
        self.exports = ExportActions(self, self.browser, self.cache)
        self._build_menus()
        self._connect()
        self._apply_view_settings()
        self.statusBar().showMessage("No dataset open — drop an audio file on the window to analyse it")
        self.is_warm = False
        LatestOnly(self).submit(warm_up, self.view_settings.feature_params(),
                                on_result=self._on_warmed_up, on_error=self._on_warmed_up)

    def _on_warmed_up(self, _result: object) -> None:
        # The start-up imports left hundreds of thousands of long-lived objects; a full garbage
        # collection walking them all stalled the GUI thread for over 100 ms. Freezing them
        # keeps later collections to what the session itself allocates.
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

    def _action(self, menu, text: str, slot, shortcut: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "Open &dataset folder…", self.choose_dataset, "Ctrl+D")
        self._action(file_menu, "&Open files…", self.choose_files, "Ctrl+O")
        file_menu.addSeparator()
        self.exports.add_to(file_menu)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, "Ctrl+Q")
        view = self.menuBar().addMenu("&View")
        self._action(view, "&Pin current clip as A (compare)", self.pin_current, "P")
        self._action(view, "&Unpin A", self.unpin, "U")
        self._action(view, "&Switch playback between A and B", self.switch_playback, "S")
        view.addSeparator()
        view.addAction(self.settings_dock.toggleViewAction())
        playback = self.menuBar().addMenu("&Playback")
        self._action(playback, "Play / pause (Space)", self.transport.toggle_play)
        self._action(playback, "Stop", self.transport.stop)
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&About audioscope", self._show_about)
        space = QShortcut(QKeySequence(Qt.Key.Key_Space), self)
        space.setContext(Qt.ShortcutContext.WindowShortcut)
        space.activated.connect(self.transport.toggle_play)
        # item views take Space for selection before shortcuts see it: route it to playback
        for view in (self.browser.table, self.browser.my_files):
            view.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if (event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Space
                and event.modifiers() == Qt.KeyboardModifier.NoModifier):
            self.transport.toggle_play()
            return True
        return super().eventFilter(watched, event)

    def _connect(self) -> None:
        self.browser.clip_selected.connect(self._on_clip_selected)
        self.browser.missing_selected.connect(self._on_missing_selected)
        self.browser.open_dataset_requested.connect(self.choose_dataset)
        self.evaluation.cell_clicked.connect(self.show_clip_set)
        self.dataset_map.clip_clicked.connect(self.play_clip)
        self.gallery.clip_activated.connect(self.play_clip)
        self.dataset_map.file_clicked.connect(lambda path: self.browser.add_files([Path(path)]))
        self.browser.filter_bar.filter_changed.connect(self.dataset_map.set_filter)
        self.current.inspected.connect(self._mark_on_map)
        for pane in (self.pinned, self.current):
            pane.inspected.connect(self._on_inspected)
            pane.failed.connect(self._on_failed)
            pane.views.time_clicked.connect(lambda t, p=pane: self._play_pane_from(p, t))
        self.transport.position_changed.connect(lambda t: self._active.views.set_playhead(t))
        self.view_settings.feature_params_changed.connect(self._on_feature_params_changed)
        self.view_settings.colormap_changed.connect(self._apply_view_settings)
        self.view_settings.db_range_changed.connect(self._apply_view_settings)

    # -- dataset and files ----------------------------------------------------------------
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
        self.dataset_map.set_dataset(dataset, self.cache)
        self.dataset_map.set_filter(self.browser.proxy.clip_filter)   # reset without a signal
        self.gallery.set_dataset(dataset, self.cache)
        self.setWindowTitle(f"audioscope — {dataset.root}")
        self.dataset_label.setText(f"{dataset.root.name}: {dataset.n_available} of "
                                   f"{dataset.n_clips} clips on disk")
        self.dataset_label.setToolTip("\n".join(dataset.notes) or str(dataset.root))
        self.statusBar().showMessage(f"Opened {dataset.root}", 5000)
        self.dataset_opened.emit(dataset)

    def play_clip(self, slice_file_name: str) -> None:
        """Select the dataset clip ``slice_file_name`` and play it once it is loaded (one click
        on a map point or a gallery clip)."""
        if not self.browser.select_clip(slice_file_name):
            self.statusBar().showMessage(f"{slice_file_name} is not in the open dataset", 5000)
            return
        self._play_when_loaded = slice_file_name

    def _mark_on_map(self, inspection: Inspection) -> None:
        row = inspection.request.row
        self.dataset_map.set_current(row["slice_file_name"] if row is not None else None)

    def show_clip_set(self, clip_filter: ClipFilter) -> None:
        """List exactly the clips of ``clip_filter`` in the table (e.g. one confusion cell)."""
        self.browser.filter_bar.set_filter(clip_filter, notify=True)
        self.browser.setCurrentIndex(0)
        self.statusBar().showMessage(f"Listing {clip_filter.describe()}", 5000)

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
        self.current.show_clip(request, self.view_settings.feature_params(), self.cache)

    def _on_missing_selected(self, request: ClipRequest) -> None:
        self.right_tabs.setCurrentIndex(0)
        self.current.show_missing(request)
        self.statusBar().showMessage(f"{request.row['slice_file_name']}: the file is missing", 5000)
        if self._active is self.current:
            self.transport.set_clip(None)

    def _on_inspected(self, inspection: Inspection) -> None:
        pane = self.sender()
        self.statusBar().showMessage(str(inspection.request.path), 5000)
        self._share_compare_scale()
        if pane is self._active:  # opening the stream takes tens of ms: after the paint
            QTimer.singleShot(0, self, lambda: self._load_for_playback(pane, inspection))

    def _load_for_playback(self, pane: ClipPane, inspection: Inspection) -> None:
        if pane is not self._active or pane.inspection is None or pane.inspection.analysis is not inspection.analysis:
            return  # stale: another clip or pane took over meanwhile
        auditioning = self.transport.engine.state == PLAYING  # keep playing as Down moves on
        row = inspection.request.row
        asked = row is not None and row["slice_file_name"] == self._play_when_loaded
        self._play_when_loaded = None
        self.transport.set_clip(inspection.analysis.clip)
        if auditioning or asked:
            self.transport.play_from(0.0)

    def _on_failed(self, message: str) -> None:
        pane = self.sender()
        self.statusBar().showMessage(message.splitlines()[0], 8000)
        request = pane.request
        if request is not None and request.row is None:
            self.browser.mark_file_failed(request.path, message)
        if pane is self._active:
            self.transport.set_clip(None)

    def _on_feature_params_changed(self, params) -> None:
        """Analyse the shown clips again, also one still loading (its old job is dropped)."""
        for pane in (self.current, self.pinned):
            request = pane.request
            if pane is self.pinned and not self.panes.comparing:
                continue
            if request is not None and (request.row is None or request.row["available"]):
                pane.show_clip(request, params, self.cache)

    def _apply_view_settings(self, *_args) -> None:
        for pane in (self.current, self.pinned):
            pane.views.set_colormap(self.view_settings.colormap())
            pane.views.set_db_range(self.view_settings.db_range())
        self.gallery.set_colormap(self.view_settings.colormap())
        self._share_compare_scale()

    # -- compare and playback -------------------------------------------------------------
    def pin_current(self) -> None:
        """Show the current clip as A beside the next selections (B), on one scale and time axis."""
        if not self.panes.pin():
            self.statusBar().showMessage("Select a clip first, then pin it", 5000)
            return
        self._share_compare_scale()
        self._set_active(self.current)

    def unpin(self) -> None:
        self.panes.unpin()
        self._set_active(self.current)
        self._share_compare_scale()

    def switch_playback(self) -> None:
        if self.panes.comparing:
            self._set_active(self.pinned if self._active is self.current else self.current)

    def _play_pane_from(self, pane: ClipPane, seconds: float) -> None:
        if pane is not self._active:
            self._set_active(pane)
        self.transport.play_from(seconds)

    def _set_active(self, pane: ClipPane) -> None:
        if pane is self._active and self.transport.isEnabled():
            self.panes.mark_playing(self._active)
            return
        self._active.views.set_playhead(0.0)
        self._active = pane
        inspection = pane.inspection
        self.transport.set_clip(inspection.analysis.clip if inspection is not None else None)
        self.panes.mark_playing(self._active)

    def _share_compare_scale(self) -> None:
        self.panes.share_scale(self.view_settings.db_range())

    def _show_about(self) -> None:
        from audioscope.core.licences import licences_html

        QMessageBox.about(self, "About audioscope",
                          f"<b>audioscope {__version__}</b><p>An explorer for the UrbanSound8K "
                          f"dataset.</p>{licences_html()}")

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.transport.shutdown()
        for pane in (self.current, self.pinned):   # running predictions and strips stop early
            pane.clear("")
        super().closeEvent(event)


def run_explorer(dataset: Path | None = None, log_path: Path | None = None,
                 setup: Callable[[MainWindow], None] | None = None) -> int:
    """Create the application and the window, open ``dataset`` if given, run the event loop.

    ``setup(window)`` runs before the loop starts (scripts and tests use it, e.g. to open a
    tab). SIGINT, SIGTERM and SIGHUP close the window (status 128 + the signal's number).
    However the loop ends, the background work stops: loky's worker processes are killed.
    """
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("audioscope")
    app.setOrganizationName("audioscope")
    install_excepthook(log_path)
    stop = QuitOnSignal(app)
    try:
        window = MainWindow()
        window.show()
        if setup is not None:
            setup(window)
        if dataset is not None:
            window.open_dataset(dataset)
        status = app.exec()
    finally:
        stop.uninstall()
        stop_background_work()
    if stop.signum is not None:
        say_stopped(stop.signum)
        return 128 + stop.signum
    return status


def stop_background_work(wait_ms: int = BACKGROUND_WAIT_MS) -> None:
    """Kill loky's workers (a map or gallery being computed fails at once), then give the
    pool threads ``wait_ms`` to finish (t-SNE cannot be interrupted; it is left to the exit)."""
    end_reusable_workers()
    if not QThreadPool.globalInstance().waitForDone(wait_ms):
        log.info("background work still running at exit")
