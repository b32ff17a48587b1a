"""The models the window knows, and the one it shows.

*File → Open model…* adds a bundle made by ``audioscope train`` (its files are pickles, so a
dialog naming the folder asks first, the rule ``--trust-model`` follows on the command line)
or any framework's predictions file (``core.model.predictions_file``). The model shown fills
the clip table's Predicted / Confidence / Correct columns, the Evaluation tab and the Label
errors tab; a bundle also predicts the clips the window shows. A file or bundle that cannot be
used is explained (file, line, column) and nothing changes. A new dataset starts again from
the bundled model.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox

from audioscope.core.model.classifier import CARD_NAME, ModelLoadError, use_shared_bundle
from audioscope.core.model.predictions_file import ModelPredictions, PredictionsFileError, read_predictions
from audioscope.gui.workers import LatestOnly

FILE_FILTER = ("Models (model_card.json *.csv *.tsv *.txt *.parquet *.pq);;"
               "Model bundle (model_card.json);;Predictions (*.csv *.tsv *.txt *.parquet *.pq);;All files (*)")


def load_trusted_bundle(folder: Path, metadata):
    """(ModelBundle, its out-of-fold ModelPredictions) of a bundle the user trusted (worker)."""
    from audioscope.core.model.classifier import load_bundle
    from audioscope.core.model.model_scores import bundled_predictions

    bundle = load_bundle(folder, trust=True)
    return bundle, bundled_predictions(metadata, folder)


class ModelChoice(QObject):
    """Emits ``loaded(ModelPredictions)`` when an opened model is shown, ``failed(message)``,
    and ``confirming(QMessageBox)`` as the pickle warning opens (tests answer it)."""

    loaded = Signal(object)
    failed = Signal(str)
    confirming = Signal(object)

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.models: list[ModelPredictions] = []
        self.current: ModelPredictions | None = None
        self._bundles: dict[int, object] = {}       # id(model) -> ModelBundle, for opened bundles
        self._jobs = LatestOnly(self)
        window.evaluation.model_chosen.connect(self.show_model)

    def reset(self, dataset) -> None:
        """A new dataset: the bundled model's out-of-fold predictions only."""
        from audioscope.core.model.evaluation import EvaluationError
        from audioscope.core.model.model_scores import bundled_predictions

        self._jobs.cancel()
        self._bundles.clear()
        try:
            self.models = [bundled_predictions(dataset.table)]
        except EvaluationError:
            self.models = []                       # the table and the tab say why
        self.current = self.models[0] if self.models else None
        use_shared_bundle(None)
        self._window.evaluation.set_models(self.models, self.current)
        if self.current is not None:
            self._window.label_errors.set_model(self.current)

    def choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self._window, "Open model: a bundle's model_card.json or a "
                                              "predictions file", str(Path.home()), FILE_FILTER)
        if path:
            self.open(Path(path))

    def open(self, path: Path) -> None:
        """Open a bundle folder (or its model_card.json) or a predictions file."""
        dataset = self._window.dataset
        if dataset is None:
            self._refuse("Open the dataset first: a model's predictions name its clips.")
            return
        if path.is_dir() or path.name == CARD_NAME:
            self._open_bundle(path if path.is_dir() else path.parent)
            return
        try:
            predictions = read_predictions(path, dataset.table)
        except PredictionsFileError as exc:
            self._refuse(str(exc))
            return
        self._add(predictions)

    def show_model(self, model: ModelPredictions) -> None:
        """Show ``model`` in the table, the Evaluation and Label errors tabs; predict with it if a bundle."""
        window = self._window
        if window.dataset is None:
            return
        self.current = model
        window.browser.model.set_predictions(model.aligned(window.dataset.table))
        window.label_errors.set_model(model)
        if window.evaluation.current_model is not model:
            window.evaluation.set_models(self.models, model)
        if model.bundle_dir is not None:
            use_shared_bundle(self._bundles.get(id(model)))     # None: the bundled model
            window.refresh_clips()

    def release(self) -> None:
        """The window closes: predict with the bundled model again (the process may go on)."""
        self._jobs.cancel()
        use_shared_bundle(None)

    # -- internals ----------------------------------------------------------------------
    def _open_bundle(self, folder: Path) -> None:
        if not (folder / CARD_NAME).is_file():
            self._refuse(f"{folder}: no {CARD_NAME} — not a model bundle (make one with `audioscope train`)")
            return
        if not self._confirm(folder):
            return
        self._window.statusBar().showMessage(f"Loading the model in {folder}…")
        self._jobs.submit(load_trusted_bundle, folder, self._window.dataset.table,
                          on_result=self._on_bundle_loaded,
                          on_error=lambda exc: self._refuse(str(exc) if isinstance(exc, (ModelLoadError, OSError))
                                                            else f"{folder}: {type(exc).__name__}: {exc}"))

    def _confirm(self, folder: Path) -> bool:
        box = QMessageBox(QMessageBox.Icon.Warning, "Load this model?",
                          f"Load the model bundle in\n{folder}?\n\nIts model files are pickles: loading "
                          f"them runs code they contain. Load only a bundle you made with `audioscope "
                          f"train` or got from someone you trust.", parent=self._window)
        load = box.addButton("Load it", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self.confirming.emit(box)
        box.exec()
        return box.clickedButton() is load

    def _on_bundle_loaded(self, result) -> None:
        bundle, predictions = result
        self._bundles[id(predictions)] = bundle
        self._add(predictions)

    def _add(self, predictions: ModelPredictions) -> None:
        same = [m for m in self.models if m.source == predictions.source and m.bundle_dir == predictions.bundle_dir]
        self.models = [m for m in self.models if m not in same] + [predictions]
        for old in same:
            self._bundles.pop(id(old), None)
        self.show_model(predictions)
        without = f"; {predictions.missing} clips have no prediction" if predictions.missing else ""
        self._window.statusBar().showMessage(
            f"Showing the predictions of {predictions.display_name}: {len(predictions.table)} clips{without}",
            10000)
        self.loaded.emit(predictions)

    def _refuse(self, message: str) -> None:
        self._window.statusBar().clearMessage()
        self.failed.emit(message)
        QMessageBox.warning(self._window, "Cannot use this model", message)
