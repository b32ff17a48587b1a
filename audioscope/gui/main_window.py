"""The explorer's main window: builds the pages and menus and wires signals."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (QApplication, QFileDialog, QLabel, QMainWindow, QMessageBox,
                               QPushButton, QStackedWidget, QVBoxLayout, QWidget)

from audioscope import __version__
from audioscope.core.dataset import Dataset, DatasetError, load_dataset
from audioscope.core.resources import resource_path

log = logging.getLogger(__name__)

WELCOME_TEXT = """
<h1>audioscope</h1>
<p>An explorer for <b>UrbanSound8K</b>: 8732 labelled clips of urban sounds (up to 4 s each) in
10 classes — air conditioner, car horn, children playing, dog bark, drilling, engine idling,
gun shot, jackhammer, siren, street music — split into 10 predefined folds for
cross-validation.</p>
<p>Get the dataset from <a href="https://urbansounddataset.weebly.com/urbansound8k.html">
urbansounddataset.weebly.com</a> (about 6 GB, licence CC BY-NC 3.0) and unpack it. Then open the
folder that contains <code>metadata/UrbanSound8K.csv</code> and <code>audio/fold1</code> …
<code>audio/fold10</code>. Converted copies (FLAC, OGG) and partial downloads work too.</p>
"""


class MainWindow(QMainWindow):
    """Top-level window. Emits ``dataset_opened`` after a dataset loaded successfully."""

    dataset_opened = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.dataset: Dataset | None = None
        self.setWindowTitle("audioscope")
        self.setWindowIcon(QIcon(str(resource_path("icons", "audioscope.svg"))))
        self.resize(1200, 800)
        self._pages = QStackedWidget()
        self._welcome = self._build_welcome()
        self._summary = QLabel(alignment=Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self._summary.setWordWrap(True)
        self._summary.setContentsMargins(24, 24, 24, 24)
        self._pages.addWidget(self._welcome)
        self._pages.addWidget(self._summary)
        self.setCentralWidget(self._pages)
        self._build_menus()
        self.statusBar().showMessage("No dataset open")

    def _build_welcome(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(48, 32, 48, 32)
        text = QLabel(WELCOME_TEXT, wordWrap=True, openExternalLinks=True)
        text.setTextFormat(Qt.TextFormat.RichText)
        text.setMaximumWidth(760)
        button = QPushButton("Open dataset folder…")
        button.clicked.connect(self.choose_dataset)
        layout.addWidget(text)
        layout.addWidget(button, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        return page

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        open_dataset = QAction("Open &dataset folder…", self, shortcut=QKeySequence("Ctrl+D"))
        open_dataset.triggered.connect(self.choose_dataset)
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(open_dataset)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About audioscope", self)
        about.triggered.connect(self._show_about)
        help_menu.addAction(about)

    def choose_dataset(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open UrbanSound8K folder")
        if folder:
            self.open_dataset(Path(folder))

    def open_dataset(self, root: Path) -> bool:
        """Load ``root``; on failure show the reason and keep the current state."""
        try:
            dataset = load_dataset(root)
        except DatasetError as exc:
            log.warning("cannot open dataset: %s", exc)
            QMessageBox.warning(self, "Cannot open dataset", str(exc))
            return False
        self.dataset = dataset
        self._show_summary(dataset)
        self.dataset_opened.emit(dataset)
        return True

    def _show_summary(self, dataset: Dataset) -> None:
        notes = "".join(f"<li>{note}</li>" for note in dataset.notes)
        self._summary.setText(
            f"<h2>{dataset.root}</h2><p>{dataset.n_clips} clips in the metadata, "
            f"{dataset.n_available} audio files found.</p>"
            + (f"<ul>{notes}</ul>" if notes else ""))
        self._pages.setCurrentWidget(self._summary)
        self.setWindowTitle(f"audioscope — {dataset.root.name}")
        self.statusBar().showMessage(f"{dataset.n_available} of {dataset.n_clips} clips available")

    def _show_about(self) -> None:
        QMessageBox.about(self, "About audioscope",
                          f"<b>audioscope {__version__}</b><p>An explorer for the UrbanSound8K "
                          "dataset.</p><p>UrbanSound8K: J. Salamon, C. Jacoby, J. P. Bello, "
                          "ACM Multimedia 2014; licence CC BY-NC 3.0.</p>")


def run_explorer(dataset: Path | None = None) -> int:
    """Create the application and the window, open ``dataset`` if given, run the event loop."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("audioscope")
    app.setOrganizationName("audioscope")
    window = MainWindow()
    window.show()
    if dataset is not None:
        window.open_dataset(dataset)
    return app.exec()
