"""Which parts of a clip drive its prediction: occlusion, segment by segment.

Each time segment in turn is replaced by the clip's background — its own quietest stretch of
the same length, joined with 5 ms cross-fades — and the clip is classified again. The drop in
the predicted class's probability is that segment's share in the decision: large where the
sound that made the model decide is, near zero (or negative) elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_DURATION_S = 30.0        # longer clips are not occluded: 17 copies of a 30 s clip are 170
#                              BirdNET windows, seconds of CPU for a strip
DEFAULT_SEGMENTS = 16
MIN_SEGMENT_S = 0.1
FADE_S = 0.005


@dataclass(frozen=True, eq=False)
class Occlusion:
    """Per segment [starts[i], ends[i]) seconds: how much the predicted class's probability
    drops when that segment is replaced by background."""

    predicted: str
    probability: float           # of ``predicted`` for the untouched clip
    starts: np.ndarray
    ends: np.ndarray
    drops: np.ndarray            # probability − probability with the segment occluded
    model: str


def segment_bounds(n_samples: int, sample_rate: int, n_segments: int = DEFAULT_SEGMENTS) -> np.ndarray:
    """Sample indices of segment edges: ``n_segments`` equal parts, none shorter than 0.1 s."""
    longest = max(1, int(n_samples / (MIN_SEGMENT_S * sample_rate)))
    n = max(1, min(n_segments, longest))
    return np.linspace(0, n_samples, n + 1).astype(np.int64)


def occluded_signals(signal: np.ndarray, sample_rate: int, edges: np.ndarray) -> np.ndarray:
    """One copy of ``signal`` per segment, with that segment replaced by the quietest stretch
    of the same length elsewhere in the clip (n_segments, n_samples), float32."""
    signal = np.asarray(signal, dtype=np.float32)
    n = len(signal)
    out = np.repeat(signal[None, :], len(edges) - 1, axis=0)
    fade = max(1, int(FADE_S * sample_rate))
    energy = np.concatenate([[0.0], np.cumsum(np.square(signal, dtype=np.float64))])
    for i, (a, b) in enumerate(zip(edges[:-1], edges[1:])):
        length = b - a
        if length <= 0:
            continue
        starts = np.arange(0, n - length + 1)
        window_energy = energy[starts + length] - energy[starts]
        overlaps = (starts < b) & (starts + length > a)
        if (~overlaps).any():          # prefer background from outside the segment itself
            window_energy = np.where(overlaps, np.inf, window_energy)
        quiet = int(starts[np.argmin(window_energy)])
        patch = signal[quiet:quiet + length].copy()
        ramp = np.linspace(0.0, 1.0, min(fade, length // 2) + 2, dtype=np.float32)[1:-1]
        if ramp.size:                  # cross-fade in and out of the patch
            patch[:ramp.size] = ramp * patch[:ramp.size] + (1 - ramp) * signal[a:a + ramp.size]
            tail = slice(length - ramp.size, length)
            patch[tail] = ramp[::-1] * patch[tail] + (1 - ramp[::-1]) * signal[a + length - ramp.size:b]
        out[i, a:b] = patch
    return out


def why_not(n_samples: int, sample_rate: int) -> str:
    """Why a clip of ``n_samples`` gets no occlusion, or "" when it does."""
    seconds = n_samples / sample_rate
    if seconds > MAX_DURATION_S:
        return f"the why strip covers clips up to {MAX_DURATION_S:.0f} s"
    if len(segment_bounds(n_samples, sample_rate)) < 3:
        return f"too short ({seconds:.2f} s) to split into parts of at least {MIN_SEGMENT_S:g} s"
    return ""


def occlusion(signal: np.ndarray, bundle, fold: int | None = None,
              n_segments: int = DEFAULT_SEGMENTS) -> Occlusion | None:
    """Occlusion of a clip's analysis signal (at the bundle's sample rate) for ``bundle``'s
    model (the one that never saw ``fold``); None when ``why_not`` gives a reason."""
    params = bundle.feature_params
    rate = params.sample_rate
    if why_not(len(signal), rate):
        return None
    edges = segment_bounds(len(signal), rate, n_segments)
    variants = [np.asarray(signal, dtype=np.float32), *occluded_signals(signal, rate, edges)]
    vectors = bundle.vectors(variants)   # embeddings: the copies' windows batched (clip_embedding)
    key = bundle.model_key(fold)
    probabilities = bundle.predict_matrix(vectors, fold)       # (1 + n_segments, classes)
    top = int(np.argmax(probabilities[0]))
    from audioscope.core.dataset.metadata import CLASS_NAMES

    return Occlusion(CLASS_NAMES[top], float(probabilities[0, top]), edges[:-1] / rate, edges[1:] / rate,
                     probabilities[0, top] - probabilities[1:, top], key)
