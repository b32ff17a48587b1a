"""The numbers a model is judged by, from its predictions and the true classes: accuracy and
macro-F1 overall and per fold, precision / recall / F1 per class, the confusion matrix.

They are scikit-learn's own (``accuracy_score``, ``f1_score(average="macro")``,
``precision_recall_fscore_support``, ``confusion_matrix``): whoever compares them with their
own notebook finds the same values. Keys as ``audioscope evaluate --json`` prints them.
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
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    table = predictions.table
    true, predicted = table["true"].to_numpy(dtype=object), table["predicted"].to_numpy(dtype=object)
    folds = table["fold"].to_numpy(dtype=np.int64)
    per_fold = {}
    for fold in sorted(set(folds.tolist())):
        rows = folds == fold
        per_fold[str(fold)] = {"clips": int(rows.sum()),
                               "accuracy": float(accuracy_score(true[rows], predicted[rows])),
                               "macro_f1": float(f1_score(true[rows], predicted[rows], average="macro"))}
    precision, recall, f1, support = precision_recall_fscore_support(
        true, predicted, labels=list(CLASS_NAMES), zero_division=0)
    per_class = {name: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                        "support": int(support[i])} for i, name in enumerate(CLASS_NAMES)}
    return {"name": predictions.name, "clips": len(table), "missing": predictions.missing,
            "accuracy": float(accuracy_score(true, predicted)),
            "macro_f1": float(f1_score(true, predicted, average="macro")),
            "per_fold": per_fold, "per_class": per_class,
            "confusion": {"labels": list(CLASS_NAMES),
                          "matrix": confusion_matrix(true, predicted, labels=list(CLASS_NAMES)).tolist()}}


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
