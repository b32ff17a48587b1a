"""The bundled model's leave-one-fold-out results, from its out-of-fold predictions.

A model bundle holds ``cv_predictions.csv``: one row per training clip (``slice_file_name``,
``fold``, ``classID``, ``class``, ``predicted``, ``confidence``), each clip predicted by the
model trained without its fold. ``load_evaluation`` turns it into per-fold accuracies, the
confusion matrix and, per matrix cell, the clips in it. The tutorial baseline, when the
training run measured it, is read from the bundle's ``model_card.json``.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from audioscope.core.dataset.metadata import CLASS_NAMES
from audioscope.core.model.classifier import CARD_NAME, ModelLoadError, bundled_model_dir

if TYPE_CHECKING:                  # imported where used: the window paints before pandas loads
    import pandas as pd

PREDICTIONS_NAME = "cv_predictions.csv"
REQUIRED_COLUMNS = ("slice_file_name", "fold", "class", "predicted")


class EvaluationError(ModelLoadError):
    """The bundle's out-of-fold predictions cannot be used; the message says which file and why."""


@dataclass(frozen=True)
class Baseline:
    """Another recipe's leave-one-fold-out accuracies on the same clips (the card's ``baseline``)."""

    label: str
    fold_accuracy: dict[int, float]
    mean_accuracy: float


class Evaluation:
    """Out-of-fold predictions of a model bundle and the numbers derived from them.

    ``table`` has columns ``slice_file_name``, ``fold``, ``true`` and ``predicted`` (class
    names). Matrices are indexed [true class, predicted class] in ``CLASS_NAMES`` order.
    """

    def __init__(self, table: pd.DataFrame, source: Path, baseline: Baseline | None = None,
                 model_name: str = "", probabilities: np.ndarray | None = None) -> None:
        self.table = table
        self.source = source
        self.baseline = baseline
        self.model_name = model_name  # e.g. "VotingClassifier", from the model card
        # (n, 10) out-of-fold probabilities in CLASS_NAMES order, when the file has them
        self.probabilities = probabilities
        self._true = table["true"].map(CLASS_NAMES.index).to_numpy(dtype=np.int64)
        self._predicted = table["predicted"].map(CLASS_NAMES.index).to_numpy(dtype=np.int64)
        self._fold = table["fold"].to_numpy(dtype=np.int64)
        self.folds: tuple[int, ...] = tuple(sorted(set(self._fold.tolist())))
        self.fold_counts: dict[int, int] = {f: int((self._fold == f).sum()) for f in self.folds}
        correct = self._true == self._predicted
        self.fold_accuracy: dict[int, float] = {
            f: float(correct[self._fold == f].mean()) for f in self.folds}
        self.accuracy = float(correct.mean())  # all clips pooled
        values = np.array(list(self.fold_accuracy.values()))
        self.mean_accuracy = float(values.mean())  # mean of the folds, as the model card reports
        self.std_accuracy = float(values.std())
        self.confusion = self.confusion_for()

    @property
    def n_clips(self) -> int:
        return len(self.table)

    def confusion_for(self, folds: Iterable[int] | None = None,
                      among: Collection[str] | None = None) -> np.ndarray:
        """The 10 × 10 matrix of clip counts of ``folds`` (all folds when None), counting only
        clips whose file name is in ``among`` when it is given (e.g. the files on disk)."""
        rows = self._rows(folds)
        if among is not None:
            rows &= self.table["slice_file_name"].isin(among).to_numpy(dtype=bool)
        matrix = np.zeros((len(CLASS_NAMES), len(CLASS_NAMES)), dtype=np.int64)
        np.add.at(matrix, (self._true[rows], self._predicted[rows]), 1)
        return matrix

    def clips(self, true_class: str, predicted_class: str,
              folds: Iterable[int] | None = None) -> list[str]:
        """File names of the clips of ``true_class`` predicted as ``predicted_class``, in csv order."""
        rows = (self._rows(folds) & (self._true == CLASS_NAMES.index(true_class))
                & (self._predicted == CLASS_NAMES.index(predicted_class)))
        return self.table["slice_file_name"].to_numpy(dtype=object)[rows].tolist()

    def _rows(self, folds: Iterable[int] | None) -> np.ndarray:
        if folds is None:
            return np.ones(len(self._fold), dtype=bool)
        return np.isin(self._fold, np.fromiter((int(f) for f in folds), dtype=np.int64))


def load_evaluation(model_dir: str | Path | None = None) -> Evaluation:
    """Read ``cv_predictions.csv`` (and the model name and baseline in ``model_card.json``) of a
    model bundle."""
    import pandas as pd
    directory = Path(model_dir) if model_dir is not None else bundled_model_dir()
    path = directory / PREDICTIONS_NAME
    if not path.is_file():
        raise EvaluationError(f"{path}: not found — the model bundle has no out-of-fold predictions")
    try:
        # header=None: the header line fixes the field count, so longer rows are errors
        frame = pd.read_csv(path, header=None, dtype=str, keep_default_na=False, encoding="utf-8",
                            index_col=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError,
            ValueError) as exc:
        raise EvaluationError(f"{path}: cannot be read as a CSV table ({str(exc).strip()})") from None
    frame.columns = [str(c).strip() for c in frame.iloc[0]]      # the header line
    frame = frame.iloc[1:].reset_index(drop=True)
    card = _read_card(directory / CARD_NAME)
    name = card.get("model", "")
    name = name if isinstance(name, str) else ""
    return Evaluation(_validated(frame, path), path, _baseline_of(card), name, _probabilities(frame))


def _validated(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    import pandas as pd
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise EvaluationError(f"{path}: missing column(s) {', '.join(missing)}")
    if frame.empty:
        raise EvaluationError(f"{path}: holds no predictions")
    table = pd.DataFrame({"slice_file_name": frame["slice_file_name"].str.strip(),
                          "true": frame["class"].str.strip(),
                          "predicted": frame["predicted"].str.strip(),
                          "confidence": pd.to_numeric(frame["confidence"].str.strip(), errors="coerce")
                          if "confidence" in frame.columns else np.nan})
    for column in ("true", "predicted"):
        unknown = sorted(set(table[column]) - set(CLASS_NAMES))
        if unknown:
            line = int(np.flatnonzero(~table[column].isin(CLASS_NAMES))[0]) + 2
            raise EvaluationError(f"{path}: line {line}: {unknown[0]!r} is not an UrbanSound8K class")
    folds = pd.to_numeric(frame["fold"].str.strip(), errors="coerce")
    bad = np.flatnonzero(~folds.isin(range(1, 11)).to_numpy())
    if bad.size:
        raise EvaluationError(f"{path}: line {bad[0] + 2}: fold {frame['fold'].iloc[bad[0]]!r} "
                              f"is not a number from 1 to 10")
    table["fold"] = folds.astype(np.int64)
    duplicated = table["slice_file_name"].duplicated()
    if duplicated.any():
        name = table["slice_file_name"][duplicated].iloc[0]
        raise EvaluationError(f"{path}: clip {name} is listed more than once")
    return table


def _probabilities(frame: pd.DataFrame) -> np.ndarray | None:
    """One column per class (bundles made since they are written), if all are usable numbers."""
    import pandas as pd
    if not all(name in frame.columns for name in CLASS_NAMES):
        return None
    values = frame[list(CLASS_NAMES)].apply(lambda c: pd.to_numeric(c.str.strip(), errors="coerce"))
    values = values.to_numpy(dtype=float)
    return values if np.isfinite(values).all() and (values >= 0).all() else None


def _read_card(path: Path) -> dict:
    """The model card, or {} when it cannot be read (the predictions still can)."""
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return card if isinstance(card, dict) else {}


def _baseline_of(card: dict) -> Baseline | None:
    """The tutorial recipe's cross-validation the training run measured, if it did."""
    try:
        entry = card["baseline"]
        cv = entry["cross_validation"]
        folds = {int(f): float(v["accuracy"]) for f, v in cv["folds"].items()}
        return Baseline(str(entry["label"]), folds, float(cv["mean_accuracy"]))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
