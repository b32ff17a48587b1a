"""Reading a model bundle's files safely: the card's checks, each file's SHA-256, the
embedding models it needs, and the errors that name what is wrong.

joblib files are pickles and run code when loaded; ``classifier.load_bundle`` decides which
folders may be loaded at all. A model whose card entry names ``arrays`` (an npz of
``logistic_arrays.LogisticArrays``) is read from those instead, and scikit-learn is not imported.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

from audioscope.core.dataset.metadata import CLASS_NAMES
from audioscope.core.model.logistic_arrays import LogisticArrays
from audioscope.core.model.novelty import Novelty
from audioscope.core.model.recipes import RECIPES, recipe_of_version

CARD_NAME = "model_card.json"
CARD_FORMAT = 1


class ModelLoadError(Exception):
    """A model bundle cannot be used; the message says which file and why."""


class UntrustedModelError(ModelLoadError):
    """A model from outside resources/ was given without the explicit trust flag."""


class ModelVersionWarning(UserWarning):
    """The bundle was made with other library versions than the ones installed."""


def check_card(card: dict, card_path: Path) -> None:
    if card.get("format") != CARD_FORMAT or "final" not in card.get("models", {}):
        raise ModelLoadError(f"{card_path}: not an audioscope model card of format {CARD_FORMAT}")
    if recipe_of_version(card.get("recipe")) is None:
        known = ", ".join(f"{r.version!r} ({r.name})" for r in RECIPES.values())
        raise ModelLoadError(f"{card_path}: made for feature recipe {card.get('recipe')!r}, but this "
                             f"audioscope computes {known}; retrain with `audioscope train`")
    if list(card.get("classes", [])) != list(CLASS_NAMES):
        raise ModelLoadError(f"{card_path}: its classes are not UrbanSound8K's ten classes")


def check_embedding_models(card: dict, card_path: Path) -> None:
    """An embeddings bundle needs the very embedding model files it was trained with."""
    if not recipe_of_version(card["recipe"]).uses_embeddings:
        return
    from audioscope.core.model.embedding.runtime import EmbeddingModelError, read_manifest

    try:
        installed = read_manifest()
    except EmbeddingModelError as exc:
        raise ModelLoadError(str(exc)) from None
    for name, entry in card.get("embedding_models", {}).items():
        have = installed.get(name)
        if have is None or have.sha256 != entry.get("sha256"):
            raise ModelLoadError(f"{card_path}: trained on embeddings of {entry.get('file')} "
                                 f"(sha256 {str(entry.get('sha256'))[:12]}…), which this audioscope "
                                 f"does not have; retrain with `audioscope train`")


def load_novelty(directory: Path, card: dict) -> Novelty | None:
    entry = card.get("novelty")
    if entry is None:
        return None
    path = directory / entry["file"]
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelLoadError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
        raise ModelLoadError(f"{path}: its contents do not match the model card (damaged or replaced)")
    try:
        return Novelty.load(path)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelLoadError(f"{path}: unreadable ({exc})") from None


def warn_on_version_change(card: dict, card_path: Path) -> None:
    """Warn when a model that will be unpickled was made with another scikit-learn."""
    if all(isinstance(entry, dict) and "arrays" in entry for entry in card["models"].values()):
        return                                  # arrays only: no scikit-learn object is loaded
    import sklearn

    made_with = card.get("versions", {}).get("scikit-learn")
    if made_with != sklearn.__version__:
        warnings.warn(f"{card_path}: the model was made with scikit-learn {made_with}, this is "
                      f"{sklearn.__version__}; predictions may differ slightly", ModelVersionWarning,
                      stacklevel=3)


def _checked(path: Path, sha256: str | None) -> None:
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise ModelLoadError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if digest != sha256:
        raise ModelLoadError(f"{path}: its contents do not match the model card (damaged or replaced)")


def load_model(directory: Path, key: str, entry: dict, card: dict) -> object:
    """The card entry's model: its arrays when it names them, else its unpickled joblib file
    (every file named is checked against its SHA-256 first)."""
    path = directory / entry["file"]
    _checked(path, entry.get("sha256"))
    arrays = entry.get("arrays")
    if isinstance(arrays, dict):
        arrays_path = directory / str(arrays.get("file"))
        _checked(arrays_path, arrays.get("sha256"))
        try:
            return LogisticArrays.load(arrays_path)
        except (OSError, ValueError, KeyError) as exc:
            raise ModelLoadError(f"{arrays_path}: not a model's arrays ({exc})") from None
    import joblib

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
