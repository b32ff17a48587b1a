"""A model's scores are scikit-learn's, computed without importing scikit-learn."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from audioscope.core.dataset.metadata import CLASS_NAMES
from audioscope.core.model.model_scores import bundled_predictions, model_scores


def _sklearn_scores(true: np.ndarray, predicted: np.ndarray, folds: np.ndarray) -> dict:
    labels = list(CLASS_NAMES)
    p, r, f, s = precision_recall_fscore_support(true, predicted, labels=labels, zero_division=0)
    return {"accuracy": accuracy_score(true, predicted),
            "macro_f1": f1_score(true, predicted, average="macro", zero_division=0),
            "per_fold": {str(k): {"clips": int((folds == k).sum()),
                                  "accuracy": accuracy_score(true[folds == k], predicted[folds == k]),
                                  "macro_f1": f1_score(true[folds == k], predicted[folds == k],
                                                       average="macro", zero_division=0)}
                         for k in np.unique(folds)},
            "per_class": {n: {"precision": p[i], "recall": r[i], "f1": f[i], "support": s[i]}
                          for i, n in enumerate(labels)},
            "matrix": confusion_matrix(true, predicted, labels=labels).tolist()}


@pytest.mark.parametrize("case", ["bundled", "never_predicts_two_classes", "a_fold_lacks_classes"])
def test_scores_equal_scikit_learns(case):
    model = bundled_predictions(None)
    table = model.table.copy()
    if case == "never_predicts_two_classes":           # gun shot and siren never chosen
        table.loc[table["predicted"].isin(["gun_shot", "siren"]), "predicted"] = "dog_bark"
    elif case == "a_fold_lacks_classes":               # fold 2 without car horns, in truth or predictions
        table = table[~((table["fold"] == 2) & ((table["true"] == "car_horn") | (table["predicted"] == "car_horn")))]
    model = dataclasses.replace(model, table=table.reset_index(drop=True))
    got = model_scores(model)
    true, predicted = table["true"].to_numpy(object), table["predicted"].to_numpy(object)
    want = _sklearn_scores(true, predicted, table["fold"].to_numpy())
    assert got["accuracy"] == pytest.approx(want["accuracy"], abs=1e-12)
    assert got["macro_f1"] == pytest.approx(want["macro_f1"], abs=1e-12)
    assert set(got["per_fold"]) == set(want["per_fold"])
    for fold, numbers in want["per_fold"].items():
        assert got["per_fold"][fold] == pytest.approx(numbers, abs=1e-12)
    for name in CLASS_NAMES:
        assert got["per_class"][name] == pytest.approx(want["per_class"][name], abs=1e-12)
    assert got["confusion"]["matrix"] == want["matrix"]


def test_scoring_the_bundled_model_leaves_scikit_learn_unimported():
    """What the Evaluation tab computes when a dataset opens; scikit-learn's import took 160 MB."""
    code = ("import json, sys\n"
            "from audioscope.core.model.model_scores import bundled_predictions, model_scores\n"
            "scores = model_scores(bundled_predictions(None))\n"
            "print(json.dumps({'accuracy': scores['accuracy'], 'sklearn': 'sklearn' in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["sklearn"] is False
    assert 0.6 < result["accuracy"] < 0.9
