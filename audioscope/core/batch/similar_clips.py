"""The clips nearest to a clip or any file in the classifier's vector space, by cosine distance.

The space is the bundled recipe's clip vectors (BirdNET + aiSFX embeddings), standardised per
dimension over the dataset's clips so that neither network's scale dominates, as for the
dataset map. Vectors come from the cache's vector store (``batch.vectors.extract_vectors``):
after `audioscope train`, `extract` or one dataset map, nothing is computed again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from audioscope.core.batch.clips_state import complete_rows
from audioscope.core.batch.vectors import Progress, extract_vectors
from audioscope.core.dataset.metadata import Dataset
from audioscope.core.model.recipes import DEFAULT_RECIPE
from audioscope.core.store.cache import FeatureCache

if TYPE_CHECKING:                  # imported where used: the window paints before pandas loads
    import pandas as pd

N_SIMILAR = 10


class SimilarClipsError(ValueError):
    """The file cannot be compared; the message names it and says why."""


@dataclass(eq=False)
class ClipIndex:
    """Unit vectors of a dataset's clips (row i: ``names[i]``) and the standardisation applied."""

    names: np.ndarray
    classes: np.ndarray
    folds: np.ndarray
    unit: np.ndarray          # (n, d) standardised, then scaled to length 1
    mean: np.ndarray
    scale: np.ndarray

    def nearest(self, vector: np.ndarray, k: int = N_SIMILAR, exclude: str | None = None) -> pd.DataFrame:
        """slice_file_name, class, fold, distance (1 − cosine similarity) of the ``k`` nearest
        clips to ``vector``, nearest first; ``exclude``: the clip itself, when it is one."""
        import pandas as pd
        query = (np.asarray(vector, dtype=np.float64) - self.mean) / self.scale
        norm = np.linalg.norm(query)
        distance = 1.0 - self.unit @ (query / norm if norm > 0 else query)
        if exclude is not None:
            distance = np.where(self.names == exclude, np.inf, distance)
        order = np.argsort(distance, kind="stable")[:k]
        order = order[np.isfinite(distance[order])]
        return pd.DataFrame({"slice_file_name": self.names[order], "class": self.classes[order],
                             "fold": self.folds[order], "distance": distance[order]})


def build_index(dataset: Dataset, cache: FeatureCache | None = None, progress: Progress | None = None,
                jobs: int = -1) -> ClipIndex:
    """The index of every available, readable clip of ``dataset``."""
    clips = dataset.table[dataset.table["available"].to_numpy(dtype=bool)]
    if clips.empty:
        raise SimilarClipsError(f"{dataset.root}: no clip of the dataset is on disk to compare with")
    X, _skipped = extract_vectors(clips["path"].tolist(), jobs=jobs, cache=cache, progress=progress,
                                  recipe=DEFAULT_RECIPE)
    ok = complete_rows(X)
    X, clips = X[ok].astype(np.float64), clips[ok]
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    unit = (X - mean) / scale
    norms = np.linalg.norm(unit, axis=1, keepdims=True)
    unit /= np.where(norms > 0, norms, 1.0)
    return ClipIndex(clips["slice_file_name"].to_numpy(dtype=object), clips["class"].astype(str).to_numpy(dtype=object),
                     clips["fold"].to_numpy(dtype=np.int64), unit, mean, scale)


def similar_to_file(path: str | Path, index: ClipIndex, cache: FeatureCache | None = None,
                    k: int = N_SIMILAR, itself: str | None = None) -> pd.DataFrame:
    """The ``k`` clips of ``index`` nearest to the audio file ``path``, leaving out ``itself``
    (its slice_file_name when it is a dataset clip), or SimilarClipsError naming the file."""
    path = Path(path)
    X, skipped = extract_vectors([str(path)], jobs=1, cache=cache, recipe=DEFAULT_RECIPE)
    if skipped or not complete_rows(X).all():
        reason = skipped[0] if skipped else "its vector could not be computed"
        raise SimilarClipsError(f"{path}: {reason}")
    return index.nearest(X[0], k, exclude=itself)
