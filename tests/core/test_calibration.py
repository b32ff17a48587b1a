"""Expected calibration error, reliability bins and temperature scaling."""

from __future__ import annotations

import numpy as np

from audioscope.core.model.calibration import (
    calibrate,
    expected_calibration_error,
    fit_temperature,
    reliability_bins,
    scaled,
)


def test_ece_by_hand() -> None:
    # four clips, two bins used: confidence 0.9 (right, wrong) and 0.6 (right, right)
    p = np.array([[0.9, 0.1], [0.1, 0.9], [0.6, 0.4], [0.4, 0.6]])
    labels = np.array([0, 0, 0, 1])
    bins = reliability_bins(p, labels, n_bins=10)
    assert bins["clips"][9] == 2 and bins["clips"][6] == 2 and sum(bins["clips"]) == 4   # [0.9, 1], [0.6, 0.7)
    assert bins["accuracy"][9] == 0.5 and bins["accuracy"][6] == 1.0 and bins["accuracy"][0] is None
    # |0.9 - 0.5| * 2/4 + |0.6 - 1.0| * 2/4
    assert abs(expected_calibration_error(p, labels, n_bins=10) - 0.4) < 1e-12


def test_temperature_recovers_overconfidence_and_keeps_every_prediction() -> None:
    rng = np.random.default_rng(0)
    n, k = 4000, 10
    true_logits = rng.normal(size=(n, k)) * 2
    probs = np.exp(true_logits) / np.exp(true_logits).sum(1, keepdims=True)
    labels = np.array([rng.choice(k, p=row) for row in probs])      # calibrated by construction
    sharp = scaled(probs, 0.5)                                       # twice too sure
    assert abs(fit_temperature(sharp, labels) - 2.0) < 0.15
    folds = np.arange(n) % 2 + 1
    result = calibrate(sharp, labels, folds)
    assert result["method"] == "temperature scaling"
    assert result["ece_calibrated_cross_fitted"] < result["ece_uncalibrated"] / 2
    assert (scaled(sharp, result["temperature"]).argmax(1) == sharp.argmax(1)).all()


def test_well_calibrated_probabilities_are_left_alone() -> None:
    rng = np.random.default_rng(1)
    probs = rng.dirichlet(np.ones(10) * 0.3, size=3000)
    labels = np.array([rng.choice(10, p=row) for row in probs])
    result = calibrate(probs, labels, np.arange(3000) % 2 + 1)
    assert abs(np.log(fit_temperature(probs, labels))) < 0.1
    assert result["ece_uncalibrated"] < 0.05
