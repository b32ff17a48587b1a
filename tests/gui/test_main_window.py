"""The explorer window (offscreen): welcome page, opening a dataset, refusing a bad folder."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from audioscope.gui.main_window import MainWindow


def test_welcome_page_explains_the_dataset_and_offers_to_open_it(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    text = window._welcome.findChild(type(window._summary)).text()
    assert "UrbanSound8K" in text and "CC BY-NC 3.0" in text
    buttons = [b.text() for b in window.findChildren(QPushButton)]
    assert "Open dataset folder…" in buttons
    assert not window.windowIcon().isNull()


def test_opening_the_dataset_shows_its_counts(qtbot, originals_root):
    window = MainWindow()
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.dataset_opened) as opened:
        assert window.open_dataset(originals_root)
    assert opened.args[0].n_clips == 8732
    assert "8732 clips" in window._summary.text() and "44 audio files" in window._summary.text()
    assert window.statusBar().currentMessage() == "44 of 8732 clips available"


def test_a_folder_that_is_not_a_dataset_is_explained_and_nothing_changes(qtbot, tmp_path, originals_root):
    window = MainWindow()
    qtbot.addWidget(window)
    window.open_dataset(originals_root)
    seen = []

    def read_and_close_dialog():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            box.accept()
        else:
            QTimer.singleShot(20, read_and_close_dialog)

    QTimer.singleShot(0, read_and_close_dialog)
    assert window.open_dataset(tmp_path) is False
    assert seen and str(tmp_path) in seen[0] and "UrbanSound8K.csv: not found" in seen[0]
    assert window.dataset is not None and window.dataset.root == originals_root.resolve()
