"""core.model.occlusion: each segment replaced by the clip's quietest stretch, and the probability drop."""

from __future__ import annotations

import numpy as np
import pytest

from audioscope.core.model.classifier import load_bundle
from audioscope.core.model.occlusion import (
    MAX_DURATION_S,
    occluded_signals,
    occlusion,
    segment_bounds,
    why_not,
)
from audioscope.core.signal.audio import load_clip


@pytest.fixture(scope="module")
def bundle():
    return load_bundle()


def test_segments_cover_the_clip_and_are_never_shorter_than_a_tenth_of_a_second():
    edges = segment_bounds(88_200, 22050)
    assert edges[0] == 0 and edges[-1] == 88_200 and len(edges) == 17
    short = segment_bounds(5000, 22050)                 # 0.23 s: two segments at most
    assert len(short) == 3 and np.diff(short).min() >= 0.1 * 22050


def test_each_variant_replaces_only_its_segment_with_the_quietest_stretch():
    rng = np.random.default_rng(0)
    signal = (0.5 * rng.normal(size=22050)).astype(np.float32)
    signal[12000:19000] *= 0.01                          # a quiet stretch: the "background"
    edges = segment_bounds(len(signal), 22050, 4)
    variants = occluded_signals(signal, 22050, edges)
    assert variants.shape == (4, len(signal))
    for i, (a, b) in enumerate(zip(edges[:-1], edges[1:])):
        changed = np.flatnonzero(variants[i] != signal)
        assert changed.min() >= a and changed.max() < b  # nothing outside the segment moves
        inner = variants[i][a + 200:b - 200]             # away from the 5 ms cross-fades
        if b <= 12000:                                    # segments clear of the quiet stretch
            assert np.sqrt(np.mean(inner ** 2)) < 0.05 * np.sqrt(np.mean(signal[a:b] ** 2))


def test_drops_are_the_probability_changes_the_model_gives(bundle, original_files):
    clip = load_clip(original_files[0])
    result = occlusion(clip.signal, bundle, fold=1)
    base = bundle.predict_vector(_vector(clip.signal), fold=1)
    assert result.predicted == base.predicted and result.model == "without_fold_1"
    assert result.probability == pytest.approx(base.confidence, abs=1e-9)
    edges = segment_bounds(len(clip.signal), 22050)
    variant = occluded_signals(clip.signal, 22050, edges)[5]
    hidden = bundle.predict_vector(_vector(variant), fold=1)
    assert result.drops[5] == pytest.approx(base.confidence - hidden.probabilities[base.predicted], abs=1e-6)
    assert len(result.drops) == len(result.starts) == 16 and np.isfinite(result.drops).all()


def test_clips_too_long_or_too_short_to_split_are_not_occluded_and_say_why(bundle):
    long = np.zeros(int((MAX_DURATION_S + 1) * 22050), np.float32)
    assert occlusion(long, bundle) is None and "up to 30 s" in why_not(len(long), 22050)
    short = np.random.default_rng(0).normal(size=3000).astype(np.float32)      # 0.14 s: one part
    assert occlusion(short, bundle) is None and "too short (0.14 s)" in why_not(len(short), 22050)
    assert why_not(int(0.25 * 22050), 22050) == ""                               # two parts


def _vector(signal: np.ndarray) -> np.ndarray:
    """The clip's vector computed alone (occlusion batches 17 copies and skips repeated parts)."""
    return load_bundle().vectors([signal])[0]
