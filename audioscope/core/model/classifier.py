"""The bundled classifier: load a model bundle safely, route clips to the right model, predict.

A bundle is a folder with ``model_card.json`` and one joblib file per model: ``final``
(trained on every available fold) and ``without_fold_N`` (trained on all folds but N). A
dataset clip of fold N is predicted by ``without_fold_N`` when there is one, so its
probabilities come from a model that never saw its fold; other files use ``final``. A model
of the embeddings recipe also has its arrays in ``<key>.npz`` (``logistic_arrays``), which is
what is loaded: predicting then needs numpy alone, not scikit-learn.

joblib files are pickles and run code when loaded: only the bundle shipped in resources/
loads without ``trust=True``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from audioscope.core.dataset.metadata import CLASS_NAMES
from audioscope.core.model.bundle_files import (  # noqa: F401 (re-exported)
    CARD_FORMAT,
    CARD_NAME,
    ModelLoadError,
    ModelVersionWarning,
    UntrustedModelError,
    check_card,
    check_embedding_models,
    load_model,
    load_novelty,
    warn_on_version_change,
)
from audioscope.core.model.calibration import scaled
from audioscope.core.model.fast_predict import SoftVote
from audioscope.core.model.novelty import Novelty
from audioscope.core.model.recipes import Recipe, recipe_of_version
from audioscope.core.model.stats_recipe import COARSE_PARAMS, SignalStats
from audioscope.core.signal.features import FeatureParams, Features
from audioscope.core.store.cache import FeatureCache
from audioscope.core.store.resources import resource_path

if TYPE_CHECKING:
    from audioscope.core.store.cached_analysis import Analysis


def bundled_model_dir() -> Path:
    return resource_path("model")


def model_key_for_fold(fold: int) -> str:
    return f"without_fold_{fold}"


@dataclass(frozen=True)
class Prediction:
    """Probabilities for all classes (in CLASS_NAMES order) and which model gave them."""

    probabilities: dict[str, float]
    model: str
    unfamiliar: bool | None = None      # farther from every training clip than 99 % of them
    #                                     are from another fold's (core.model.novelty); None: unknown
    bundle: str = ""                    # the bundle folder's name, for one not shipped with audioscope

    @property
    def predicted(self) -> str:
        return max(self.probabilities, key=self.probabilities.__getitem__)

    @property
    def confidence(self) -> float:
        return self.probabilities[self.predicted]

    def ranked(self) -> list[tuple[str, float]]:
        return sorted(self.probabilities.items(), key=lambda kv: kv[1], reverse=True)

    def describe_model(self) -> str:
        which = ("the final model (all training folds)" if self.model == "final"
                 else f"the model trained without fold {self.model.rsplit('_', 1)[1]}")
        return f"{which} of {self.bundle}" if self.bundle else which


class ModelBundle:
    """Loaded models plus their card."""

    def __init__(self, directory: Path, card: dict, models: dict[str, object],
                 novelty: Novelty | None = None) -> None:
        self.directory = directory
        self.card = card
        self.models = models
        self.novelty = novelty
        self.temperature = float(card.get("calibration", {}).get("temperature", 1.0))
        self.feature_params = FeatureParams(**card["feature_params"])
        self.recipe: Recipe = recipe_of_version(card["recipe"])
        # numpy twins of the models (same probabilities, checked), 4x faster per clip
        self._fast = {key: SoftVote.of(model) for key, model in models.items()}

    def model_key(self, fold: int | None) -> str:
        """``without_fold_N`` for a dataset clip of fold N when the bundle has it, else ``final``."""
        key = model_key_for_fold(fold) if fold is not None else "final"
        return key if key in self.models else "final"

    def predict_vector(self, vector: np.ndarray, fold: int | None = None) -> Prediction:
        vector = np.asarray(vector, dtype=np.float64).reshape(1, -1)
        full = self.predict_matrix(vector, fold)[0]
        unfamiliar = None if self.novelty is None else bool(self.novelty.unfamiliar(vector, fold)[0])
        shipped = self.directory.resolve() == bundled_model_dir().resolve()
        return Prediction({name: float(p) for name, p in zip(CLASS_NAMES, full)}, self.model_key(fold),
                          unfamiliar, "" if shipped else self.directory.name)

    def predict_matrix(self, vectors: np.ndarray, fold: int | None = None) -> np.ndarray:
        """Calibrated probabilities (n, 10) in CLASS_NAMES order for the recipe's clip vectors."""
        key = self.model_key(fold)
        model = self._fast[key] or self.models[key]
        vectors = np.asarray(vectors, dtype=np.float64)
        if not np.isfinite(vectors).all():
            raise ValueError("the clip's features are not finite numbers (extreme sample values?)")
        proba = model.predict_proba(vectors)
        full = np.zeros((proba.shape[0], len(CLASS_NAMES)))
        full[:, np.asarray(model.classes_, dtype=int)] = proba
        return full if self.temperature == 1.0 else scaled(full, self.temperature)

    @property
    def feature_sets(self) -> tuple[FeatureParams, ...]:
        """The feature sets the recipe needs besides the signal (none for embeddings)."""
        return (self.feature_params, COARSE_PARAMS) if self.recipe.uses_statistics else ()

    def vectors(self, signals: list[np.ndarray], analyses: list[tuple[Features, ...]] | None = None
                ) -> np.ndarray:
        """The recipe's vectors of analysis signals (at ``feature_params.sample_rate``), with
        their ``feature_sets`` when the recipe uses statistics (computed here when not given)."""
        if self.recipe.uses_statistics and analyses is None:
            from audioscope.core.signal.features import compute_feature_sets

            analyses = [compute_feature_sets(s, self.feature_sets, with_envelope=False) for s in signals]
        if self.recipe.uses_statistics and any(a[0].params != self.feature_params for a in analyses):
            raise ValueError("features were computed with other parameters than the model's")
        analyses = analyses or [(None, None)] * len(signals)
        return self.recipe.vectors(signals, self.feature_params.sample_rate,
                                   [SignalStats.of(s) for s in signals],
                                   [a[0] for a in analyses], [a[1] for a in analyses])

    def predict_signal(self, signal: np.ndarray, fold: int | None = None,
                       analysis: tuple[Features, ...] | None = None) -> Prediction:
        """Predict from an analysis signal (and its ``feature_sets``, when already computed)."""
        return self.predict_vector(self.vectors([signal], None if analysis is None else [analysis])[0], fold)

    def predict_file(self, path: str | Path, fold: int | None = None,
                     cache: FeatureCache | None = None) -> Prediction:
        """Decode, analyse and predict one file (raises AudioLoadError for unreadable files)."""
        return self.predict_file_analysis(path, fold, cache)[0]

    def predict_file_analysis(self, path: str | Path, fold: int | None = None,
                              cache: FeatureCache | None = None) -> tuple[Prediction, Analysis]:
        """``predict_file``, with the analysis it came from (the clip and its warnings)."""
        from audioscope.core.store.cached_analysis import analyse_file

        also = (COARSE_PARAMS,) if self.recipe.uses_statistics else ()
        analysis = analyse_file(path, self.feature_params, cache, also=also, keep_samples=False,
                                digest=cache is not None)
        sets = (analysis.features, *analysis.extra) if self.recipe.uses_statistics else None
        vector = self.cached_vector(analysis.clip.signal, analysis.clip.digest, cache, sets)
        return self.predict_vector(vector, fold), analysis

    def cached_vector(self, signal: np.ndarray, digest: str | None, cache: FeatureCache | None,
                      analysis: tuple[Features, ...] | None = None) -> np.ndarray:
        """The recipe's vector of an analysis signal, read from ``cache``'s vector store under
        ``digest`` (the SHA-256 of the bytes decoded) when there, else computed and stored."""
        key = self.recipe.vector_key(digest, self.feature_params) if digest and cache is not None else None
        if key is not None:
            stored = cache.vectors.load(key)
            if stored is not None and stored.shape == (self.recipe.vector_length,):
                return stored
        vector = self.vectors([signal], None if analysis is None else [analysis])[0]
        if key is not None and np.isfinite(vector).all():
            cache.vectors.save_many([(key, vector)])
        return vector


def load_bundle(directory: str | Path | None = None, trust: bool = False) -> ModelBundle:
    """Load the bundle in ``directory`` (default: the one shipped in resources/model).

    A bundle from anywhere else needs ``trust=True``: loading runs code from its files.
    """
    bundled = bundled_model_dir()
    directory = Path(directory) if directory is not None else bundled
    if not trust and directory.resolve() != bundled.resolve():
        raise UntrustedModelError(
            f"{directory}: refusing to load a model from outside audioscope's resources — model "
            f"files are pickles and run code when loaded. Pass --trust-model if you made it.")
    card_path = directory / CARD_NAME
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelLoadError(f"{card_path}: not found — not a model bundle "
                             f"(make one with `audioscope train`)") from None
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"{card_path}: unreadable ({exc})") from None
    check_card(card, card_path)
    warn_on_version_change(card, card_path)
    check_embedding_models(card, card_path)
    models = {key: load_model(directory, key, entry, card) for key, entry in card["models"].items()}
    return ModelBundle(directory, card, models, load_novelty(directory, card))


_shared_lock = threading.Lock()
_shared: ModelBundle | None = None


_chosen: ModelBundle | None = None


def shared_bundle() -> ModelBundle:
    """The model the window predicts with: the one chosen by ``use_shared_bundle``, else the
    bundled model, loaded once per process (thread-safe; call it from a worker)."""
    global _shared
    with _shared_lock:
        if _chosen is not None:
            return _chosen
        if _shared is None:
            _shared = load_bundle()
        return _shared


def use_shared_bundle(bundle: ModelBundle | None) -> None:
    """Predict with ``bundle`` (e.g. one the user opened and trusted); None: the bundled model."""
    global _chosen
    with _shared_lock:
        _chosen = bundle
