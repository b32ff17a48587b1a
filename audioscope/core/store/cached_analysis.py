"""One call from a file path to a decoded clip and its features, through the cache."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from audioscope.core.signal.audio import Clip, load_clip
from audioscope.core.signal.features import FeatureParams, Features, compute_feature_sets
from audioscope.core.store.cache import FeatureCache

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Analysis:
    """A decoded clip, the features the views draw, and any extra feature sets asked for."""

    clip: Clip
    features: Features
    extra: tuple[Features, ...] = ()


def analyse_file(path: str | Path, params: FeatureParams = FeatureParams(),
                 cache: FeatureCache | None = None, also: Sequence[FeatureParams] = (),
                 keep_samples: bool = True, digest: bool = False, cache_from_s: float = 0.0) -> Analysis:
    """Decode ``path`` and compute (or fetch from ``cache``) its features with ``params`` and
    with each of ``also`` (in ``Analysis.extra``); sets that share an STFT compute it once.
    Without ``keep_samples`` (nothing to play) ``clip.samples`` is None and long files are
    decoded in little memory (``load_clip``). With ``digest`` the clip's ``digest`` is set
    whatever its length (a key for its cached vector). Clips shorter than ``cache_from_s``
    bypass the cache (the window sets it: recomputing a 4 s clip, ~5 ms, beats hashing the
    file and writing its entries).

    Raises AudioLoadError for files that cannot be decoded; cache problems are only logged.
    """
    # The cache key is the digest of the very bytes decoded: a file replaced while it is read
    # cannot leave one file's features under another's key.
    digest_from = cache_from_s if cache is not None else None
    clip = load_clip(path, analysis_rate=params.sample_rate,
                     digest_from_s=0.0 if digest else digest_from, keep_samples=keep_samples)
    if clip.digest is None or digest_from is None or clip.duration < digest_from:
        cache = None               # no cache, a short clip (recomputed faster), or not hashable
    wanted = [params, *also]
    found: dict[FeatureParams, Features] = {}
    keys: dict[FeatureParams, str] = {}
    if cache is not None:
        for p in dict.fromkeys(wanted):
            keys[p] = cache.key(clip.digest, p.key())
            stored = cache.load(keys[p])
            if stored is None:
                continue
            try:
                found[p] = Features.from_arrays(p, stored)
            except (KeyError, ValueError, TypeError) as exc:
                log.warning("cache entry for %s is incomplete (%s); recomputing", path, exc)
    missing = [p for p in dict.fromkeys(wanted) if p not in found]
    if missing:
        for p, features in zip(missing, compute_feature_sets(clip.signal, missing)):
            found[p] = features
            if cache is not None:
                cache.save(keys[p], features.to_arrays())
    return Analysis(clip, found[params], tuple(found[p] for p in also))
