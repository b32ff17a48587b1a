"""Clip vectors for a whole dataset: on local cores or on a Dask cluster, into the cache and
optionally a features file (.npz or .csv).

On a cluster the tasks run on the Dask workers through joblib's dask backend: the workers
need audioscope installed and must see the audio files at the same paths (a shared file
system); the cache is read and written here, by the caller, never by the workers.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from audioscope.core.batch.vectors import Progress, extract_vectors
from audioscope.core.dataset.metadata import Dataset
from audioscope.core.model.recipes import DEFAULT_RECIPE, Recipe
from audioscope.core.signal.features import FeatureParams
from audioscope.core.store.atomic_file import atomic_path
from audioscope.core.store.cache import FeatureCache

if TYPE_CHECKING:                  # imported where used: the window paints before pandas loads
    import pandas as pd

FEATURE_FILE_SUFFIXES = (".npz", ".csv")


class ExtractionError(Exception):
    """Extraction could not start or its output could not be written; the message says why."""


@dataclass
class Extraction:
    """Vectors of a dataset's available clips, in table order (NaN rows: unreadable files)."""

    clips: pd.DataFrame
    vectors: np.ndarray
    errors: list[str]
    from_cache: int
    seconds: float
    params: FeatureParams
    pool: str = ""          # the kind of workers (core.process.process_pool), when any clip was computed
    recipe: Recipe = DEFAULT_RECIPE

    def summary(self) -> str:
        computed = len(self.clips) - self.from_cache - len(self.errors)
        rate = computed / self.seconds if self.seconds > 0 else 0.0
        workers = f" on {self.pool}" if computed and self.pool else ""
        return (f"{len(self.clips)} clips: {computed} computed ({rate:.3g} clips/s{workers}), "
                f"{self.from_cache} from the cache, {len(self.errors)} unreadable; {self.seconds:.1f} s")


@contextlib.contextmanager
def joblib_backend(scheduler: str | None, connect_timeout: float = 10.0) -> Iterator[object]:
    """Route joblib's parallel work to the Dask scheduler at ``scheduler`` (yields the
    client), or leave joblib on local processes when it is None."""
    if scheduler is None:
        yield None
        return
    import joblib

    try:
        from dask.distributed import Client
    except ImportError:
        raise ExtractionError("--scheduler needs Dask's distributed scheduler; install it with "
                              "pip install 'audioscope[cluster]'") from None
    try:
        client = Client(scheduler, timeout=connect_timeout)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ExtractionError(f"cannot connect to the Dask scheduler at {scheduler} ({exc})") from None
    with client, joblib.parallel_config(backend="dask"):
        yield client


def extract_dataset(dataset: Dataset, cache: FeatureCache | None, jobs: int = -1,
                    scheduler: str | None = None, progress: Progress | None = None,
                    params: FeatureParams = FeatureParams(), recipe: Recipe = DEFAULT_RECIPE,
                    connect_timeout: float = 10.0) -> Extraction:
    """``recipe`` vectors of every available clip of ``dataset``, through ``cache``; with a
    ``scheduler``, on that Dask cluster (given up after ``connect_timeout`` seconds)."""
    clips = dataset.table[dataset.table["available"]].reset_index(drop=True)
    paths = clips["path"].tolist()
    stats: dict = {}
    started = time.perf_counter()
    with joblib_backend(scheduler, connect_timeout):
        vectors, errors = extract_vectors(paths, params, jobs=jobs, cache=cache, progress=progress,
                                          stats=stats, recipe=recipe)
    seconds = time.perf_counter() - started
    return Extraction(clips, vectors, errors, stats.get("from_cache", 0), seconds, params,
                      "Dask" if scheduler else stats.get("pool", ""), recipe)


def write_feature_file(extraction: Extraction, out: Path) -> None:
    """Write the vectors with each clip's metadata: ``.npz`` (arrays, plus the recipe version
    and feature parameters) or ``.csv`` (one row a clip: metadata, then v000 … v806)."""
    import pandas as pd
    clips = extraction.clips
    meta = {"slice_file_name": np.array(clips["slice_file_name"].tolist(), dtype=str),
            "fold": clips["fold"].to_numpy(dtype=np.int64),
            "classID": clips["classID"].to_numpy(dtype=np.int64),
            "class": np.array(clips["class"].astype(str).tolist(), dtype=str)}
    if out.suffix.lower() not in FEATURE_FILE_SUFFIXES:
        raise ExtractionError(f"{out}: the features file must end in .npz or .csv")
    try:
        with atomic_path(out) as tmp:
            if out.suffix.lower() == ".npz":
                with open(tmp, "wb") as f:
                    np.savez_compressed(f, vectors=extraction.vectors, **meta, recipe=np.array(extraction.recipe.version),
                                        feature_params=np.array(extraction.params.key()))
            else:
                table = pd.DataFrame(meta)
                columns = [f"v{i:03d}" for i in range(extraction.vectors.shape[1])]
                table = pd.concat([table, pd.DataFrame(extraction.vectors, columns=columns)], axis=1)
                table.to_csv(tmp, index=False, float_format="%.17g")
    except OSError as exc:
        raise ExtractionError(f"{out}: cannot be written ({exc.strerror or exc})") from None
