"""An exception in a slot is logged and shown with the log file's location; the app keeps running."""

from __future__ import annotations

import logging
import sys

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from audioscope.gui.window.error_dialog import install_excepthook


@pytest.mark.qt_no_exception_capture
def test_a_failing_slot_shows_a_dialog_and_the_app_carries_on(qtbot, tmp_path, caplog):
    log_path = tmp_path / "audioscope.log"
    previous = sys.excepthook
    install_excepthook(log_path)
    try:
        button = QPushButton("boom")
        qtbot.addWidget(button)

        def fail():
            raise RuntimeError("a bug in a slot")

        button.clicked.connect(fail)
        seen = []

        def read_and_close():
            box = QApplication.activeModalWidget()
            if isinstance(box, QMessageBox):
                seen.append((box.text(), box.detailedText()))
                box.accept()
            else:
                QTimer.singleShot(20, read_and_close)

        QTimer.singleShot(0, read_and_close)
        with caplog.at_level(logging.ERROR, logger="audioscope"):
            button.click()
        qtbot.waitUntil(lambda: bool(seen), timeout=5000)
        text, details = seen[0]
        assert "RuntimeError: a bug in a slot" in text and str(log_path) in text
        assert "keeps running" in text
        assert "Traceback" in details and "a bug in a slot" in details
        assert "a bug in a slot" in caplog.text
        button.clicked.disconnect(fail)
        clicks = []
        button.clicked.connect(lambda: clicks.append(1))
        button.click()  # the event loop and the widget still work
        assert clicks == [1]
    finally:
        sys.excepthook = previous
