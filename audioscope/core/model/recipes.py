"""The recipes a classifier is trained on: what one clip's vector holds, and the model over it.

* ``embeddings`` (the default): pretrained embeddings of BirdNET V2.4 and aiSFX pooled over
  the clip (``embedding.clip_embedding``), a standardised logistic regression over them.
* ``stats``: audioscope's 807 hand-made statistics (``recipe``) and their soft vote.

A recipe's ``version`` names its vectors in the cache and its models in a bundle's card:
bump it when the vectors change. docs/classifier.md has the comparison that chose them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from audioscope.core.model import stats_recipe
from audioscope.core.model.stats_recipe import SignalStats
from audioscope.core.signal.features import FeatureParams, Features
from audioscope.core.store.cache import FeatureCache


@dataclass(frozen=True)
class Recipe:
    """How clip vectors are made and which model learns from them."""

    name: str
    version: str
    vector_length: int
    uses_statistics: bool       # needs the two feature sets (``stats_recipe.COARSE_PARAMS``)
    uses_embeddings: bool       # needs the clips' signals and the embedding models
    summary: str
    novelty_columns: tuple[int, int] | None = None   # the part "unlike any training clip" compares

    def vector_key(self, digest: str, params: FeatureParams) -> str:
        """The vector store key of a file's vector of this recipe: content, parameters, recipe."""
        return FeatureCache.key(digest, params.key(), kind=self.cache_kind)

    def vectors(self, signals: Sequence[np.ndarray] | None, sample_rate: int,
                stats: Sequence[SignalStats] = (), features: Sequence[Features] = (),
                coarse: Sequence[Features] = ()) -> np.ndarray:
        """(n_clips, vector_length) float64 vectors. ``signals`` (mono, at ``sample_rate``)
        are needed for embeddings; ``stats``, ``features`` and ``coarse`` for statistics."""
        parts = []
        if self.uses_embeddings:
            from audioscope.core.model.embedding.clip_embedding import embedding_vectors

            parts.append(embedding_vectors(signals, sample_rate))
        if self.uses_statistics:
            parts.append(stats_recipe.clip_vectors_of(stats, features, coarse))
        return np.concatenate(parts, axis=1) if len(parts) > 1 else parts[0]

    @property
    def cache_kind(self) -> str:
        """What names this recipe's vectors in the cache: its version and, for embeddings, the
        digests of the model files (rebuilt models must not meet vectors of the old ones)."""
        if not self.uses_embeddings:
            return self.version
        from audioscope.core.model.embedding.runtime import model_digests

        return ":".join([self.version, *(digest[:16] for digest in model_digests())])

    def make_model(self, n_samples: int | None = None, random_state: int = 0):
        """A fresh, unfitted classifier for ``n_samples`` vectors of this recipe."""
        if self.name == "stats":
            return stats_recipe.make_model(n_samples, random_state)
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        return make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=3000))


EMBEDDINGS = Recipe("embeddings", "clip-embeddings-1", 3072, uses_statistics=False,
                    uses_embeddings=True,
                    summary="BirdNET V2.4 + aiSFX embeddings (mean and max over the clip), "
                            "standardised logistic regression",
                    novelty_columns=(2048, 2560))     # aiSFX's mean (see core.model.novelty)
STATS = Recipe("stats", stats_recipe.RECIPE_VERSION, stats_recipe.VECTOR_LENGTH,
               uses_statistics=True, uses_embeddings=False,
               summary="807 clip statistics, soft vote of logistic regression and RBF SVM")
RECIPES = {r.name: r for r in (EMBEDDINGS, STATS)}
DEFAULT_RECIPE = EMBEDDINGS


def recipe_named(name: str) -> Recipe:
    """The recipe called ``name`` (ValueError listing the known ones)."""
    try:
        return RECIPES[name]
    except KeyError:
        raise ValueError(f"unknown recipe {name!r}; known: {', '.join(RECIPES)}") from None


def recipe_of_version(version: str) -> Recipe | None:
    """The recipe whose vectors are ``version``, or None if this audioscope has none."""
    return next((r for r in RECIPES.values() if r.version == version), None)
