"""File → Open model predictions…: any framework's predictions of the open dataset's clips (a
CSV or Parquet file, ``core.model.predictions_file``) replace the bundled model's in the clip
table's Predicted / Confidence / Correct columns and its filters. A file that cannot be used
is explained, naming its line and column, and nothing changes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox

from audioscope.core.model.predictions_file import PredictionsFileError, read_predictions

FILE_FILTER = "Predictions (*.csv *.tsv *.txt *.parquet *.pq);;All files (*)"


class ModelPredictionsAction(QObject):
    """Emits ``loaded(ModelPredictions)`` when a file's predictions are shown, ``failed(message)``."""

    loaded = Signal(object)
    failed = Signal(str)

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self._window = window

    def choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self._window, "Open model predictions", str(Path.home()), FILE_FILTER)
        if path:
            self.open(Path(path))

    def open(self, path: Path) -> None:
        dataset = self._window.dataset
        if dataset is None:
            self._refuse("Open the dataset first: a predictions file names its clips.")
            return
        try:
            predictions = read_predictions(path, dataset.table)
        except PredictionsFileError as exc:
            self._refuse(str(exc))
            return
        self._window.browser.model.set_predictions(predictions.aligned(dataset.table))
        without = f"; {predictions.missing} clips have no prediction" if predictions.missing else ""
        self._window.statusBar().showMessage(
            f"Showing the predictions of {path.name}: {len(predictions.table)} clips{without}", 10000)
        self.loaded.emit(predictions)

    def _refuse(self, message: str) -> None:
        self.failed.emit(message)
        QMessageBox.warning(self._window, "Cannot use these predictions", message)
