"""The arrays the clip views draw, prepared off the GUI thread: the spectrogram and MFCC images
(long clips decimated for drawing only), the waveform's amplitude range, and the mel axis in Hz."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from audioscope.core.signal.features import FeatureParams, Features, mel_band_centres

MAX_IMAGE_COLUMNS = 4096           # longer spectrograms are decimated for drawing only
HZ_TICKS = (0, 250, 500, 1000, 2000, 4000, 8000, 16000)


def standardise_rows(values: np.ndarray) -> np.ndarray:
    """Each row minus its mean, divided by its standard deviation (constant rows become 0)."""
    values = np.asarray(values, dtype=np.float32)
    std = values.std(axis=1, keepdims=True)
    return ((values - values.mean(axis=1, keepdims=True)) / np.where(std > 1e-6, std, 1.0)).astype(np.float32)


def decimate_columns(image: np.ndarray, reduce: np.ufunc, mean: bool = False) -> np.ndarray:
    """At most MAX_IMAGE_COLUMNS columns for drawing: groups of frames reduced with ``reduce``
    (np.maximum keeps peaks; np.add with ``mean`` averages). Short clips are returned as is."""
    n = image.shape[1]
    if n <= MAX_IMAGE_COLUMNS:
        return image
    starts = np.linspace(0, n, MAX_IMAGE_COLUMNS + 1).astype(np.int64)[:-1]
    out = reduce.reduceat(image, starts, axis=1)
    if mean:
        out /= np.diff(np.append(starts, n))
    return out.astype(np.float32, copy=False)


def amplitude_range(peak: float) -> float:
    """Half-height of the waveform plot for a clip peaking at ``peak``: 5 % headroom, rounded
    up to the R10 series (1, 1.26, 1.58, 2, … × 10^k). Clips of similar level share one axis,
    so it is not redrawn for each clip, and a clip still fills at least 3/4 of the height."""
    return float(10 ** (np.ceil(np.log10(peak * 1.05) * 10 - 1e-9) / 10))


@dataclass(frozen=True, eq=False)
class ViewImages:
    """The arrays the spectrogram and MFCC images draw (decimated for long clips)."""

    mel: np.ndarray
    mfcc: np.ndarray


def view_images(features: Features) -> ViewImages:
    """Prepare the images of ``features``; pure numpy, so a worker thread can do it."""
    return ViewImages(decimate_columns(features.mel_db, np.maximum),
                      decimate_columns(standardise_rows(features.mfcc), np.add, mean=True))


def hz_label(hz: float) -> str:
    """A tick label: 250, 1k, 1.5k, 16k."""
    return f"{hz / 1000:g}k" if hz >= 1000 else f"{hz:g}"


def mel_axis(params: FeatureParams, n_mels: int, edge: float = 0.5, scale: float = 1.0
             ) -> tuple[np.ndarray, np.ndarray]:
    """(hz, y) to interpolate between frequency and height on a mel image whose band ``i`` is
    centred at ``(i + 0.5) * scale``; ``fmin`` and ``f_max`` sit ``edge`` bands beyond the
    first and last band."""
    hz = np.concatenate([[params.fmin], _mel_centres(params), [params.f_max]])
    y = np.concatenate([[-edge], np.arange(n_mels) + 0.5, [n_mels + edge]]) * scale
    return hz, y


def hz_ticks(params: FeatureParams, axis: tuple[np.ndarray, np.ndarray], ticks=HZ_TICKS,
             low: float = -np.inf, high: float = np.inf, label=hz_label) -> list[tuple[float, str]]:
    """(height, label) of each of ``ticks`` between ``fmin`` and ``f_max``, clipped to [low, high]."""
    hz, y = axis
    return [(float(np.clip(np.interp(f, hz, y), low, high)), label(f))
            for f in ticks if params.fmin <= f <= params.f_max]


@functools.lru_cache(maxsize=4)
def _mel_centres(params: FeatureParams) -> np.ndarray:
    return mel_band_centres(params)
