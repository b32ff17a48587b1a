"""Clip vectors of many files: cached ones read back, the rest computed in parallel.

Kept apart from training (no pandas, no scikit-learn) so that the processes joblib starts —
locally or on a Dask cluster — import only what computing a vector needs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from audioscope.core.model.recipes import DEFAULT_RECIPE, Recipe
from audioscope.core.model.stats_recipe import COARSE_PARAMS, SignalStats
from audioscope.core.process.process_pool import run_tasks
from audioscope.core.signal.audio_decoding import lookup_digest
from audioscope.core.signal.features import FeatureParams, Features
from audioscope.core.store.cache import FeatureCache

Progress = Callable[[int, int], None]
# Clips per parallel task: enough to summarise together and amortise dispatch (~5 ms a clip),
# few enough to keep the progress bar moving.
CLIPS_PER_TASK = 32
# A task's clips are summarised together; long files' sooner. 32 MB holds a whole task of
# UrbanSound8K clips (a 4 s analysis signal is 0.35 MB, its two feature sets 0.2 MB), while a
# 10-minute file (53 MB of signal) is embedded alone: at 128 MB, three such files were held
# and embedded together, and the peak grew by ~380 MB from one file to four.
_BATCH_FEATURE_BYTES = 32 << 20


def vectors_for_files(paths: Sequence[str], params: FeatureParams = FeatureParams(),
                      recipe: Recipe = DEFAULT_RECIPE) -> list[np.ndarray | str]:
    """The ``recipe`` vector of each file, or the reason it failed as a string.

    Pure (no cache, no shared state), so it runs anywhere joblib sends it: local processes
    or a Dask cluster's workers. The clips are summarised together (``clip_vectors``).
    """
    return [result for result, _digest in vectors_and_digests(paths, params, recipe)]


def vectors_and_digests(paths: Sequence[str], params: FeatureParams = FeatureParams(),
                        recipe: Recipe = DEFAULT_RECIPE) -> list[tuple[np.ndarray | str, str | None]]:
    """``vectors_for_files``, each with the SHA-256 of the bytes decoded for it (None when the
    file could not be read, or could not be hashed safely): the key to cache it under.

    A batch holds the features of its clips (and, for embeddings, their analysis signals), and
    is summarised early when those pass ``_BATCH_FEATURE_BYTES`` (long files), so its memory
    stays bounded. The embeddings of a batch's clips share inference calls.
    """
    from audioscope.core.signal.audio import AudioLoadError, load_clip
    from audioscope.core.signal.features import compute_feature_sets

    results: list[tuple[np.ndarray | str, str | None]] = [("", None)] * len(paths)
    batch: list[tuple[int, SignalStats, list[Features], np.ndarray | None]] = []
    held = 0

    def summarise() -> None:
        vectors = recipe.vectors([b[3] for b in batch], params.sample_rate, [b[1] for b in batch],
                                 [b[2][0] for b in batch], [b[2][1] for b in batch])
        for (i, _, _, _), vector in zip(batch, vectors):
            if np.isfinite(vector).all():
                results[i] = (vector, results[i][1])
            else:
                results[i] = (f"{paths[i]}: its features are not finite numbers (extreme sample "
                              f"values?); left out", None)
        batch.clear()

    for i, path in enumerate(paths):
        try:
            clip = load_clip(path, analysis_rate=params.sample_rate, digest_from_s=0.0, keep_samples=False)
        except AudioLoadError as exc:
            results[i] = (str(exc), None)
            continue
        analyses = (compute_feature_sets(clip.signal, (params, COARSE_PARAMS), with_envelope=False)
                    if recipe.uses_statistics else [None, None])
        signal = clip.signal if recipe.uses_embeddings else None
        results[i] = ("", clip.digest)
        batch.append((i, SignalStats.of(clip.signal), analyses, signal))
        del clip
        held += sum(f.mel_db.nbytes + f.mfcc.nbytes for f in analyses if f is not None)
        held += signal.nbytes if signal is not None else 0
        if held > _BATCH_FEATURE_BYTES:
            summarise()
            held = 0
    if batch:
        summarise()
    return results


def extract_vectors(paths: list[str], params: FeatureParams = FeatureParams(), jobs: int = -1,
                    cache: FeatureCache | None = None, progress: Progress | None = None,
                    stats: dict | None = None, recipe: Recipe = DEFAULT_RECIPE
                    ) -> tuple[np.ndarray, list[str]]:
    """``recipe`` vectors for ``paths``: cached ones read here, the rest computed in parallel
    (``process_pool.run_tasks``: local processes, or the backend of an enclosing
    ``joblib.parallel_config``, e.g. Dask) and cached here. Files are looked up while the first
    tasks already run.

    Returns the matrix (one row per path; NaN rows for files that could not be read) and
    the error messages of those files. ``stats``, if given, receives ``from_cache`` and
    ``pool`` (the kind of workers used).
    """
    results: list[np.ndarray | None] = [None] * len(paths)
    # The generator below may run on joblib's dispatch thread, the loop further down runs on
    # this one: each counter has one writer.
    counts = {"from_cache": 0, "computed": 0}

    def report() -> None:
        if progress is not None:
            progress(counts["from_cache"] + counts["computed"], len(paths))

    # An empty store (a first run) has nothing to find: hashing every file to look would be wasted.
    lookups = cache if cache is not None and not cache.vectors.is_empty() else None

    def chunks():
        chunk: list[int] = []
        for i, path in enumerate(paths):
            vector = _cached_vector(lookups, path, params, recipe)
            if vector is not None:
                results[i] = vector
                counts["from_cache"] += 1
                continue
            chunk.append(i)
            if len(chunk) == CLIPS_PER_TASK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    report()
    errors: list[str] = []
    tasks = ((chunk, [paths[i] for i in chunk], params, recipe) for chunk in chunks())
    for chunk, chunk_results in run_tasks(_chunk_vectors, tasks, jobs, stats):
        fresh = []
        for i, (result, digest) in zip(chunk, chunk_results):
            if isinstance(result, str):
                errors.append(result)
                continue
            results[i] = result
            if digest is not None:      # keyed by the bytes the worker decoded, not looked up
                fresh.append((recipe.vector_key(digest, params), result))
        if cache is not None:
            cache.vectors.save_many(fresh)
        counts["computed"] += len(chunk)
        report()
    if counts["computed"] == 0:
        report()                      # everything came from the cache
    if stats is not None:
        stats["from_cache"] = counts["from_cache"]
    width = recipe.vector_length
    matrix = np.full((len(paths), width), np.nan)
    for i, r in enumerate(results):
        if r is not None:
            matrix[i] = r
    return matrix, errors


def _chunk_vectors(indices: list[int], paths: list[str], params: FeatureParams,
                   recipe: Recipe) -> tuple[list[int], list]:
    return indices, vectors_and_digests(paths, params, recipe)


def _cached_vector(cache: FeatureCache | None, path: str, params: FeatureParams,
                   recipe: Recipe) -> np.ndarray | None:
    """The cached vector of the file as it is now, or None."""
    if cache is None:
        return None
    digest = lookup_digest(path)
    if digest is None:
        return None
    vector = cache.vectors.load(recipe.vector_key(digest, params))
    if vector is not None and vector.shape != (recipe.vector_length,):     # written by a damaged run
        return None
    return vector
