"""Last line of defence: an exception escaping a Qt slot is logged and shown, and the app runs on."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox

log = logging.getLogger("audioscope")


def show_error(summary: str, details: str, log_path: Path | None) -> None:
    """A non-fatal error dialog with the details and where the log file is."""
    where = f"The details are also in the log file:\n{log_path}" if log_path else \
        "The log file could not be written."
    box = QMessageBox(QMessageBox.Icon.Critical, "audioscope: unexpected error",
                      f"{summary}\n\naudioscope keeps running. {where}",
                      QMessageBox.StandardButton.Ok, QApplication.activeWindow())
    box.setDetailedText(details)
    box.exec()


def install_excepthook(log_path: Path | None) -> None:
    """Route uncaught exceptions (PySide6 reports slot errors through ``sys.excepthook``)
    to the log and an error dialog instead of only stderr."""
    showing = False

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        nonlocal showing
        if issubclass(kind, KeyboardInterrupt) or QApplication.instance() is None:
            sys.__excepthook__(kind, error, tb)
            return
        details = "".join(traceback.format_exception(kind, error, tb))
        log.error("uncaught exception:\n%s", details)
        if showing:  # an error while the dialog is open: logged only
            return
        showing = True
        try:
            show_error(f"{kind.__name__}: {error}", details, log_path)
        finally:
            showing = False

    sys.excepthook = hook
