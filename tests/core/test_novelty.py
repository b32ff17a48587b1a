"""The "unlike any training clip" flag: the threshold, folds kept apart, and the saved file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from audioscope.core.model.novelty import Novelty, fit_novelty


def _clusters(rng, n_per=200, d=16):
    centres = rng.normal(size=(5, d)) * 4
    X = np.concatenate([c + rng.normal(size=(n_per, d)) for c in centres])
    X = np.abs(X)                                   # embeddings are non-negative
    folds = np.tile([1, 2], len(X) // 2)
    return np.hstack([rng.random((len(X), 3)), X]), folds     # columns 3.. are compared


def test_threshold_flags_one_percent_of_training_clips_and_far_points(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X, folds = _clusters(rng)
    novelty = fit_novelty(X, folds, columns=(3, X.shape[1]))
    flagged = np.concatenate([novelty.unfamiliar(X[folds == f], fold=f) for f in (1, 2)])
    assert 0.002 <= flagged.mean() <= 0.03
    far = np.zeros((3, X.shape[1]))
    far[:, 3] = 50.0                                # all energy in one direction no clip has
    far[1, 4] = 50.0
    far[2, 3:] = 0.0                                # silence: the zero vector
    assert novelty.unfamiliar(far).all()
    novelty.save(tmp_path / "novelty.npz")
    again = Novelty.load(tmp_path / "novelty.npz")
    assert again.threshold == novelty.threshold and again.columns == (3, X.shape[1])
    np.testing.assert_array_equal(again.nearest_distance(X[:20]), novelty.nearest_distance(X[:20]))


def test_a_training_clip_is_measured_against_the_other_folds_only() -> None:
    rng = np.random.default_rng(1)
    X, folds = _clusters(rng)
    novelty = fit_novelty(X, folds, columns=(3, X.shape[1]))
    assert novelty.nearest_distance(X[:1])[0] < 1e-3                  # itself, when all count
    assert novelty.nearest_distance(X[:1], fold=int(folds[0]))[0] > 1e-3
