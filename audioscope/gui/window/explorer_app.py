"""The explorer as an application: the QApplication, the window, signals and the exit."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication

from audioscope.core.process.stop_signals import say_stopped
from audioscope.core.process.worker_lifetime import end_reusable_workers
from audioscope.gui.window.error_dialog import install_excepthook
from audioscope.gui.window.main_window import MainWindow
from audioscope.gui.window.quit_on_signal import QuitOnSignal

log = logging.getLogger(__name__)
BACKGROUND_WAIT_MS = 2000     # at exit, for pool threads to finish (their worker processes are gone)


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
