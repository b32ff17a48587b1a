"""Clips whose given label is probably wrong, from a model's out-of-fold probabilities.

Confident learning, as cleanlab implements it (``cleanlab.filter.find_label_issues``, pruned by
noise rate): per class, a threshold is the mean probability the model gives the class on
clips labelled with it; a clip counts towards "labelled i, really j" when its probability of
j passes j's threshold; the off-diagonal counts estimate how many labels are wrong in each
pair, and that many clips per pair, the least confident in their label, are flagged. Ranked
by self-confidence: the probability the model gives the clip's own label, lowest first.
The probabilities must come from models that never saw the clip (out-of-fold); the bundle's
are, and so are those of a predictions file made by cross-validation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audioscope.core.dataset.metadata import CLASS_NAMES
from audioscope.core.model.predictions_file import ModelPredictions


def label_issues(predictions: ModelPredictions) -> pd.DataFrame:
    """slice_file_name, fold, given, suggested (the most probable class), score (the
    probability of the given class: the lower, the likelier the label is wrong), ranked."""
    if predictions.probabilities is None:
        raise ValueError(f"{predictions.name}: gives predicted classes only; finding likely label "
                         f"errors needs one probability column per class")
    try:
        from cleanlab.filter import find_label_issues
    except ImportError:
        raise ValueError("finding likely label errors needs cleanlab: pip install cleanlab") from None

    table, probabilities = predictions.table, predictions.probabilities
    labels = table["true"].map(CLASS_NAMES.index).to_numpy(dtype=np.int64)
    ranked = find_label_issues(labels, probabilities, return_indices_ranked_by="self_confidence",
                               filter_by="prune_by_noise_rate", n_jobs=1)
    return pd.DataFrame({"slice_file_name": table["slice_file_name"].to_numpy(dtype=object)[ranked],
                         "fold": table["fold"].to_numpy(dtype=np.int64)[ranked],
                         "given": table["true"].to_numpy(dtype=object)[ranked],
                         "suggested": np.array(CLASS_NAMES, dtype=object)[probabilities[ranked].argmax(axis=1)],
                         "score": probabilities[ranked, labels[ranked]]})


def typical_clips(predictions: ModelPredictions, table: pd.DataFrame) -> dict[str, str]:
    """Per class, the clip on disk labelled with it that the model finds most typical of it
    (the highest probability of its own class): what to compare a doubtful clip with."""
    if predictions.probabilities is None:
        return {}
    on_disk = set(table.loc[table["available"].to_numpy(dtype=bool), "slice_file_name"])
    given = predictions.table["true"].to_numpy(dtype=object)
    names = predictions.table["slice_file_name"].to_numpy(dtype=object)
    usable = np.fromiter((n in on_disk for n in names), dtype=bool, count=len(names))
    typical = {}
    for j, name in enumerate(CLASS_NAMES):
        rows = np.flatnonzero((given == name) & usable)
        if rows.size:
            typical[name] = str(names[rows[predictions.probabilities[rows, j].argmax()]])
    return typical
