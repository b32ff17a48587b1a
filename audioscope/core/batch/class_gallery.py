"""Class gallery: per class, the mean mel spectrogram, its most typical clips and its outliers.

Mean spectrogram: the mean, frame by frame, of the clips' mel dB spectrograms (default
``FeatureParams``) on a fixed grid of ``GRID_SECONDS`` (4 s, the longest UrbanSound8K slice).
A shorter clip is padded with its own *floor* — the value silence takes in its spectrogram,
``max(peak − top_db, −100 dB)`` — as zero-padding the audio to 4 s would show it (but for the
two frames straddling the clip's end); so every clip counts in every frame, and a class of
short sounds (gun shots) fades to dark on the right. Frames beyond the grid (a longer file) are dropped. ``coverage`` keeps, per
frame, the share of clips that really reach it.

Typical clips and outliers: in the standardised clip-vector space of the classifier (the
``recipe`` vectors, z-scored over all clips of the gallery), the class mean is the mean of the
class's vectors; ``distance`` is the root-mean-square difference from it in standard
deviations per feature (Euclidean distance / √dimensions). Typical = nearest, outliers =
farthest (never also typical). Outliers are where mislabelled and background clips hide.

The finished gallery is cached as one ``.npz`` (no pickles) keyed by the clips' names,
metadata, size and modification time, the parameters and ``GALLERY_VERSION``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from audioscope.core.batch.clips_state import clips_state_key, complete_rows
from audioscope.core.dataset.metadata import CLASS_NAMES, Dataset
from audioscope.core.model.recipes import DEFAULT_RECIPE
from audioscope.core.process.process_pool import run_tasks
from audioscope.core.signal.features import AMIN, FeatureParams, mel_power, power_to_db
from audioscope.core.store.cache import FeatureCache

if TYPE_CHECKING:
    from audioscope.core.batch.vectors import Progress

log = logging.getLogger(__name__)
GALLERY_VERSION = "class-gallery-1"
GRID_SECONDS = 4.0


@dataclass(frozen=True)
class GalleryClip:
    """A typical or outlier clip of a class."""

    slice_file_name: str
    fold: int
    salience: int              # 1 foreground, 2 background
    distance: float            # RMS standardised distance from the class mean (σ)

    @property
    def is_background(self) -> bool:
        return self.salience == 2


@dataclass(frozen=True, eq=False)
class GalleryRow:
    """One class: ``mean_mel`` (n_mels, n_frames) float32 dB, NaN when no clip was read."""

    class_name: str
    n_clips: int                       # clips averaged into mean_mel
    mean_mel: np.ndarray
    coverage: np.ndarray               # (n_frames,) share of clips lasting to each frame
    typical: tuple[GalleryClip, ...]   # nearest first
    outliers: tuple[GalleryClip, ...]  # farthest first
    median_distance: float             # of all the class's clips (NaN without vectors)


@dataclass(frozen=True, eq=False)
class Gallery:
    """Ten rows in ``CLASS_NAMES`` order; ``skipped``: messages of files that could not be read."""

    params: FeatureParams
    rows: tuple[GalleryRow, ...]
    skipped: tuple[str, ...] = ()
    from_cache: bool = False

    @property
    def n_frames(self) -> int:
        return self.rows[0].mean_mel.shape[1]

    @property
    def duration(self) -> float:
        return GRID_SECONDS

    def row(self, class_name: str) -> GalleryRow:
        return self.rows[CLASS_NAMES.index(class_name)]


def grid_frames(params: FeatureParams) -> int:
    """Frames of a ``GRID_SECONDS`` clip (centred frames: 1 + samples // hop); 173 by default."""
    return 1 + int(round(GRID_SECONDS * params.sample_rate)) // params.hop_length


def on_grid(mel_db: np.ndarray, n_frames: int, top_db: float | None) -> np.ndarray:
    """``mel_db`` cut or padded to ``n_frames`` columns; padding is the clip's floor."""
    if mel_db.shape[1] >= n_frames:
        return mel_db[:, :n_frames]
    floor = 10.0 * np.log10(AMIN)
    if top_db is not None:
        floor = max(floor, float(mel_db.max()) - top_db)
    out = np.full((mel_db.shape[0], n_frames), floor, dtype=mel_db.dtype)
    out[:, :mel_db.shape[1]] = mel_db
    return out


def mel_sums(paths: Sequence[str], class_ids: Sequence[int], params: FeatureParams = FeatureParams()
             ) -> tuple[dict[int, tuple[np.ndarray, int, np.ndarray]], list[str]]:
    """Per class present: (sum of gridded mel dB as float64, clips, frames covered per frame
    column), and the messages of unreadable files. Pure, so any worker process can run it."""
    from audioscope.core.signal.audio import AudioLoadError, load_clip

    n_frames = grid_frames(params)
    sums: dict[int, tuple[np.ndarray, int, np.ndarray]] = {}
    errors = []
    for path, class_id in zip(paths, class_ids):
        try:
            signal = load_clip(path, analysis_rate=params.sample_rate).signal
        except AudioLoadError as exc:
            errors.append(str(exc))
            continue
        mel_db = power_to_db(mel_power(signal, params), params.top_db)
        if int(class_id) not in sums:
            sums[int(class_id)] = (np.zeros((params.n_mels, n_frames)), 0, np.zeros(n_frames, dtype=np.int64))
        total, count, covered = sums[int(class_id)]
        total += on_grid(mel_db, n_frames, params.top_db)
        covered[:min(mel_db.shape[1], n_frames)] += 1
        sums[int(class_id)] = (total, count + 1, covered)
    return sums, errors


def compute_gallery(dataset: Dataset, cache: FeatureCache | None = None, progress: Progress | None = None,
                    jobs: int = -1, n_typical: int = 3, n_outliers: int = 3,
                    params: FeatureParams = FeatureParams()) -> Gallery:
    """The gallery of ``dataset``'s available clips, from ``cache`` when it holds it.

    ``progress(done, total)``: total is twice the number of clips; the first half counts
    spectrograms averaged, the second clip vectors (cached ones at once).
    """
    from audioscope.core.batch.vectors import CLIPS_PER_TASK, extract_vectors

    clips = dataset.table[dataset.table["available"]].reset_index(drop=True)
    settings = f"{params.key()}|{GALLERY_VERSION}|{DEFAULT_RECIPE.cache_kind}|{n_typical}|{n_outliers}"
    key = clips_state_key(clips, settings, GALLERY_VERSION) if cache is not None else None
    if key is not None:
        stored = cache.load(key)
        if stored is not None:
            try:
                return _from_arrays(stored, params)
            except (KeyError, ValueError, TypeError, IndexError) as exc:
                log.warning("cached class gallery is incomplete (%s); rebuilding it", exc)
    paths, class_ids = clips["path"].tolist(), clips["classID"].to_numpy(int)
    total = 2 * len(paths)
    if progress is not None:
        progress(0, total)
    n_frames = grid_frames(params)
    sums = np.zeros((len(CLASS_NAMES), params.n_mels, n_frames))
    counts = np.zeros(len(CLASS_NAMES), dtype=np.int64)
    covered = np.zeros((len(CLASS_NAMES), n_frames), dtype=np.int64)
    skipped: list[str] = []
    chunks = [range(i, min(i + CLIPS_PER_TASK, len(paths))) for i in range(0, len(paths), CLIPS_PER_TASK)]
    done = 0
    if chunks:   # on process_pool's workers, which end with this process
        tasks = (([paths[i] for i in chunk], class_ids[list(chunk)], params) for chunk in chunks)
        results = run_tasks(mel_sums, tasks, jobs)
        for (chunk_sums, errors), chunk in zip(results, chunks):   # results first: run to their end
            for class_id, (total_db, count, frames) in chunk_sums.items():
                sums[class_id] += total_db
                counts[class_id] += count
                covered[class_id] += frames
            skipped += errors
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    vectors, _ = extract_vectors(paths, FeatureParams(), jobs, cache,   # the recipe's parameters
                                 None if progress is None else lambda d, _t: progress(len(paths) + d, total),
                                 recipe=DEFAULT_RECIPE)          # the space the key names
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_mel = (sums / counts[:, None, None]).astype(np.float32)
        coverage = (covered / counts[:, None]).astype(np.float32)
    gallery = _rank(clips, vectors, mean_mel, counts, coverage, params, n_typical, n_outliers, skipped)
    if key is not None:
        cache.save(key, _to_arrays(gallery))
    return gallery


def standardised_distances(vectors: np.ndarray, class_ids: np.ndarray) -> np.ndarray:
    """Each row's RMS distance (σ per feature) from its class mean, after z-scoring every
    column over all rows; NaN for rows with NaN (unreadable files)."""
    ok = complete_rows(vectors)
    out = np.full(len(vectors), np.nan)
    if not ok.any():
        return out
    x = vectors[ok]
    std = x.std(axis=0)
    z = (x - x.mean(axis=0)) / np.where(std > 1e-12, std, 1.0)
    ids = class_ids[ok]
    dist = np.empty(len(z))
    for class_id in np.unique(ids):
        members = ids == class_id
        centre = z[members].mean(axis=0)
        dist[members] = np.sqrt(np.mean((z[members] - centre) ** 2, axis=1))
    out[ok] = dist
    return out


def _rank(clips, vectors: np.ndarray, mean_mel: np.ndarray, counts: np.ndarray, coverage: np.ndarray,
          params: FeatureParams, n_typical: int, n_outliers: int, skipped: list[str]) -> Gallery:
    class_ids = clips["classID"].to_numpy(int)
    distances = standardised_distances(vectors, class_ids)
    rows = []
    for class_id, name in enumerate(CLASS_NAMES):
        members = np.flatnonzero((class_ids == class_id) & ~np.isnan(distances))
        order = members[np.argsort(distances[members], kind="stable")]
        typical = order[:n_typical]
        outliers = order[len(typical):][::-1][:n_outliers]

        def refs(indices) -> tuple[GalleryClip, ...]:
            return tuple(GalleryClip(str(clips.at[i, "slice_file_name"]), int(clips.at[i, "fold"]),
                                     int(clips.at[i, "salience"]), float(distances[i])) for i in indices)

        median = float(np.median(distances[members])) if len(members) else float("nan")
        rows.append(GalleryRow(name, int(counts[class_id]), mean_mel[class_id], coverage[class_id],
                               refs(typical), refs(outliers), median))
    return Gallery(params, tuple(rows), tuple(skipped))


_CLIP_FIELDS = ("names", "folds", "salience", "distances")


def _to_arrays(gallery: Gallery) -> dict[str, np.ndarray]:
    arrays = {"mean_mel": np.stack([r.mean_mel for r in gallery.rows]),
              "coverage": np.stack([r.coverage for r in gallery.rows]),
              "counts": np.array([r.n_clips for r in gallery.rows]),
              "median_distance": np.array([r.median_distance for r in gallery.rows]),
              "skipped": np.array(gallery.skipped, dtype=str)}
    for kind in ("typical", "outliers"):
        refs = [(i, c) for i, r in enumerate(gallery.rows) for c in getattr(r, kind)]
        arrays[f"{kind}_class"] = np.array([i for i, _ in refs], dtype=np.int64)
        arrays[f"{kind}_names"] = np.array([c.slice_file_name for _, c in refs], dtype=str)
        arrays[f"{kind}_folds"] = np.array([c.fold for _, c in refs], dtype=np.int64)
        arrays[f"{kind}_salience"] = np.array([c.salience for _, c in refs], dtype=np.int64)
        arrays[f"{kind}_distances"] = np.array([c.distance for _, c in refs], dtype=np.float64)
    return arrays


def _from_arrays(arrays: dict[str, np.ndarray], params: FeatureParams) -> Gallery:
    mean_mel, coverage = arrays["mean_mel"], arrays["coverage"]
    if mean_mel.shape != (len(CLASS_NAMES), params.n_mels, grid_frames(params)):
        raise ValueError(f"mean spectrograms of shape {mean_mel.shape}")
    refs: dict[str, list[list[GalleryClip]]] = {}
    for kind in ("typical", "outliers"):
        refs[kind] = [[] for _ in CLASS_NAMES]
        fields = [arrays[f"{kind}_{f}"] for f in ("class", *_CLIP_FIELDS)]
        for class_id, name, fold, salience, distance in zip(*fields, strict=True):
            refs[kind][int(class_id)].append(GalleryClip(str(name), int(fold), int(salience), float(distance)))
    rows = tuple(GalleryRow(n, int(arrays["counts"][i]), mean_mel[i], coverage[i], tuple(refs["typical"][i]),
                            tuple(refs["outliers"][i]), float(arrays["median_distance"][i]))
                 for i, n in enumerate(CLASS_NAMES))
    return Gallery(params, rows, tuple(str(s) for s in arrays["skipped"]), from_cache=True)
