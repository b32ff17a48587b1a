"""Training end to end on a small subset of real clips, and leave-one-fold-out evaluation."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from us8k_subsets import clips_per_class_and_fold

from audioscope.core.dataset.metadata import CLASS_NAMES, Dataset
from audioscope.core.model.classifier import load_bundle
from audioscope.core.store.cache import FeatureCache
from audioscope.core.training.train import leave_one_fold_out, train


@pytest.fixture(scope="module")
def small_dataset(flac_root) -> Dataset:
    """4 clips per class in each of folds 1 and 2 (80 real clips)."""
    return clips_per_class_and_fold(flac_root, 4)


@pytest.fixture(scope="module")
def trained(small_dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle")
    return out, train(small_dataset, out, jobs=2, cache=FeatureCache(out.parent / "cache"))


def test_training_writes_a_loadable_bundle_with_an_honest_card(trained, small_dataset):
    out, result = trained
    card = json.loads((out / "model_card.json").read_text())
    assert set(card["models"]) == {"final", "without_fold_1", "without_fold_2"}
    assert card["models"]["without_fold_1"]["trained_on_folds"] == [2]
    assert card["models"]["final"]["trained_on_folds"] == [1, 2]
    assert card["models"]["final"]["n_clips"] == 80
    assert card["training_data"]["clips_per_fold"] == {"1": 40, "2": 40}
    assert card["classes"] == list(CLASS_NAMES)
    assert "CC BY-NC 3.0" in card["data_licence"]
    cv = card["cross_validation"]
    assert set(cv["folds"]) == {"1", "2"} and 0 <= cv["mean_accuracy"] <= 1
    assert np.array(cv["confusion_matrix"]).sum() == 80
    bundle = load_bundle(out, trust=True)
    clip = small_dataset.table.iloc[0]
    prediction = bundle.predict_file(clip["path"], fold=int(clip["fold"]))
    assert prediction.model == f"without_fold_{clip['fold']}"
    assert set(prediction.probabilities) == set(CLASS_NAMES)
    assert sum(prediction.probabilities.values()) == pytest.approx(1.0)
    predictions = (out / "cv_predictions.csv").read_text().splitlines()
    assert len(predictions) == 81 and predictions[0].startswith("slice_file_name,fold,classID")
    # the whole out-of-fold distribution, one column per class: what likely label errors need
    oof = pd.read_csv(out / "cv_predictions.csv")
    distribution = oof[list(CLASS_NAMES)].to_numpy()
    assert np.allclose(distribution.sum(axis=1), 1.0)
    assert (np.array(CLASS_NAMES)[distribution.argmax(axis=1)] == oof["predicted"]).all()
    assert np.allclose(distribution.max(axis=1), oof["confidence"])


def test_cross_validation_never_tests_on_a_training_fold(small_dataset):
    # A 1-nearest-neighbour model scores 100 % on clips it was trained on. If any test fold
    # leaked into training, accuracy on this data would be 1.0.
    from sklearn.neighbors import KNeighborsClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 5))
    y = small_dataset.table["classID"].to_numpy(int)
    folds = small_dataset.table["fold"].to_numpy(int)
    cv = leave_one_fold_out(X, y, folds, lambda _n: KNeighborsClassifier(1))
    assert cv.mean_accuracy < 0.5
    assert cv.n_clips == {1: 40, 2: 40}
    with pytest.raises(ValueError, match="at least two folds"):
        leave_one_fold_out(X[folds == 1], y[folds == 1], folds[folds == 1])
