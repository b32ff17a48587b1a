"""What one click computes, off the GUI thread: a clip's analysis and view images, then its
prediction, then the why strip's occlusion; and the warm-up before the first click.

The window submits these to its workers and draws what comes back (``gui.clip.clip_pane``).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from audioscope.core.dataset.metadata import Dataset, row_of_file
from audioscope.core.inspection.view_images import ViewImages, view_images
from audioscope.core.model.classifier import ModelLoadError, Prediction, shared_bundle
from audioscope.core.model.occlusion import Occlusion, occlusion
from audioscope.core.process.allocator import release_freed_memory
from audioscope.core.signal.features import FeatureParams, compute_features
from audioscope.core.store.cache import FeatureCache
from audioscope.core.store.cached_analysis import Analysis, analyse_file

if TYPE_CHECKING:                  # imported where used: the window paints before pandas loads
    import pandas as pd

log = logging.getLogger(__name__)
# Clips shorter than this are analysed afresh each time they are shown: for an UrbanSound8K
# clip that is faster than hashing the file and reading and writing cache entries.
CACHE_FROM_S = 20.0


@dataclass(frozen=True)
class ClipRequest:
    """What to show: a file, and its metadata row when it belongs to the open dataset."""

    path: Path
    row: pd.Series | None = None

    @property
    def fold(self) -> int | None:
        return int(self.row["fold"]) if self.row is not None else None

    @property
    def true_class(self) -> str | None:
        return str(self.row["class"]) if self.row is not None else None


@dataclass(frozen=True)
class Inspection:
    """A worker's result: the analysis drawn, and — once it has arrived — the prediction or
    why there is none (``ClipPane.predicted`` emits the inspection with it)."""

    request: ClipRequest
    analysis: Analysis
    images: ViewImages
    prediction: Prediction | None = None
    prediction_problem: str = ""


def inspect_clip(request: ClipRequest, params: FeatureParams, cache: FeatureCache,
                 dataset: Dataset | None = None) -> Inspection:
    """Decode and analyse one clip for the views (runs on a pool thread; raises AudioLoadError).

    A file without a metadata row is looked up in the open ``dataset``, else in the dataset
    folder it lies in, if any, so a dropped dataset clip also gets its true class and the
    model that never saw its fold.
    """
    if request.row is None:
        row = dataset.row_for_file(request.path) if dataset is not None else None
        request = ClipRequest(request.path, row if row is not None else row_of_file(request.path))
    analysis = analyse_file(request.path, params, cache, digest=True,   # digest: the vector's key
                            cache_from_s=CACHE_FROM_S)
    return Inspection(request, analysis, view_images(analysis.features))


def predict_clip(inspection: Inspection, cache: FeatureCache) -> Inspection:
    """The inspection with its prediction (runs on a pool thread): the clip's vector is read
    from the cache's vector store when there (e.g. after `audioscope train`), else computed."""
    try:
        bundle = shared_bundle()
    except ModelLoadError as exc:
        return replace(inspection, prediction_problem=f"No prediction: {exc}")
    clip = inspection.analysis.clip
    vector = bundle.cached_vector(clip.signal, clip.digest, cache)
    return replace(inspection, prediction=bundle.predict_vector(vector, inspection.request.fold))


def explain_clip(signal: np.ndarray, fold: int | None) -> Occlusion | None:
    """The "why" strip's occlusion of one clip (runs on a pool thread). Its batches are the
    largest memory a clip needs; what they freed goes back to the OS (``allocator``)."""
    explained = occlusion(signal, shared_bundle(), fold)
    release_freed_memory()
    return explained


def warm_up(params: FeatureParams) -> None:
    """Load the bundled model, its embedding networks and the mel filterbank ahead of the first
    clip (pool thread).

    Their imports hold Python's GIL for long stretches; done while the user is still reading
    the window, they do not stall the first selection.
    """
    from audioscope.core.model.embedding.runtime import EmbeddingModelError, shared_model, use_threads
    from audioscope.core.signal.features import scipy_fft

    scipy_fft()                               # imported once, under its lock (features.scipy_fft)
    use_threads(os.cpu_count() or 1)          # one clip at a time: all cores for each
    try:
        if shared_bundle().recipe.uses_embeddings:
            for name in ("birdnet", "aisfx"):  # verify and load the networks before the first click
                shared_model(name)
    except (ModelLoadError, EmbeddingModelError) as exc:
        log.warning("bundled model unavailable: %s", exc)
    _ = compute_features(np.zeros(params.n_fft, dtype=np.float32), params).mel_frequencies
