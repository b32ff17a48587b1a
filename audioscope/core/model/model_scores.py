"""The numbers a model is judged by, from its predictions and the true classes: accuracy and
macro-F1 overall and per fold, precision / recall / F1 per class, the confusion matrix.

They are scikit-learn's definitions (``accuracy_score``, ``f1_score(average="macro")`` — over
the classes present in the truth or the predictions —, ``precision_recall_fscore_support`` with
``zero_division=0``, ``confusion_matrix``), computed from the confusion matrix with numpy:
importing ``sklearn.metrics`` took 160 MB of the window's memory. The tests check them against
scikit-learn's own, so whoever compares with their notebook finds the same values. Keys as
``audioscope evaluate --json`` prints them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from audioscope.core.dataset.metadata import CLASS_NAMES
from audioscope.core.model.predictions_file import ModelPredictions

if TYPE_CHECKING:                  # imported where used: the window paints before pandas loads
    import pandas as pd


def model_scores(predictions: ModelPredictions) -> dict:
    """``{"name", "clips", "missing", "accuracy", "macro_f1", "per_fold", "per_class", "confusion"}``
    of one model; ``per_fold`` is keyed by the fold number as text."""
    table = predictions.table
    index = {name: i for i, name in enumerate(CLASS_NAMES)}
    true = np.array([index[c] for c in table["true"]], dtype=np.int64)
    predicted = np.array([index[c] for c in table["predicted"]], dtype=np.int64)
    folds = table["fold"].to_numpy(dtype=np.int64)
    per_fold = {}
    for fold in sorted(set(folds.tolist())):
        rows = folds == fold
        matrix = confusion(true[rows], predicted[rows])
        per_fold[str(fold)] = {"clips": int(rows.sum()), "accuracy": _accuracy(matrix),
                               "macro_f1": macro_f1(matrix)}
    matrix = confusion(true, predicted)
    precision, recall, f1, support = per_class_scores(matrix)
    per_class = {name: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                        "support": int(support[i])} for i, name in enumerate(CLASS_NAMES)}
    return {"name": predictions.name, "clips": len(table), "missing": predictions.missing,
            "accuracy": _accuracy(matrix), "macro_f1": macro_f1(matrix),
            "per_fold": per_fold, "per_class": per_class,
            "confusion": {"labels": list(CLASS_NAMES), "matrix": matrix.tolist()}}


def confusion(true: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """(10, 10) counts: rows the true class, columns the predicted one (class indices)."""
    matrix = np.zeros((len(CLASS_NAMES), len(CLASS_NAMES)), dtype=np.int64)
    np.add.at(matrix, (true, predicted), 1)
    return matrix


def per_class_scores(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall, F1 and support of each class; 0 where a ratio has no denominator."""
    hits = np.diag(matrix).astype(np.float64)
    support, chosen = matrix.sum(axis=1), matrix.sum(axis=0)
    ratio = lambda num, den: np.divide(num, den, out=np.zeros_like(hits), where=den > 0)  # noqa: E731
    return ratio(hits, chosen), ratio(hits, support), ratio(2 * hits, support + chosen), support


def macro_f1(matrix: np.ndarray) -> float:
    """The mean F1 over the classes that occur in the truth or the predictions."""
    present = (matrix.sum(axis=1) + matrix.sum(axis=0)) > 0
    return float(per_class_scores(matrix)[2][present].mean()) if present.any() else 0.0


def _accuracy(matrix: np.ndarray) -> float:
    return float(np.trace(matrix) / max(1, matrix.sum()))


def bundled_predictions(metadata: pd.DataFrame | None, model_dir: str | Path | None = None) -> ModelPredictions:
    """A model bundle's out-of-fold predictions (each clip by the model that never saw its
    fold; default: the bundled model) as ModelPredictions of the clips of ``metadata`` (all
    the bundle's clips when None)."""
    from audioscope.core.model.classifier import bundled_model_dir
    from audioscope.core.model.evaluation import load_evaluation

    directory = Path(model_dir) if model_dir is not None else bundled_model_dir()
    evaluation = load_evaluation(directory)
    names = evaluation.table["slice_file_name"]
    known = (names.isin(metadata["slice_file_name"]).to_numpy() if metadata is not None
             else np.ones(len(names), dtype=bool))
    table = evaluation.table[known][["slice_file_name", "fold", "true", "predicted", "confidence"]
                                    ].reset_index(drop=True)
    probabilities = evaluation.probabilities[known] if evaluation.probabilities is not None else None
    shipped = directory.resolve() == bundled_model_dir().resolve()
    model = evaluation.model_name or "model"
    name = "bundled model (out-of-fold)" if shipped else f"{directory} (out-of-fold)"
    title = f"audioscope model ({model})" if shipped else f"{directory.name} ({model})"
    return ModelPredictions(name, evaluation.source, table, probabilities,
                            len(metadata) - len(table) if metadata is not None else 0,
                            bundle_dir=directory, title=title, baseline=evaluation.baseline)


def disagreements(a: ModelPredictions, b: ModelPredictions) -> tuple[list[str], list[str]]:
    """(clips ``a`` gets right and ``b`` wrong, clips ``b`` gets right and ``a`` wrong), among
    the clips both predict, in ``a``'s order."""
    theirs = b.table.set_index("slice_file_name")["predicted"]
    names = a.table["slice_file_name"]
    other = names.map(theirs)
    both = other.notna().to_numpy()
    true = a.table["true"].to_numpy(dtype=object)
    a_right = a.table["predicted"].to_numpy(dtype=object) == true
    b_right = other.to_numpy(dtype=object) == true
    listed = names.to_numpy(dtype=object)
    return (listed[both & a_right & ~b_right].tolist(), listed[both & b_right & ~a_right].tolist())
