"""One call from a file path to a decoded clip and its features, through the cache."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from audioscope.core.audio import Clip, load_clip
from audioscope.core.cache import FeatureCache, file_digest
from audioscope.core.features import FeatureParams, Features, compute_features

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Analysis:
    """A decoded clip and the features the views draw."""

    clip: Clip
    features: Features


def analyse_file(path: str | Path, params: FeatureParams = FeatureParams(),
                 cache: FeatureCache | None = None) -> Analysis:
    """Decode ``path`` and compute (or fetch from ``cache``) its features.

    Raises AudioLoadError for files that cannot be decoded; cache problems are only logged.
    """
    clip = load_clip(path, analysis_rate=params.sample_rate)
    if cache is None:
        return Analysis(clip, compute_features(clip.signal, params))
    try:
        key = cache.key(file_digest(path), params.key())
    except OSError as exc:  # the file vanished or became unreadable after decoding
        log.warning("cannot hash %s for the cache (%s)", path, exc)
        return Analysis(clip, compute_features(clip.signal, params))
    stored = cache.load(key)
    if stored is not None:
        try:
            return Analysis(clip, Features.from_arrays(params, stored))
        except (KeyError, ValueError, TypeError) as exc:
            log.warning("cache entry for %s is incomplete (%s); recomputing", path, exc)
    features = compute_features(clip.signal, params)
    cache.save(key, features.to_arrays())
    return Analysis(clip, features)
