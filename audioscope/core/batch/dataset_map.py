"""A 2-D map of a dataset's clips: the classifier's clip vectors, standardised, reduced by PCA
and laid out by scikit-learn's t-SNE.

``compute_map`` extracts the vectors (cached per file, see ``batch.vectors.extract_vectors``), embeds
them and caches the finished map as one ``.npz`` entry keyed by a digest of the vectors, the
layout parameters and ``MAP_VERSION``; reopening the same dataset reads that entry instead of
running t-SNE again. ``DatasetMap.place`` puts a new clip vector on the map beside its nearest
labelled neighbours in the PCA space (t-SNE cannot embed new points).
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field

import numpy as np

from audioscope.core.batch.clips_state import clips_state_key, complete_rows
from audioscope.core.batch.vectors import Progress, extract_vectors, vectors_for_files
from audioscope.core.dataset.metadata import Dataset
from audioscope.core.model.recipes import DEFAULT_RECIPE
from audioscope.core.signal.features import FeatureParams
from audioscope.core.store.cache import FeatureCache

log = logging.getLogger(__name__)

# Bump when the layout changes for the same vectors (parameters below, algorithm).
MAP_VERSION = "dataset-map-1"
MAX_COMPONENTS = 50
N_NEIGHBOURS = 5
RANDOM_STATE = 0
_ARRAYS = ("names", "classes", "folds", "xy", "mean", "scale", "components", "pca_mean", "reduced")


def perplexity_for(n: int) -> float:
    """t-SNE's perplexity for ``n`` points: the usual 30, less for small sets (it must stay
    below n, and about a third of it keeps the neighbourhoods meaningful)."""
    return float(min(30.0, max(1.0, (n - 1) / 3)))


@dataclass(frozen=True)
class Placement:
    """Where a new vector lands: its map position and nearest labelled clips, nearest first,
    as (slice_file_name, class, distance in the PCA space)."""

    xy: tuple[float, float]
    neighbours: list[tuple[str, str, float]]


@dataclass(eq=False)
class DatasetMap:
    """Map positions of the clips (row i: ``slice_file_names[i]``) and the standardisation
    and PCA that place new vectors."""

    slice_file_names: np.ndarray      # (n,) str
    classes: np.ndarray               # (n,) str
    folds: np.ndarray                 # (n,) int
    xy: np.ndarray                    # (n, 2) t-SNE positions
    mean: np.ndarray                  # (d,) standardisation
    scale: np.ndarray                 # (d,)
    components: np.ndarray            # (k, d) PCA axes
    pca_mean: np.ndarray              # (d,)
    reduced: np.ndarray               # (n, k) the clips in the PCA space
    skipped: list[str] = field(default_factory=list)   # unreadable files, with reasons
    from_cache: bool = False

    def __post_init__(self) -> None:
        self._rows = {str(n): i for i, n in enumerate(self.slice_file_names)}

    def __len__(self) -> int:
        return len(self.slice_file_names)

    def index_of(self, slice_file_name: str) -> int | None:
        """The row of a clip on the map, or None when it is not on it."""
        return self._rows.get(slice_file_name)

    def project(self, vector: np.ndarray) -> np.ndarray:
        """A clip vector (or a matrix of them) in the PCA space."""
        standard = (np.asarray(vector, dtype=np.float64) - self.mean) / self.scale
        return (standard - self.pca_mean) @ self.components.T

    def place(self, vector: np.ndarray, k: int = N_NEIGHBOURS) -> Placement:
        """The ``k`` nearest clips of ``vector`` and the distance-weighted mean of their map
        positions (an exact duplicate of a clip lands on that clip)."""
        vector = np.asarray(vector, dtype=np.float64)
        if vector.shape != self.mean.shape or not np.isfinite(vector).all():
            raise ValueError(f"expected {self.mean.shape[0]} finite values, got shape {vector.shape}")
        distances = np.linalg.norm(self.reduced - self.project(vector), axis=1)
        k = min(k, len(distances))
        nearest = np.argsort(distances, kind="stable")[:k]
        weights = 1.0 / np.maximum(distances[nearest], 1e-9)
        xy = (self.xy[nearest] * weights[:, None]).sum(axis=0) / weights.sum()
        return Placement((float(xy[0]), float(xy[1])),
                         [(str(self.slice_file_names[i]), str(self.classes[i]), float(distances[i]))
                          for i in nearest])

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"names": self.slice_file_names.astype(str), "classes": self.classes.astype(str),
                "folds": self.folds, "xy": self.xy, "mean": self.mean, "scale": self.scale,
                "components": self.components, "pca_mean": self.pca_mean, "reduced": self.reduced,
                "skipped": np.array(self.skipped, dtype=str)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> DatasetMap:
        """The map stored by ``to_arrays``; ValueError (or KeyError) if the arrays do not fit."""
        n, d = len(arrays["names"]), arrays["mean"].shape[0]
        k = arrays["components"].shape[0]
        shapes = {"classes": (n,), "folds": (n,), "xy": (n, 2), "scale": (d,),
                  "components": (k, d), "pca_mean": (d,), "reduced": (n, k)}
        for name, shape in shapes.items():
            if arrays[name].shape != shape:
                raise ValueError(f"{name} has shape {arrays[name].shape}, expected {shape}")
        return cls(arrays["names"].astype(str), arrays["classes"].astype(str),
                   arrays["folds"].astype(int), *(arrays[a].astype(np.float64) for a in _ARRAYS[3:]),
                   skipped=[str(s) for s in arrays.get("skipped", np.array([], dtype=str))],
                   from_cache=True)


def nearest_within(xy: np.ndarray, x: float, y: float, pixel_w: float, pixel_h: float,
                   radius_px: float) -> int | None:
    """The row of ``xy`` (n, 2) nearest (``x``, ``y``) measured in screen pixels of size
    ``pixel_w`` × ``pixel_h`` map units, if it lies within ``radius_px``; else None."""
    if not len(xy):
        return None
    d = np.hypot((xy[:, 0] - x) / pixel_w, (xy[:, 1] - y) / pixel_h)
    best = int(d.argmin())
    return best if d[best] <= radius_px else None


def file_vectors(paths: list[str]) -> dict[str, np.ndarray | str]:
    """The clip vector of each of ``paths`` (the recipe the map uses), or why it has none."""
    out: dict[str, np.ndarray | str] = {}
    for path in paths:
        try:
            out[path] = vectors_for_files([path])[0]
        except Exception as exc:   # e.g. out of memory: name the reason, keep the other files
            out[path] = f"{type(exc).__name__}: {exc}"
    return out


def compute_map(dataset: Dataset, cache: FeatureCache | None = None, progress: Progress | None = None,
                jobs: int = -1, params: FeatureParams = FeatureParams()) -> DatasetMap:
    """The map of every available clip of ``dataset`` (unreadable ones are skipped).

    ``progress(done, total)`` follows the vector extraction, then ``progress(0, 0)`` marks the
    embedding phase (standardise, PCA, t-SNE), which reports nothing more until it is done.
    ``jobs``: processes for the extraction; t-SNE uses that many threads, or with -1 all CPUs
    but one, which stays free for the window.

    With a cache, files unchanged since the last map (same size and modification time) lead
    straight to the stored map without reading them; otherwise the map's key is a digest of
    the vectors, so the same content under new dates still finds it.
    """
    clips = dataset.table[dataset.table["available"]]
    paths = clips["path"].tolist()
    settings = f"{params.key()}|{DEFAULT_RECIPE.cache_kind}"
    quick = clips_state_key(clips, settings, f"{MAP_VERSION}-by-file-dates") if cache is not None else None
    if quick is not None:
        pointer = cache.load(quick)
        if pointer is not None and "map_key" in pointer:
            found = _load_map(cache, str(pointer["map_key"]), clips["slice_file_name"].tolist())
            if found is not None:
                if progress is not None:
                    progress(len(paths), len(paths))
                return found
    X, skipped = extract_vectors(paths, params, jobs, cache, progress, recipe=DEFAULT_RECIPE)
    ok = complete_rows(X)
    clips = clips[ok]
    if progress is not None:
        progress(0, 0)
    names = clips["slice_file_name"].to_numpy(str)
    classes, folds = clips["class"].astype(str).to_numpy(str), clips["fold"].to_numpy(int)
    result = map_from_vectors(X[ok], names, classes, folds, cache, params.key(), jobs,
                              skipped=list(skipped))
    if quick is not None:
        cache.save(quick, {"map_key": np.array(map_key(X[ok], names, classes, folds, params.key()))})
    return result


def map_from_vectors(X: np.ndarray, names: np.ndarray, classes: np.ndarray, folds: np.ndarray,
                     cache: FeatureCache | None = None, params_key: str = "", jobs: int = -1,
                     skipped: list[str] | None = None) -> DatasetMap:
    """Embed the rows of ``X`` (labelled by ``names``, ``classes``, ``folds``), or read the map
    of exactly these inputs from ``cache``; ``skipped`` is stored with it."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    if len(X) == 0:
        raise ValueError("no readable clips to map")
    key = map_key(X, names, classes, folds, params_key) if cache is not None else None
    if key is not None:
        found = _load_map(cache, key, [str(n) for n in names])
        if found is not None:
            return found
    result = _embed(X, names, classes, folds, _tsne_threads(jobs))
    result.skipped = list(skipped or [])
    if key is not None:
        cache.save(key, result.to_arrays())
    return result


def map_key(X: np.ndarray, names: np.ndarray, classes: np.ndarray, folds: np.ndarray,
            params_key: str = "") -> str:
    """The cache key of the map of these vectors and labels, laid out as ``MAP_VERSION`` does."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    digest = hashlib.blake2b(digest_size=20)
    digest.update(np.asarray(X.shape, dtype=np.int64).tobytes())
    digest.update(X.tobytes())
    for column in (names, classes):
        digest.update("\0".join(str(v) for v in column).encode())
    digest.update(np.asarray(folds, dtype=np.int64).tobytes())
    return FeatureCache.key(digest.hexdigest(), f"{params_key}|{_layout_key(len(X))}",
                            kind=MAP_VERSION)


def _load_map(cache: FeatureCache, key: str, names: list[str]) -> DatasetMap | None:
    """The stored map under ``key`` if it is whole and maps exactly ``names`` (skipped
    files aside), else None; an unusable entry is logged and later overwritten."""
    stored = cache.load(key)
    if stored is None:
        return None
    try:
        found = DatasetMap.from_arrays(stored)
    except (KeyError, ValueError, IndexError) as exc:
        log.warning("dataset map cache entry %s is unusable (%s); rebuilding", key, exc)
        return None
    if not set(found.slice_file_names.tolist()) <= set(names):
        log.warning("dataset map cache entry %s names other clips; rebuilding", key)
        return None
    return found


def _tsne_threads(jobs: int) -> int:
    cpus = os.cpu_count() or 1
    return max(1, jobs) if jobs > 0 else max(1, cpus - 1)


def _layout_key(n: int) -> str:
    return (f"pca{MAX_COMPONENTS}-tsne2-perplexity{perplexity_for(n):.4f}-pcainit-"
            f"seed{RANDOM_STATE}-k{N_NEIGHBOURS}")


def _embed(X: np.ndarray, names: np.ndarray, classes: np.ndarray, folds: np.ndarray,
           threads: int) -> DatasetMap:
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE
    from threadpoolctl import threadpool_limits

    n, d = X.shape
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    scale = np.where(std > 1e-12, std, 1.0)
    standard = (X - mean) / scale
    k = max(1, min(MAX_COMPONENTS, n - 1, d))
    pca = PCA(k, svd_solver="full", random_state=RANDOM_STATE).fit(standard)
    reduced = pca.transform(standard)
    if n >= 4:
        tsne = TSNE(2, perplexity=perplexity_for(n), init="pca", learning_rate="auto",
                    random_state=RANDOM_STATE)
        # The Barnes-Hut gradient runs on OpenMP threads, which spin hard when the CPUs are
        # shared: measured 11 s on one thread and 59 s on two on a busy 2-CPU machine.
        with threadpool_limits(threads, user_api="openmp"):
            xy = tsne.fit_transform(reduced)
    else:                              # too few points for t-SNE: the first two PCA axes
        xy = np.zeros((n, 2))
        xy[:, :min(2, k)] = reduced[:, :2]
    return DatasetMap(np.asarray(names, dtype=str), np.asarray(classes, dtype=str),
                      np.asarray(folds, dtype=int), np.asarray(xy, dtype=np.float64), mean, scale,
                      pca.components_.astype(np.float64), pca.mean_.astype(np.float64), reduced)
