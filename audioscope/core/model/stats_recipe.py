"""The classifier recipe: one clip → one feature vector, and the model that learns from them.

Everything comes from ``compute_features`` — the pipeline the explorer draws — run twice:
with the default parameters (128 mel bands, 40 MFCCs) and with 40 mel bands / 20 MFCCs.
The vector joins

* level-relative statistics of the 40-band spectrogram (band shape, spread and percentiles
  below the clip's loudest bin, spectral flux, MFCC 1–19 mean/std, frame activity, spectral
  centroid/spread/entropy/flatness, a temporal-modulation spectrum), and
* absolute statistics of the 128-band spectrogram (MFCC mean/std and delta statistics,
  32 coarse bands' mean/std/range, frame energy, zero-crossing rate, clip length, modulation),

807 values in all. The model is a soft vote of a logistic regression and an RBF SVM (after a
64-component PCA, which keeps the saved model small). docs/classifier.md has the comparison
that chose this recipe.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from audioscope.core.signal.features import FeatureParams, Features, compute_features

# Bump when clip_vector changes its output: cached vectors and bundled models depend on it.
RECIPE_VERSION = "clip-stats-4"
COARSE_PARAMS = FeatureParams(n_mels=40, n_mfcc=20)   # the second, coarser analysis
COARSE_BANDS = 32                                    # of the 128-band spectrogram
_MODULATION_EDGES = (1, 2, 3, 5, 8, 13, 22, 40, 80)   # bins of a 256-point FFT over frames
VECTOR_LENGTH = 807


def clip_vector(features: Features, signal: np.ndarray, coarse: Features | None = None) -> np.ndarray:
    """807 float64 values describing a clip; ``features`` must use the default parameters and
    ``coarse`` (computed here when not given) ``COARSE_PARAMS``."""
    signal = np.ascontiguousarray(signal, dtype=np.float32)
    if coarse is None:
        coarse = compute_features(signal, COARSE_PARAMS)
    return clip_vectors([features], [coarse], [signal])[0]


def clip_vectors(features: Sequence[Features], coarse: Sequence[Features],
                 signals: Sequence[np.ndarray]) -> np.ndarray:
    """``clip_vector`` for many clips at once, (n_clips, 807): clips with the same number of
    frames are summarised together, which spares most of numpy's per-call overhead."""
    return clip_vectors_of([SignalStats.of(s) for s in signals], features, coarse)


class SignalStats(NamedTuple):
    """What a clip vector needs of the signal itself. Kept instead of the signal, a batch of
    long clips does not hold their audio."""

    n_samples: int
    crossing_rate: float

    @classmethod
    def of(cls, signal: np.ndarray) -> SignalStats:
        return cls(len(signal), _crossing_rate(signal))


def clip_vectors_of(stats: Sequence[SignalStats], features: Sequence[Features],
                    coarse: Sequence[Features]) -> np.ndarray:
    """``clip_vectors`` from each clip's ``SignalStats`` instead of its signal."""
    if any(c.params != COARSE_PARAMS for c in coarse):
        raise ValueError(f"coarse features need {COARSE_PARAMS}")
    out = np.empty((len(features), VECTOR_LENGTH))
    groups: dict[int, list[int]] = {}
    for i, f in enumerate(features):
        groups.setdefault(f.mel_db.shape[1], []).append(i)
    for members in groups.values():
        mel = np.stack([coarse[i].mel_db for i in members]).astype(np.float64)
        mfcc = np.stack([coarse[i].mfcc for i in members]).astype(np.float64)
        lengths = np.array([stats[i].n_samples for i in members])
        relative = _relative_stats(mel, mfcc, lengths)
        mel = np.stack([features[i].mel_db for i in members]).astype(np.float64)
        mfcc = np.stack([features[i].mfcc for i in members]).astype(np.float64)
        absolute = _absolute_stats(mel, mfcc, [stats[i] for i in members])
        out[members] = np.concatenate([relative, absolute], axis=1)
    return out


def make_model(n_samples: int | None = None, random_state: int = 0):
    """A fresh, unfitted classifier for ``n_samples`` clip vectors (soft vote of LR and
    PCA→RBF-SVM); the PCA keeps 64 components, fewer for tiny training sets."""
    from sklearn.decomposition import PCA
    from sklearn.ensemble import VotingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    logistic = make_pipeline(StandardScaler(), LogisticRegression(C=0.05, max_iter=3000))
    # libsvm's Platt-scaled probabilities. scikit-learn 1.9 deprecates probability=True in
    # favour of CalibratedClassifierCV, which measured 0.596 instead of 0.604 here; our
    # dependency range stops before 1.11, which removes it.
    components = 64 if n_samples is None else max(1, min(64, n_samples - 1))
    svm = make_pipeline(StandardScaler(), PCA(components, random_state=random_state),
                        SVC(C=3, probability=True, random_state=random_state))
    return VotingClassifier([("logistic", logistic), ("svm", svm)], voting="soft")


def _deltas(values: np.ndarray) -> np.ndarray:
    """Frame-to-frame differences along the last axis (one zero column for one frame)."""
    if values.shape[-1] > 1:
        return np.diff(values, axis=-1)
    return np.zeros(values.shape[:-1] + (1,))


def _relative_stats(mel: np.ndarray, mfcc: np.ndarray, n_samples: np.ndarray) -> np.ndarray:
    """Statistics of (clips, 40 bands, frames) mel dB spectrograms relative to each clip's
    loudest bin, one row per clip."""
    n_clips = mel.shape[0]
    top = mel.max(axis=(1, 2))
    rel = mel - top[:, None, None]
    frame_level = rel.max(axis=1)
    power = np.exp(mel * (np.log(10) / 10))          # 10 ** (mel / 10), 3× faster
    share = power / (power.sum(axis=1, keepdims=True) + 1e-12)
    band = np.arange(mel.shape[1])[None, :, None]
    centroid = (share * band).sum(axis=1)
    spread = np.sqrt((share * (band - centroid[:, None, :]) ** 2).sum(axis=1))
    entropy = -(share * np.log(share + 1e-12)).sum(axis=1)
    flatness = np.exp(np.mean(np.log(power + 1e-12), axis=1)) / (np.mean(power, axis=1) + 1e-12)
    flux = _deltas(mel)
    per_frame = np.stack([centroid, spread, entropy, flatness], axis=1)   # (clips, 4, frames)
    frame_summary = np.stack([per_frame.mean(axis=2), per_frame.std(axis=2)], axis=2)
    return np.concatenate([
        rel.mean(axis=2) - rel.mean(axis=(1, 2))[:, None], rel.std(axis=2),
        percentiles(rel, (10, 50, 90)).transpose(1, 0, 2).reshape(n_clips, -1),
        flux.clip(0).mean(axis=2), flux.std(axis=2),
        mfcc[:, 1:].mean(axis=2), mfcc[:, 1:].std(axis=2), _deltas(mfcc)[:, 1:].std(axis=2),
        percentiles(frame_level, (10, 50, 90)).T, frame_level.std(axis=1)[:, None],
        (frame_level[:, None, :] > np.array([-10, -20, -30])[None, :, None]).mean(axis=2),
        frame_summary.reshape(n_clips, -1), np.log(n_samples)[:, None], top[:, None],
        _modulation_spectrum(rel),
    ], axis=1)


def _modulation_spectrum(rel: np.ndarray, n_groups: int = 8) -> np.ndarray:
    """Log energy of band-group level fluctuations in 8 modulation-rate bins, per clip."""
    n_clips, n_bands, n_frames = rel.shape
    n_bins = len(_MODULATION_EDGES) - 1
    if n_frames < 8:
        return np.zeros((n_clips, n_groups * n_bins))
    groups = rel.reshape(n_clips, n_groups, n_bands // n_groups, n_frames).mean(axis=2)
    centred = groups - groups.mean(axis=2, keepdims=True)
    spectrum = np.abs(np.fft.rfft(centred * np.hanning(n_frames), n=256, axis=2)) / np.sqrt(n_frames)
    bins = [spectrum[:, :, a:b].mean(axis=2) for a, b in zip(_MODULATION_EDGES[:-1], _MODULATION_EDGES[1:])]
    return np.log1p(np.stack(bins, axis=2)).reshape(n_clips, -1)


def _absolute_stats(mel: np.ndarray, mfcc: np.ndarray, stats: Sequence[SignalStats]) -> np.ndarray:
    """Statistics of (clips, 128 bands, frames) absolute dB spectrograms and their MFCCs."""
    n_clips, n_bands, n_frames = mel.shape
    delta = _deltas(mfcc)
    coarse = mel.reshape(n_clips, COARSE_BANDS, n_bands // COARSE_BANDS, n_frames).mean(axis=2)
    frame_level = mel.max(axis=1)
    if n_frames >= 8:
        centred = coarse - coarse.mean(axis=2, keepdims=True)
        spectrum = np.abs(np.fft.rfft(centred, n=64, axis=2))[:, :, 1:33]
        modulation = spectrum.reshape(n_clips, COARSE_BANDS, 4, 8).mean(axis=3).reshape(n_clips, -1)
    else:
        modulation = np.zeros((n_clips, COARSE_BANDS * 4))
    low, high = percentiles(coarse, (10, 90))
    return np.concatenate([
        mfcc.mean(axis=2), mfcc.std(axis=2), np.abs(delta).mean(axis=2), delta.std(axis=2),
        coarse.mean(axis=2), coarse.std(axis=2), high - low,
        np.stack([frame_level.mean(axis=1), frame_level.std(axis=1),
                  frame_level.max(axis=1) - np.median(frame_level, axis=1),
                  [rate for _, rate in stats], [np.log(n) for n, _ in stats]], axis=1),
        modulation,
    ], axis=1)


def percentiles(values: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """``np.percentile(values, qs, axis=-1)`` (linear method), bit for bit, from one sort:
    2.5x faster for the small arrays here, where numpy's partitioning overhead dominates."""
    ordered = np.sort(values, axis=-1)
    n = ordered.shape[-1]
    out = []
    for q in qs:
        q = np.float64(q) / 100
        virtual = (n - 1) * q                                # numpy's virtual index, "linear"
        below = np.floor(virtual)
        gamma = virtual - below
        a, b = ordered[..., int(min(max(below, 0), n - 1))], ordered[..., int(min(max(below + 1, 0), n - 1))]
        step = b - a
        out.append(b - step * (1 - gamma) if gamma >= 0.5 else a + step * gamma)
    return np.stack(out)


def _crossing_rate(signal: np.ndarray) -> float:
    """Share of consecutive samples whose signs (-1, 0, +1) differ."""
    if len(signal) < 2:
        return 0.0
    # np.sign as int8 from two comparisons: a quarter of the memory traffic of float32 signs
    sign = (signal > 0).view(np.int8) - (signal < 0).view(np.int8)
    return np.count_nonzero(sign[1:] != sign[:-1]) / (len(signal) - 1)
