"""Clip vectors of many files: cached ones read back, the rest computed in parallel.

Kept apart from training (no pandas, no scikit-learn) so that the processes joblib starts —
locally or on a Dask cluster — import only what computing a vector needs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from audioscope.core.cache import FeatureCache, file_digest
from audioscope.core.features import FeatureParams
from audioscope.core.process_pool import run_tasks
from audioscope.core.recipe import COARSE_PARAMS, RECIPE_VERSION, VECTOR_LENGTH, clip_vectors

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
    from audioscope.core.audio import AudioLoadError, load_clip
    from audioscope.core.features import compute_feature_sets

    signals, analyses, results = [], [], []
    for path in paths:
        try:
            signal = load_clip(path, analysis_rate=params.sample_rate).signal
        except AudioLoadError as exc:
            results.append(str(exc))
            continue
        signals.append(signal)
        analyses.append(compute_feature_sets(signal, (params, COARSE_PARAMS), with_envelope=False))
        results.append(None)
    vectors = iter(clip_vectors([a[0] for a in analyses], [a[1] for a in analyses], signals))
    return [next(vectors) if r is None else r for r in results]


def extract_vectors(paths: list[str], params: FeatureParams = FeatureParams(), jobs: int = -1,
                    cache: FeatureCache | None = None, progress: Progress | None = None,
                    stats: dict | None = None) -> tuple[np.ndarray, list[str]]:
    """Clip vectors for ``paths``: cached ones read here, the rest computed in parallel
    (``process_pool.run_tasks``: local processes, or the backend of an enclosing
    ``joblib.parallel_config``, e.g. Dask) and cached here. Files are looked up while the first
    tasks already run.

    Returns the matrix (one row per path; NaN rows for files that could not be read) and
    the error messages of those files. ``stats``, if given, receives ``from_cache`` and
    ``pool`` (the kind of workers used).
    """
    results: list[np.ndarray | None] = [None] * len(paths)
    keys: dict[int, str] = {}
    # The generator below may run on joblib's dispatch thread, the loop further down runs on
    # this one: each counter has one writer.
    counts = {"from_cache": 0, "computed": 0}

    def report() -> None:
        if progress is not None:
            progress(counts["from_cache"] + counts["computed"], len(paths))

    def chunks():
        chunk: list[int] = []
        for i, path in enumerate(paths):
            vector, key = _cached_vector(cache, path, params)
            if vector is not None:
                results[i] = vector
                counts["from_cache"] += 1
                continue
            if key is not None:
                keys[i] = key
            chunk.append(i)
            if len(chunk) == _CLIPS_PER_TASK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    report()
    errors: list[str] = []
    tasks = ((chunk, [paths[i] for i in chunk], params) for chunk in chunks())
    for chunk, chunk_results in run_tasks(_chunk_vectors, tasks, jobs, stats):
        for i, result in zip(chunk, chunk_results):
            if isinstance(result, str):
                errors.append(result)
            else:
                results[i] = result
        if cache is not None:
            cache.vectors.save_many((keys[i], results[i]) for i in chunk
                                    if i in keys and results[i] is not None)
        counts["computed"] += len(chunk)
        report()
    if counts["computed"] == 0:
        report()                      # everything came from the cache
    if stats is not None:
        stats["from_cache"] = counts["from_cache"]
    width = next((len(r) for r in results if r is not None), 0)
    matrix = np.full((len(paths), width), np.nan)
    for i, r in enumerate(results):
        if r is not None:
            matrix[i] = r
    return matrix, errors


def _chunk_vectors(indices: list[int], paths: list[str], params: FeatureParams) -> tuple[list[int], list]:
    return indices, vectors_for_files(paths, params)


def _cached_vector(cache: FeatureCache | None, path: str,
                   params: FeatureParams) -> tuple[np.ndarray | None, str | None]:
    """(cached vector or None, cache key or None when the file cannot be hashed)."""
    if cache is None:
        return None, None
    try:
        key = cache.key(file_digest(path), params.key(), kind=RECIPE_VERSION)
    except OSError:
        return None, None
    vector = cache.vectors.load(key)
    if vector is not None and vector.shape != (VECTOR_LENGTH,):     # written by a damaged run
        return None, key
    return vector, key
