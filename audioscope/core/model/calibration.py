"""Do the probabilities mean what they say? Expected calibration error, reliability bins, and
temperature scaling fitted on out-of-fold predictions.

ECE (15 equal-width bins of the top class's probability): the clip-weighted mean gap between
how confident the model was and how often it was right. Temperature scaling divides the log
probabilities by one number T before renormalising: it changes no prediction, only how sure
each one is. T is chosen to minimise the log loss of the out-of-fold predictions; its effect
is measured cross-fitted (T fitted on one fold's out-of-fold predictions, ECE measured on the
others), so the figure is not flattered by fitting T on what it is judged on.
"""

from __future__ import annotations

import numpy as np

N_BINS = 15


def reliability_bins(probabilities: np.ndarray, labels: np.ndarray, n_bins: int = N_BINS) -> dict:
    """Per confidence bin: clips, mean confidence and accuracy (None where a bin is empty)."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    index = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    counts = np.bincount(index, minlength=n_bins)
    mean_conf = np.bincount(index, confidence, n_bins)
    hits = np.bincount(index, correct.astype(float), n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {"edges": np.linspace(0, 1, n_bins + 1).round(6).tolist(), "clips": counts.tolist(),
                "confidence": [None if c == 0 else float(m / c) for m, c in zip(mean_conf, counts)],
                "accuracy": [None if c == 0 else float(h / c) for h, c in zip(hits, counts)]}


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray, n_bins: int = N_BINS) -> float:
    """ECE of the top-class probability over ``n_bins`` equal-width bins."""
    bins = reliability_bins(probabilities, labels, n_bins)
    total = sum(bins["clips"])
    return float(sum(n * abs(c - a) for n, c, a in zip(bins["clips"], bins["confidence"], bins["accuracy"])
                     if n) / max(total, 1))


def scaled(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities with their log divided by ``temperature`` and renormalised."""
    logits = np.log(np.clip(probabilities, 1e-12, 1.0)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    out = np.exp(logits)
    return out / out.sum(axis=1, keepdims=True)


def fit_temperature(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The temperature (0.05–20) minimising the log loss of ``probabilities`` on ``labels``."""
    from scipy.optimize import minimize_scalar

    rows = np.arange(len(labels))

    def log_loss(log_t: float) -> float:
        return -float(np.mean(np.log(scaled(probabilities, np.exp(log_t))[rows, labels] + 1e-12)))

    return float(np.exp(minimize_scalar(log_loss, bounds=(np.log(0.05), np.log(20)), method="bounded").x))


def calibrate(probabilities: np.ndarray, labels: np.ndarray, folds: np.ndarray) -> dict:
    """Fit a temperature on out-of-fold ``probabilities`` and measure what it does.

    Returns the card's ``calibration`` entry: the temperature (fitted on all of them), ECE and
    reliability bins before, and cross-fitted after; ``temperature`` is 1.0 when scaling does
    not lower the cross-fitted ECE.
    """
    after = np.empty_like(probabilities)
    for fold in np.unique(folds):
        held = folds == fold
        after[held] = scaled(probabilities[held], fit_temperature(probabilities[~held], labels[~held]))
    before_ece = expected_calibration_error(probabilities, labels)
    after_ece = expected_calibration_error(after, labels)
    used = after_ece < before_ece
    return {"method": "temperature scaling" if used else "none",
            "temperature": fit_temperature(probabilities, labels) if used else 1.0,
            "bins": N_BINS, "ece_uncalibrated": before_ece, "ece_calibrated_cross_fitted": after_ece,
            "reliability_uncalibrated": reliability_bins(probabilities, labels),
            "reliability_calibrated": reliability_bins(after, labels)}
