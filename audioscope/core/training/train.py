"""Train and evaluate the classifier: extract clip vectors, leave-one-fold-out CV, write a bundle.

Evaluation is always by UrbanSound8K's predefined folds (slices of one recording share a
fold), never by a random split.
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from audioscope import __version__
from audioscope.core.batch.clips_state import complete_rows
from audioscope.core.batch.vectors import Progress, extract_vectors
from audioscope.core.dataset.metadata import CLASS_NAMES, Dataset
from audioscope.core.model.bundle_folder import (
    PREDICTIONS_NAME,
    RELIABILITY_NAME,
    REPORT_NAME,
    check_destination,
    staged_bundle,
)
from audioscope.core.model.calibration import calibrate, scaled
from audioscope.core.model.classifier import CARD_FORMAT, CARD_NAME, model_key_for_fold
from audioscope.core.model.logistic_arrays import LogisticArrays
from audioscope.core.model.novelty import FILE_NAME as NOVELTY_NAME
from audioscope.core.model.novelty import QUANTILE as NOVELTY_QUANTILE
from audioscope.core.model.novelty import fit_novelty
from audioscope.core.model.recipes import DEFAULT_RECIPE, STATS, Recipe
from audioscope.core.model.stats_recipe import COARSE_PARAMS
from audioscope.core.signal.features import FeatureParams
from audioscope.core.store.cache import FeatureCache

log = logging.getLogger(__name__)
@dataclass
class CrossValidation:
    """Leave-one-fold-out results over the folds present."""

    folds: list[int]
    accuracy: dict[int, float]
    macro_f1: dict[int, float]
    n_clips: dict[int, int]
    confusion: np.ndarray            # rows: true class, columns: predicted, all folds pooled
    report: dict                     # sklearn classification_report, pooled
    probabilities: np.ndarray        # out-of-fold probabilities per clip (n_clips, 10)

    @property
    def mean_accuracy(self) -> float:
        return float(np.mean(list(self.accuracy.values())))

    @property
    def std_accuracy(self) -> float:
        return float(np.std(list(self.accuracy.values())))

    def summary(self) -> dict:
        return {"folds": {str(f): {"accuracy": self.accuracy[f], "macro_f1": self.macro_f1[f],
                                   "n_clips": self.n_clips[f]} for f in self.folds},
                "mean_accuracy": self.mean_accuracy, "std_accuracy": self.std_accuracy,
                "mean_macro_f1": float(np.mean(list(self.macro_f1.values()))),
                "confusion_matrix": self.confusion.tolist(), "per_class": self.report}


def _fit(model, X: np.ndarray, y: np.ndarray):
    """Fit quietly: SVC(probability=True) warns of its deprecation on every fit (see recipe)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*`probability` parameter was deprecated",
                                category=FutureWarning)
        return model.fit(X, y)


def leave_one_fold_out(X: np.ndarray, y: np.ndarray, folds: np.ndarray,
                       make: Callable[[int], object] = STATS.make_model,
                       stage: Callable[[str], None] | None = None) -> CrossValidation:
    """Train on all folds but one, test on that one, for each fold present (needs ≥ 2);
    ``stage`` is told as each fold starts."""
    from sklearn.metrics import classification_report, confusion_matrix, f1_score

    present = sorted(int(f) for f in np.unique(folds))
    if len(present) < 2:
        raise ValueError(f"cross-validation needs clips from at least two folds, found {present}")
    proba = np.zeros((len(y), len(CLASS_NAMES)))
    accuracy, macro_f1, counts = {}, {}, {}
    for i, fold in enumerate(present, 1):
        if stage is not None:
            stage(f"cross-validating: fold {i} of {len(present)} (testing on fold {fold})")
        test = folds == fold
        model = _fit(make(int((~test).sum())), X[~test], y[~test])
        proba[np.ix_(test, np.asarray(model.classes_, dtype=int))] = model.predict_proba(X[test])
        predicted = proba[test].argmax(axis=1)
        accuracy[fold] = float(np.mean(predicted == y[test]))
        macro_f1[fold] = float(f1_score(y[test], predicted, average="macro",
                                        labels=range(len(CLASS_NAMES)), zero_division=0))
        counts[fold] = int(test.sum())
    predicted = proba.argmax(axis=1)
    labels = list(range(len(CLASS_NAMES)))
    return CrossValidation(present, accuracy, macro_f1, counts,
                           confusion_matrix(y, predicted, labels=labels),
                           classification_report(y, predicted, labels=labels, target_names=CLASS_NAMES,
                                                 output_dict=True, zero_division=0), proba)


def baseline_vectors(paths: list[str]) -> np.ndarray:
    """The tutorial's recipe: the time-average of 40 MFCCs per clip (librosa defaults)."""
    from audioscope.core.store.cached_analysis import analyse_file

    return np.array([analyse_file(p).features.mfcc.mean(axis=1) for p in paths])


def make_baseline_model(_n_samples: int | None = None):
    """The tutorial's dense network: two hidden layers of 256 units."""
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), MLPClassifier((256, 256), max_iter=300, random_state=0))


BASELINE_LABEL = "tutorial (MFCC mean, MLP)"


def baseline_cross_validation(clips: pd.DataFrame) -> CrossValidation:
    """Leave-one-fold-out result of the tutorial's recipe on the same clips."""
    X = baseline_vectors(clips["path"].tolist())
    return leave_one_fold_out(X, clips["classID"].to_numpy(int), clips["fold"].to_numpy(int),
                              make_baseline_model)


@dataclass
class TrainingResult:
    card: dict
    cv: CrossValidation
    clips: pd.DataFrame
    skipped: list[str]
    report: str = ""                 # the text of report.txt, when one was asked for
    baseline: CrossValidation | None = None   # the tutorial's recipe, when it was asked for


def train(dataset: Dataset, out_dir: Path, jobs: int = -1, cache: FeatureCache | None = None,
          progress: Progress | None = None, params: FeatureParams = FeatureParams(),
          report: Callable[[TrainingResult], str] | None = None,
          recipe: Recipe = DEFAULT_RECIPE,
          reliability_png: Callable[[dict], bytes | None] | None = None,
          baseline: bool = False, stage: Callable[[str], None] | None = None) -> TrainingResult:
    """Extract ``recipe`` vectors, cross-validate, fit the final and per-fold models and write
    the bundle (with ``report(result)`` as report.txt, and ``reliability_png(card["calibration"])``
    as reliability.png) to ``out_dir``. With ``baseline`` the tutorial's recipe is
    cross-validated on the same clips too, into the card's ``baseline``. The probabilities are
    calibrated by a temperature fitted on the out-of-fold predictions (``core.model.calibration``),
    and the bundle keeps what flags inputs unlike any training clip (``core.model.novelty``)
    when the recipe has one. ``stage`` is told what is being done as each step after the
    extraction starts (cross-validating each fold, fitting each model, writing).

    ``out_dir`` must be a new folder, an empty one or an earlier bundle (``bundle_folder``):
    DestinationRefused is raised before any work otherwise. A failure to write raises OSError
    naming the file, and leaves ``out_dir`` as it was.
    """
    import joblib
    import sklearn

    out_dir = check_destination(out_dir, dataset.root)
    started = time.perf_counter()
    clips = dataset.table[dataset.table["available"]].reset_index(drop=True)
    _check_folds(clips, f"{dataset.root}: ")
    X, skipped = extract_vectors(clips["path"].tolist(), params, jobs, cache, progress, recipe=recipe)
    ok = complete_rows(X)
    clips, X = clips[ok].reset_index(drop=True), X[ok]
    _check_folds(clips, f"{dataset.root}: after skipping {len(skipped)} unreadable file(s) "
                        f"(first: {skipped[0] if skipped else '-'}): ")
    y, folds = clips["classID"].to_numpy(int), clips["fold"].to_numpy(int)
    say = stage if stage is not None else (lambda _text: None)
    cv = leave_one_fold_out(X, y, folds, recipe.make_model, say)

    say(f"fitting the final model on all {len(y)} clips")
    models = {"final": _fit(recipe.make_model(len(y)), X, y)}
    for i, fold in enumerate(cv.folds, 1):
        say(f"fitting the model without fold {fold} ({i} of {len(cv.folds)})")
        train_rows = folds != fold
        models[model_key_for_fold(fold)] = _fit(recipe.make_model(int(train_rows.sum())), X[train_rows],
                                                y[train_rows])
    calibration = calibrate(cv.probabilities, y, folds)
    calibrated = scaled(cv.probabilities, calibration["temperature"])
    novelty = fit_novelty(X, folds, recipe.novelty_columns) if recipe.novelty_columns else None
    oof = clips[["slice_file_name", "fold", "classID", "class"]].copy()
    oof["predicted"] = [CLASS_NAMES[i] for i in calibrated.argmax(axis=1)]
    oof["confidence"] = calibrated.max(axis=1)
    for j, name in enumerate(CLASS_NAMES):      # the whole distribution: likely label errors need it
        oof[name] = calibrated[:, j]
    card = {
        "format": CARD_FORMAT, "recipe": recipe.version, "recipe_name": recipe.name,
        "recipe_summary": recipe.summary, **_embedding_models(recipe), "classes": list(CLASS_NAMES),
        "feature_params": asdict(params), "coarse_feature_params": asdict(COARSE_PARAMS),
        "model": type(models["final"]).__name__,
        "models": {},
        "training_data": {"dataset": "UrbanSound8K", "root_name": dataset.root.name,
                          "folds": cv.folds, "clips_per_fold": {str(f): cv.n_clips[f] for f in cv.folds},
                          "clips_skipped": len(skipped)},
        "cross_validation": cv.summary(),
        "calibration": calibration,
        "versions": {"audioscope": __version__, "scikit-learn": sklearn.__version__,
                     "numpy": np.__version__, "python": platform.python_version()},
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "training_seconds": round(time.perf_counter() - started, 1),
        "data_licence": "UrbanSound8K (J. Salamon, C. Jacoby, J. P. Bello, ACM MM 2014), "
                        "CC BY-NC 3.0: attribution, non-commercial use",
    }
    result = TrainingResult(card, cv, clips, skipped)
    if baseline:
        say("cross-validating the tutorial's recipe")
        result.baseline = baseline_cross_validation(clips)
        card["baseline"] = {"label": BASELINE_LABEL, "cross_validation": result.baseline.summary()}
    say(f"writing the bundle to {out_dir}")
    # Everything goes into a temporary folder first; the bundle replaces out_dir only whole.
    with staged_bundle(out_dir, dataset.root) as staging:
        for key, model in models.items():
            path = _written(staging, out_dir, f"{key}.joblib",
                            lambda p, model=model: joblib.dump(model, p, compress=3))
            trained_on = [f for f in cv.folds if key != model_key_for_fold(f)]  # final: every fold
            card["models"][key] = {"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                                   "trained_on_folds": trained_on,
                                   "n_clips": int(np.isin(folds, trained_on).sum())}
            arrays = LogisticArrays.of(model)      # loaded without scikit-learn (logistic_arrays)
            if arrays is not None:
                path = _written(staging, out_dir, f"{key}.npz", arrays.save)
                card["models"][key]["arrays"] = {"file": path.name,
                                                 "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
        if novelty is not None:
            path = _written(staging, out_dir, NOVELTY_NAME, novelty.save)
            card["novelty"] = {"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                               "compares": "aiSFX mean embedding, unit length", "columns": list(novelty.columns),
                               "quantile": NOVELTY_QUANTILE, "threshold": novelty.threshold}
        _written(staging, out_dir, PREDICTIONS_NAME, lambda p: oof.to_csv(p, index=False))
        figure = reliability_png(calibration) if reliability_png is not None else None
        if figure:
            _written(staging, out_dir, RELIABILITY_NAME, lambda p: p.write_bytes(figure))
        if report is not None:
            result.report = report(result)
            _written(staging, out_dir, REPORT_NAME,
                     lambda p: p.write_text(result.report + "\n", encoding="utf-8"))
        _written(staging, out_dir, CARD_NAME,
                 lambda p: p.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8"))
    return result


def _embedding_models(recipe: Recipe) -> dict:
    """The card's record of the embedding model files a recipe's vectors come from, and the
    licence those weights pass on to the models trained on them."""
    if not recipe.uses_embeddings:
        return {}
    from audioscope.core.model.embedding.runtime import read_manifest

    models = read_manifest()
    return {"embedding_models": {name: {"file": m.path.name, "sha256": m.sha256, "licence": m.licence,
                                        "attribution": m.attribution} for name, m in models.items()},
            "model_licence": "CC BY-NC-SA 4.0 (trained on BirdNET V2.4 embeddings, whose weights are "
                             "CC BY-NC-SA 4.0; aiSFX's are CC BY 4.0)"}


def _check_folds(clips: pd.DataFrame, context: str) -> None:
    folds = sorted(int(f) for f in clips["fold"].unique())
    if len(folds) < 2:
        raise ValueError(f"{context}leave-one-fold-out training needs readable clips from at "
                         f"least two folds; found {len(clips)} clip(s) in fold(s) {folds or 'none'}")


def _written(staging: Path, out_dir: Path, name: str, write: Callable[[Path], object]) -> Path:
    """``write(staging / name)``; a failure is an OSError naming the file the user asked for."""
    path = staging / name
    try:
        write(path)
    except OSError as exc:
        kept = f"{out_dir} was left as it was" if out_dir.exists() else "no bundle was written"
        raise OSError(f"{out_dir / name}: cannot be written ({exc.strerror or exc}); {kept}") from None
    return path
