"""The bundled classifier: load a model bundle safely, route clips to the right model, predict.

A bundle is a folder with ``model_card.json`` and one joblib file per model: ``final``
(trained on every available fold) and ``without_fold_N`` (trained on all folds but N). A
dataset clip of fold N is predicted by ``without_fold_N`` when there is one, so its
probabilities come from a model that never saw its fold; other files use ``final``.

joblib files are pickles and run code when loaded: only the bundle shipped in resources/
loads without ``trust=True``.
"""

from __future__ import annotations

import hashlib
import json
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from audioscope.core.cache import FeatureCache
from audioscope.core.dataset import CLASS_NAMES
from audioscope.core.fast_predict import SoftVote
from audioscope.core.features import FeatureParams, Features
from audioscope.core.recipe import COARSE_PARAMS, RECIPE_VERSION, clip_vector
from audioscope.core.resources import resource_path

if TYPE_CHECKING:
    from audioscope.core.analysis import Analysis

CARD_NAME = "model_card.json"
CARD_FORMAT = 1


class ModelLoadError(Exception):
    """A model bundle cannot be used; the message says which file and why."""


class UntrustedModelError(ModelLoadError):
    """A model from outside resources/ was given without the explicit trust flag."""


class ModelVersionWarning(UserWarning):
    """The bundle was made with other library versions than the ones installed."""


def bundled_model_dir() -> Path:
    return resource_path("model")


def model_key_for_fold(fold: int) -> str:
    return f"without_fold_{fold}"


@dataclass(frozen=True)
class Prediction:
    """Probabilities for all classes (in CLASS_NAMES order) and which model gave them."""

    probabilities: dict[str, float]
    model: str

    @property
    def predicted(self) -> str:
        return max(self.probabilities, key=self.probabilities.__getitem__)

    @property
    def confidence(self) -> float:
        return self.probabilities[self.predicted]

    def ranked(self) -> list[tuple[str, float]]:
        return sorted(self.probabilities.items(), key=lambda kv: kv[1], reverse=True)

    def describe_model(self) -> str:
        return ("the final model (all training folds)" if self.model == "final"
                else f"the model trained without fold {self.model.rsplit('_', 1)[1]}")


class ModelBundle:
    """Loaded models plus their card."""

    def __init__(self, directory: Path, card: dict, models: dict[str, object]) -> None:
        self.directory = directory
        self.card = card
        self.models = models
        self.feature_params = FeatureParams(**card["feature_params"])
        # numpy twins of the models (same probabilities, checked), 4x faster per clip
        self._fast = {key: SoftVote.of(model) for key, model in models.items()}

    def model_key(self, fold: int | None) -> str:
        """``without_fold_N`` for a dataset clip of fold N when the bundle has it, else ``final``."""
        key = model_key_for_fold(fold) if fold is not None else "final"
        return key if key in self.models else "final"

    def predict_vector(self, vector: np.ndarray, fold: int | None = None) -> Prediction:
        full = self.predict_matrix(np.asarray(vector, dtype=np.float64).reshape(1, -1), fold)[0]
        return Prediction({name: float(p) for name, p in zip(CLASS_NAMES, full)}, self.model_key(fold))

    def predict_matrix(self, vectors: np.ndarray, fold: int | None = None) -> np.ndarray:
        """Probabilities (n, 10) in CLASS_NAMES order for clip vectors (n, 807)."""
        key = self.model_key(fold)
        model = self._fast[key] or self.models[key]
        vectors = np.asarray(vectors, dtype=np.float64)
        if not np.isfinite(vectors).all():
            raise ValueError("the clip's features are not finite numbers (extreme sample values?)")
        proba = model.predict_proba(vectors)
        full = np.zeros((proba.shape[0], len(CLASS_NAMES)))
        full[:, np.asarray(model.classes_, dtype=int)] = proba
        return full

    def predict_features(self, features: Features, signal: np.ndarray, fold: int | None = None,
                         coarse: Features | None = None) -> Prediction:
        """Predict from features computed with this bundle's ``feature_params`` (and, when
        already computed, the recipe's ``COARSE_PARAMS`` features)."""
        if features.params != self.feature_params:
            raise ValueError("features were computed with other parameters than the model's")
        return self.predict_vector(clip_vector(features, signal, coarse), fold)

    def predict_file(self, path: str | Path, fold: int | None = None,
                     cache: FeatureCache | None = None) -> Prediction:
        """Decode, analyse and predict one file (raises AudioLoadError for unreadable files)."""
        return self.predict_file_analysis(path, fold, cache)[0]

    def predict_file_analysis(self, path: str | Path, fold: int | None = None,
                              cache: FeatureCache | None = None) -> tuple[Prediction, Analysis]:
        """``predict_file``, with the analysis it came from (the clip and its warnings)."""
        from audioscope.core.analysis import analyse_file

        analysis = analyse_file(path, self.feature_params, cache, also=(COARSE_PARAMS,), keep_samples=False)
        prediction = self.predict_features(analysis.features, analysis.clip.signal, fold, analysis.extra[0])
        return prediction, analysis


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
    _check_card(card, card_path)
    _warn_on_version_change(card, card_path)
    models = {key: _load_model(directory, key, entry, card) for key, entry in card["models"].items()}
    return ModelBundle(directory, card, models)


_shared_lock = threading.Lock()
_shared: ModelBundle | None = None


def shared_bundle() -> ModelBundle:
    """The bundled model, loaded once per process (thread-safe; call it from a worker)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = load_bundle()
        return _shared


def _check_card(card: dict, card_path: Path) -> None:
    if card.get("format") != CARD_FORMAT or "final" not in card.get("models", {}):
        raise ModelLoadError(f"{card_path}: not an audioscope model card of format {CARD_FORMAT}")
    if card.get("recipe") != RECIPE_VERSION:
        raise ModelLoadError(f"{card_path}: made for feature recipe {card.get('recipe')!r}, but this "
                             f"audioscope computes {RECIPE_VERSION!r}; retrain with `audioscope train`")
    if list(card.get("classes", [])) != list(CLASS_NAMES):
        raise ModelLoadError(f"{card_path}: its classes are not UrbanSound8K's ten classes")


def _warn_on_version_change(card: dict, card_path: Path) -> None:
    import sklearn

    made_with = card.get("versions", {}).get("scikit-learn")
    if made_with != sklearn.__version__:
        warnings.warn(f"{card_path}: the model was made with scikit-learn {made_with}, this is "
                      f"{sklearn.__version__}; predictions may differ slightly", ModelVersionWarning,
                      stacklevel=3)


def _load_model(directory: Path, key: str, entry: dict, card: dict) -> object:
    import joblib

    path = directory / entry["file"]
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise ModelLoadError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if digest != entry.get("sha256"):
        raise ModelLoadError(f"{path}: its contents do not match the model card (damaged or replaced)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # sklearn's own version warning: ours is clearer
            model = joblib.load(path)
        if not hasattr(model, "predict_proba"):
            raise TypeError("it is not a classifier")
    except Exception as exc:  # unpickling can fail in many ways across library versions
        made_with = card.get("versions", {}).get("scikit-learn")
        raise ModelLoadError(f"{path}: cannot be loaded ({type(exc).__name__}: {exc}); it was made "
                             f"with scikit-learn {made_with} — retrain with `audioscope train`") from None
    return model
