""""Unlike any training clip": how far a clip lies from the nearest training clip.

A classifier always names one of its ten classes, even for a tone or a cough. A bundle keeps
its training clips' aiSFX mean embeddings (``Recipe.novelty_columns``), scaled to unit length
(float16, 1 kB a clip), and a threshold: the distance to the nearest clip of *another* fold
that 99 % of the training clips stay within. An input farther from every training clip than
that is flagged ``unfamiliar``. A dataset clip of fold N is measured against the clips of the
other folds (as the model that never saw fold N was trained), any other file against all.

Why this space (measured on folds 1–2, docs/classifier.md): of the parts of the embedding
vector, aiSFX's mean alone separates tones, sweeps and silence from the training clips, while
white and brown noise stay within reach of air conditioners and engines, as they should; the
whole 3072-value vector does too, at six times the size; projections on principal components
(of any part) lose what sets those inputs apart — the directions training clips do not vary in.

Stored as ``novelty.npz`` (arrays only, no pickle) beside the models.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

FILE_NAME = "novelty.npz"
QUANTILE = 0.99


@dataclass(frozen=True, eq=False)
class Novelty:
    """Reference clips (unit vectors) and threshold of one bundle."""

    columns: tuple[int, int]    # [start, stop) of the vector part compared
    reference: np.ndarray       # (n, stop - start) float16 unit vectors of the training clips
    folds: np.ndarray           # (n,) their folds
    threshold: float

    def nearest_distance(self, vectors: np.ndarray, fold: int | None = None) -> np.ndarray:
        """Distance of each vector to its nearest training clip (of another fold than ``fold``)."""
        points = _unit(np.atleast_2d(vectors)[:, self.columns[0]:self.columns[1]])
        others = self.folds != fold
        reference = self.reference if fold is None or not others.any() else self.reference[others]
        return _nearest(points, reference.astype(np.float32))

    def unfamiliar(self, vectors: np.ndarray, fold: int | None = None) -> np.ndarray:
        return self.nearest_distance(vectors, fold) > self.threshold

    def save(self, path: Path) -> None:
        with open(path, "wb") as f:
            np.savez_compressed(f, columns=np.array(self.columns), reference=self.reference,
                                folds=self.folds, threshold=np.array(self.threshold))

    @classmethod
    def load(cls, path: Path) -> Novelty:
        with np.load(path, allow_pickle=False) as data:
            start, stop = (int(c) for c in data["columns"])
            return cls((start, stop), data["reference"], data["folds"], float(data["threshold"]))


def fit_novelty(X: np.ndarray, folds: np.ndarray, columns: tuple[int, int],
                quantile: float = QUANTILE) -> Novelty:
    """Keep the training vectors' ``columns`` and set the threshold at ``quantile`` of the
    distances from each clip to the nearest clip of another fold."""
    reference = _unit(X[:, columns[0]:columns[1]]).astype(np.float16)
    distances = np.empty(len(X))
    as_float = reference.astype(np.float32)
    for fold in np.unique(folds):
        inside = folds == fold
        distances[inside] = _nearest(as_float[inside], as_float[~inside])
    return Novelty(columns, reference, np.asarray(folds, dtype=np.int16),
                   float(np.quantile(distances, quantile)))


def _unit(X: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return (X / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def _nearest(points: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Euclidean distance from each point to its nearest reference row, in blocks."""
    ref_sq = np.einsum("ij,ij->i", reference, reference)
    out = np.empty(len(points))
    for start in range(0, len(points), 512):
        block = points[start:start + 512]
        d2 = np.einsum("ij,ij->i", block, block)[:, None] - 2 * block @ reference.T + ref_sq[None, :]
        out[start:start + 512] = np.sqrt(np.maximum(d2.min(axis=1), 0))
    return out
