"""A fitted scaler → logistic regression pipeline as five numpy arrays, kept beside its joblib file.

Unpickling a scikit-learn pipeline imports scikit-learn with scipy's optimisers, its linear
algebra and pandas: 160 MB of the window's memory (152 → 312 MB, measured) for what is one
matrix product and a softmax per clip. ``audioscope train`` therefore also writes each model of
the embeddings recipe as ``<key>.npz`` (plain arrays, read with ``allow_pickle=False``), and a
bundle loads those without importing scikit-learn. ``of`` accepts only a pipeline whose
probabilities it reproduces on probe vectors to 1e-9; any other model keeps its joblib file alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

TOLERANCE = 1e-9
FIELDS = ("mean", "scale", "coef", "intercept", "classes")


class LogisticArrays:
    """``predict_proba`` of standardisation followed by a multinomial logistic regression."""

    def __init__(self, mean: np.ndarray, scale: np.ndarray, coef: np.ndarray,
                 intercept: np.ndarray, classes: np.ndarray) -> None:
        self.mean, self.scale = np.asarray(mean, np.float64), np.asarray(scale, np.float64)
        self.coef, self.intercept = np.asarray(coef, np.float64), np.asarray(intercept, np.float64)
        self.classes_ = np.asarray(classes)
        n_classes, n_features = self.coef.shape
        if (self.mean.shape != (n_features,) or self.scale.shape != (n_features,)
                or self.intercept.shape != (n_classes,) or self.classes_.shape != (n_classes,)
                or n_classes < 3 or self.classes_.dtype.kind not in "iu"):
            raise ValueError("the arrays do not fit together as a multi-class logistic regression")
        # one product per clip: ((x - mean) / scale) @ coef.T + intercept, folded together
        self._weights_t = (self.coef / self.scale).T
        self._offset = self.intercept - self.mean @ self._weights_t

    @classmethod
    def of(cls, model, n_probes: int = 8) -> LogisticArrays | None:
        """The arrays of a fitted StandardScaler → LogisticRegression pipeline when they give its
        probabilities, else None."""
        steps = getattr(model, "steps", None)
        if not steps or len(steps) != 2:
            return None
        (_, scaler), (_, logistic) = steps
        if type(scaler).__name__ != "StandardScaler" or type(logistic).__name__ != "LogisticRegression":
            return None
        try:
            scale = scaler.scale_ if scaler.scale_ is not None else np.ones_like(scaler.mean_)
            mean = scaler.mean_ if scaler.mean_ is not None else np.zeros_like(scale)
            arrays = cls(mean, scale, logistic.coef_, logistic.intercept_, model.classes_)
            probes = mean + scale * np.random.default_rng(0).normal(size=(n_probes, mean.size))
            if np.abs(arrays.predict_proba(probes) - model.predict_proba(probes)).max() > TOLERANCE:
                return None
        except (AttributeError, TypeError, ValueError):
            return None
        return arrays

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        decision = np.atleast_2d(np.asarray(X, dtype=np.float64)) @ self._weights_t + self._offset
        decision -= decision.max(axis=1, keepdims=True)
        np.exp(decision, out=decision)
        return decision / decision.sum(axis=1, keepdims=True)

    def save(self, path: Path) -> None:
        with open(path, "wb") as out:          # np.savez would add ".npz" to a name without it
            np.savez(out, mean=self.mean, scale=self.scale, coef=self.coef,
                     intercept=self.intercept, classes=self.classes_)

    @classmethod
    def load(cls, path: Path) -> LogisticArrays:
        """The arrays saved in ``path`` (OSError, or ValueError/KeyError for a file that is not
        ours — never unpickles anything)."""
        with np.load(path, allow_pickle=False) as saved:
            return cls(*(saved[name] for name in FIELDS))
