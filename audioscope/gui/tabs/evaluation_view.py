"""The Evaluation tab: any model's leave-one-fold-out results, several models side by side.

A selector picks the model (the bundled one, a bundle made by ``audioscope train``, or any
framework's predictions file); for it: accuracy and macro-F1 per fold, the confusion matrix
(counts or row-normalised, pooled or one fold) whose cells list their clips in the clip table,
and precision / recall / F1 per class. "Where models disagree" lists the clips one model gets
right and another wrong. A stepper walks the listed clips without leaving the tab.

Before a dataset is open, the bundled model's out-of-fold predictions are read on first show.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from audioscope.core.dataset.clip_filter import ClipFilter
from audioscope.core.dataset.metadata import Dataset, readable_class
from audioscope.core.model.evaluation import Evaluation, EvaluationError
from audioscope.core.model.predictions_file import ModelPredictions
from audioscope.gui.tabs.accuracy_bars import AccuracyBars, percent
from audioscope.gui.tabs.class_scores_table import ClassScoresTable
from audioscope.gui.tabs.clip_stepper import ClipStepper
from audioscope.gui.tabs.confusion_table import ConfusionTable
from audioscope.gui.tabs.model_disagreement import ModelDisagreement


def folds_text(folds: tuple[int, ...]) -> str:
    """``(1, 2)`` → ``"folds 1–2"``; ``(3,)`` → ``"fold 3"``; gaps are listed."""
    if len(folds) == 1:
        return f"fold {folds[0]}"
    if folds == tuple(range(folds[0], folds[-1] + 1)):
        return f"folds {folds[0]}–{folds[-1]}"
    return "folds " + ", ".join(map(str, folds))


def cell_label(true_class: str, predicted: str, folds: tuple[int, ...] | None = None) -> str:
    """``"true siren → predicted dog bark"`` (plus ``", fold 1"`` for a single-fold matrix)."""
    label = f"true {readable_class(true_class)} → predicted {readable_class(predicted)}"
    return label + (f", {folds_text(folds)}" if folds else "")


class EvaluationView(QWidget):
    """``cell_clicked(ClipFilter)`` names a confusion cell's clips (``names_label`` e.g. "true
    siren → predicted dog bark"), ``clips_listed(ClipFilter)`` a disagreement's;
    ``model_chosen(ModelPredictions)`` when the selector changes; ``stepper.step_requested``."""

    cell_clicked = Signal(object)
    clips_listed = Signal(object)
    model_chosen = Signal(object)

    def __init__(self, model_dir: str | Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model_dir = model_dir
        self._models: list[ModelPredictions] = []
        self._evaluations: dict[int, tuple[Evaluation, dict]] = {}   # id(model) -> (evaluation, scores)
        self._error = ""
        self._available: frozenset[str] | None = None  # file names on disk in the open dataset
        self._folds: tuple[int, ...] | None = None
        self.model_combo = QComboBox(toolTip="The model whose results are shown, and whose predictions "
                                             "fill the clip table's Predicted columns")
        self.model_combo.currentIndexChanged.connect(self._on_model_chosen)
        self.summary = QLabel(wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.bars = AccuracyBars()
        self.caption = QLabel("Rows: true class, columns: predicted class. Click a number to list "
                              "those clips.", wordWrap=True)
        self.fold_combo = QComboBox(toolTip="Pool all folds, or show one fold's test clips")
        self.fold_combo.currentIndexChanged.connect(self._on_fold_chosen)
        self.scale_combo = QComboBox(toolTip="Clip counts, or each row as shares of its true class")
        self.scale_combo.addItems(["Counts", "Row %"])
        self.scale_combo.currentIndexChanged.connect(lambda _i: self._fill())
        self.table = ConfusionTable()
        self.table.cell_chosen.connect(self._on_cell_chosen)
        self.per_class = ClassScoresTable()
        self.disagreement = ModelDisagreement()
        self.disagreement.clips_listed.connect(self.clips_listed)
        self.stepper = ClipStepper()
        self.details = QTabWidget(documentMode=True)
        self.details.addTab(self._matrix_page(), "Confusion matrix")
        self.details.addTab(self.per_class, "Per class")
        self.details.addTab(self.disagreement, "Where models disagree")
        top = QHBoxLayout()
        top.addWidget(QLabel("<b>Model</b>"))
        top.addWidget(self.model_combo, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.bars)
        layout.addWidget(self.details, 1)
        layout.addWidget(self.stepper)

    def _matrix_page(self) -> QWidget:
        page = QWidget()
        row = QHBoxLayout()
        row.addWidget(self.caption, 1)
        row.addWidget(self.scale_combo)
        row.addWidget(self.fold_combo)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        return page

    # -- public API ---------------------------------------------------------------------
    @property
    def evaluation(self) -> Evaluation | None:
        """The shown model's evaluation (the bundled model's, read now if needed), or None."""
        self._ensure_loaded()
        model = self.current_model
        return self._evaluation_of(model)[0] if model is not None else None

    @property
    def current_model(self) -> ModelPredictions | None:
        index = self.model_combo.currentIndex()
        return self._models[index] if 0 <= index < len(self._models) else None

    @property
    def error(self) -> str:
        self._ensure_loaded()
        return self._error

    def set_dataset(self, dataset: Dataset | None) -> None:
        """Count, per cell, the clips that are on disk in ``dataset`` (None: do not count)."""
        if dataset is None:
            self._available = None
        else:
            table = dataset.table
            self._available = frozenset(table.loc[table["available"].to_numpy(dtype=bool),
                                                  "slice_file_name"].astype(str))
        self._fill()

    def set_models(self, models: list[ModelPredictions], current: ModelPredictions | None = None) -> None:
        """Offer ``models`` in the selector, showing ``current`` (default: the first)."""
        self._models = list(models)
        self._evaluations = {id(m): v for m, v in ((m, self._evaluations.get(id(m))) for m in models) if v}
        self._error = "" if models else self._error
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        for model in models:
            self.model_combo.addItem(model.display_name, model.name)
        self.model_combo.setCurrentIndex(models.index(current) if current in models else 0)
        self.model_combo.blockSignals(False)
        self.disagreement.set_models(models)
        self._show_model()

    def item_for(self, true_class: str, predicted: str):
        self._ensure_loaded()
        return self.table.item_for(true_class, predicted)

    def cell_filter(self, true_class: str, predicted: str) -> ClipFilter:
        """The filter for one cell of the matrix as shown (pooled or one fold)."""
        evaluation = self.evaluation
        names = evaluation.clips(true_class, predicted, self._folds) if evaluation else []
        return ClipFilter(names=names, names_label=cell_label(true_class, predicted, self._folds))

    # -- internals ----------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        self._ensure_loaded()
        super().showEvent(event)

    def _ensure_loaded(self) -> None:
        """With no models given, read the bundled model's (or ``model_dir``'s) predictions."""
        if self._models or self._error:
            return
        from audioscope.core.model.model_scores import bundled_predictions

        try:
            self.set_models([bundled_predictions(None, self._model_dir)])
        except EvaluationError as exc:
            self._error = str(exc)
            self._show_model()

    def _evaluation_of(self, model: ModelPredictions) -> tuple[Evaluation, dict]:
        if id(model) not in self._evaluations:
            from audioscope.core.model.model_scores import model_scores

            evaluation = Evaluation(model.table, model.source, model.baseline, model.display_name,
                                    model.probabilities)
            self._evaluations[id(model)] = (evaluation, model_scores(model))
        return self._evaluations[id(model)]

    def _show_model(self) -> None:
        model = self.current_model
        for widget in (self.bars, self.details):
            widget.setVisible(model is not None)
        if model is None:
            self.summary.setText(f"<b>The model's evaluation cannot be shown.</b><br>"
                                 f"{html.escape(self._error or 'No model is open.')}")
            return
        evaluation, scores = self._evaluation_of(model)
        macro_f1 = {fold: entry["macro_f1"] for fold, entry in scores["per_fold"].items()}
        macro_f1["mean"] = sum(macro_f1.values()) / len(macro_f1)
        self.bars.show_evaluation(evaluation, model.display_name, macro_f1)
        self.per_class.show_scores(scores["per_class"])
        self.fold_combo.blockSignals(True)
        self.fold_combo.clear()
        self.fold_combo.addItem("All folds", None)
        for fold in evaluation.folds:
            self.fold_combo.addItem(f"Fold {fold}", fold)
        self._folds = None
        self.fold_combo.blockSignals(False)
        self._fill()

    def _fill(self) -> None:
        model = self.current_model
        if model is None:
            return
        evaluation, scores = self._evaluation_of(model)
        self.table.show_matrix(evaluation, self._folds, self._available, self.scale_combo.currentIndex() == 1)
        whose = "Bundled model" if model.bundle_dir is not None and model.title.startswith("audioscope") \
            else model.display_name
        kind = ("leave-one-fold-out: each clip predicted by the model that never saw its fold"
                if model.bundle_dir is not None else f"predictions read from {model.source}")
        text = (f"<b>{html.escape(whose)}</b>, {html.escape(kind)}; {folds_text(evaluation.folds)}, "
                f"{evaluation.n_clips} clips, accuracy {percent(evaluation.accuracy)}, macro-F1 "
                f"{scores['macro_f1']:.3f} over all of them.")
        if model.missing:
            text += f" {model.missing} clips of the metadata have no prediction."
        if self._available is not None:
            on_disk = int(evaluation.table["slice_file_name"].isin(self._available).sum())
            text += f" {on_disk} of these clips are on disk in the open dataset."
        self.summary.setText(text)

    def _on_model_chosen(self, _index: int) -> None:
        self._show_model()
        if self.current_model is not None:
            self.model_chosen.emit(self.current_model)

    def _on_fold_chosen(self, _index: int) -> None:
        fold = self.fold_combo.currentData()
        self._folds = None if fold is None else (int(fold),)
        self._fill()

    def _on_cell_chosen(self, true_class: str, predicted: str) -> None:
        clip_filter = self.cell_filter(true_class, predicted)
        if clip_filter.names:
            self.cell_clicked.emit(clip_filter)
