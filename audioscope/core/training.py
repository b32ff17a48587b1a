"""Train and evaluate the classifier: extract clip vectors, leave-one-fold-out CV, write a bundle.

Evaluation is always by UrbanSound8K's predefined folds (slices of one recording share a
fold), never by a random split.
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import shutil
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from audioscope import __version__
from audioscope.core.cache import FeatureCache, file_digest
from audioscope.core.classifier import CARD_FORMAT, CARD_NAME, model_key_for_fold
from audioscope.core.dataset import CLASS_NAMES, Dataset
from audioscope.core.features import FeatureParams
from audioscope.core.recipe import COARSE_PARAMS, RECIPE_VERSION, clip_vectors, make_model

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
# Clips per parallel task: enough to summarise together and amortise dispatch (~5 ms a clip),
# few enough to keep the progress bar moving.
_CLIPS_PER_TASK = 32


def vectors_for_files(paths: Sequence[str], params: FeatureParams = FeatureParams()
                      ) -> list[np.ndarray | str]:
    """The clip vector of each file, or the reason it failed as a string.

    Pure (no cache, no shared state), so it runs anywhere joblib sends it: local processes
    or a Dask cluster's workers. The clips are summarised together (``clip_vectors``).
    """
    from audioscope.core.analysis import analyse_file
    from audioscope.core.audio import AudioLoadError

    analyses, results = [], []
    for path in paths:
        try:
            analyses.append(analyse_file(path, params, also=(COARSE_PARAMS,)))
            results.append(None)
        except AudioLoadError as exc:
            results.append(str(exc))
    vectors = iter(clip_vectors([a.features for a in analyses], [a.extra[0] for a in analyses],
                                [a.clip.signal for a in analyses]))
    return [next(vectors) if r is None else r for r in results]


def extract_vectors(paths: list[str], params: FeatureParams = FeatureParams(), jobs: int = -1,
                    cache: FeatureCache | None = None,
                    progress: Progress | None = None) -> tuple[np.ndarray, list[str]]:
    """Clip vectors for ``paths``: cached ones read here, the rest computed in parallel by
    joblib (local processes, or the backend of an enclosing ``joblib.parallel_config``, e.g.
    Dask) and cached here.

    Returns the matrix (one row per path; NaN rows for files that could not be read) and
    the error messages of those files.
    """
    import joblib

    results: list[np.ndarray | None] = [None] * len(paths)
    keys: dict[int, str] = {}
    todo = []
    for i, path in enumerate(paths):
        vector, key = _cached_vector(cache, path, params)
        if vector is not None:
            results[i] = vector
        else:
            todo.append(i)
            if key is not None:
                keys[i] = key
    done = len(paths) - len(todo)
    if progress is not None:          # first call: the clips found in the cache
        progress(done, len(paths))
    errors = []
    if todo:
        chunks = [todo[i:i + _CLIPS_PER_TASK] for i in range(0, len(todo), _CLIPS_PER_TASK)]
        runner = joblib.Parallel(n_jobs=jobs, return_as="generator")
        computed = runner(joblib.delayed(vectors_for_files)([paths[i] for i in chunk], params)
                          for chunk in chunks)
        for chunk, chunk_results in zip(chunks, computed):
            for i, result in zip(chunk, chunk_results):
                if isinstance(result, str):
                    errors.append(result)
                else:
                    results[i] = result
                    if cache is not None and i in keys:
                        cache.save(keys[i], {"vector": result})
            done += len(chunk)
            if progress is not None:
                progress(done, len(paths))
    width = next((len(r) for r in results if r is not None), 0)
    matrix = np.full((len(paths), width), np.nan)
    for i, r in enumerate(results):
        if r is not None:
            matrix[i] = r
    return matrix, errors


def _cached_vector(cache: FeatureCache | None, path: str,
                   params: FeatureParams) -> tuple[np.ndarray | None, str | None]:
    """(cached vector or None, cache key or None when the file cannot be hashed)."""
    if cache is None:
        return None, None
    try:
        key = cache.key(file_digest(path), params.key(), kind=RECIPE_VERSION)
    except OSError:
        return None, None
    stored = cache.load(key)
    return (stored.get("vector") if stored is not None else None), key


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
                       make: Callable[[int], object] = make_model) -> CrossValidation:
    """Train on all folds but one, test on that one, for each fold present (needs ≥ 2)."""
    from sklearn.metrics import classification_report, confusion_matrix, f1_score

    present = sorted(int(f) for f in np.unique(folds))
    if len(present) < 2:
        raise ValueError(f"cross-validation needs clips from at least two folds, found {present}")
    proba = np.zeros((len(y), len(CLASS_NAMES)))
    accuracy, macro_f1, counts = {}, {}, {}
    for fold in present:
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
    from audioscope.core.analysis import analyse_file

    return np.array([analyse_file(p).features.mfcc.mean(axis=1) for p in paths])


def make_baseline_model(_n_samples: int | None = None):
    """The tutorial's dense network: two hidden layers of 256 units."""
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), MLPClassifier((256, 256), max_iter=300, random_state=0))


@dataclass
class TrainingResult:
    card: dict
    cv: CrossValidation
    clips: pd.DataFrame
    skipped: list[str]


def train(dataset: Dataset, out_dir: Path, jobs: int = -1, cache: FeatureCache | None = None,
          progress: Progress | None = None, params: FeatureParams = FeatureParams()) -> TrainingResult:
    """Extract, cross-validate, fit the final and per-fold models and write the bundle."""
    import joblib
    import sklearn

    started = time.perf_counter()
    clips = dataset.table[dataset.table["available"]].reset_index(drop=True)
    _check_folds(clips, f"{dataset.root}: ")
    X, skipped = extract_vectors(clips["path"].tolist(), params, jobs, cache, progress)
    ok = ~np.isnan(X).any(axis=1) if X.shape[1] else np.zeros(len(clips), dtype=bool)
    clips, X = clips[ok].reset_index(drop=True), X[ok]
    _check_folds(clips, f"{dataset.root}: after skipping {len(skipped)} unreadable file(s) "
                        f"(first: {skipped[0] if skipped else '-'}): ")
    y, folds = clips["classID"].to_numpy(int), clips["fold"].to_numpy(int)
    cv = leave_one_fold_out(X, y, folds)

    models = {"final": _fit(make_model(len(y)), X, y)}
    for fold in cv.folds:
        train_rows = folds != fold
        models[model_key_for_fold(fold)] = _fit(make_model(int(train_rows.sum())), X[train_rows], y[train_rows])
    staging = out_dir.with_name(f".{out_dir.name}.partial")  # complete bundles only, see below
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    entries = {}
    for key, model in models.items():
        path = staging / f"{key}.joblib"
        joblib.dump(model, path, compress=3)
        trained_on = [f for f in cv.folds if key != model_key_for_fold(f)]  # final: every fold
        entries[key] = {"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                        "trained_on_folds": trained_on,
                        "n_clips": int(np.isin(folds, trained_on).sum())}
    oof = clips[["slice_file_name", "fold", "classID", "class"]].copy()
    oof["predicted"] = [CLASS_NAMES[i] for i in cv.probabilities.argmax(axis=1)]
    oof["confidence"] = cv.probabilities.max(axis=1)
    oof.to_csv(staging / "cv_predictions.csv", index=False)
    card = {
        "format": CARD_FORMAT, "recipe": RECIPE_VERSION, "classes": list(CLASS_NAMES),
        "feature_params": asdict(params), "coarse_feature_params": asdict(COARSE_PARAMS),
        "model": type(models["final"]).__name__,
        "models": entries,
        "training_data": {"dataset": "UrbanSound8K", "root_name": dataset.root.name,
                          "folds": cv.folds, "clips_per_fold": {str(f): cv.n_clips[f] for f in cv.folds},
                          "clips_skipped": len(skipped)},
        "cross_validation": cv.summary(),
        "versions": {"audioscope": __version__, "scikit-learn": sklearn.__version__,
                     "numpy": np.__version__, "python": platform.python_version()},
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "training_seconds": round(time.perf_counter() - started, 1),
        "data_licence": "UrbanSound8K (J. Salamon, C. Jacoby, J. P. Bello, ACM MM 2014), "
                        "CC BY-NC 3.0: attribution, non-commercial use",
    }
    (staging / CARD_NAME).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    _replace_folder(staging, out_dir)
    return TrainingResult(card, cv, clips, skipped)


def _check_folds(clips: pd.DataFrame, context: str) -> None:
    folds = sorted(int(f) for f in clips["fold"].unique())
    if len(folds) < 2:
        raise ValueError(f"{context}leave-one-fold-out training needs readable clips from at "
                         f"least two folds; found {len(clips)} clip(s) in fold(s) {folds or 'none'}")


def _replace_folder(new: Path, target: Path) -> None:
    """Put the finished ``new`` folder in place of ``target`` (an older bundle, or nothing)."""
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"{target}: exists and is not a folder")
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)
