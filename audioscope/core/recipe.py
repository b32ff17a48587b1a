"""The classifier recipe: one clip → one feature vector, and the model that learns from them.

Everything is computed from the same ``Features`` the explorer draws (mel dB, MFCCs) plus
the analysis signal, so the model sees exactly what the user sees. The comparison that
chose this recipe is in docs/classifier.md.
"""

from __future__ import annotations

import numpy as np

from audioscope.core.features import Features

# Bump when clip_vector changes its output: cached vectors and bundled models depend on it.
RECIPE_VERSION = "clip-stats-1"
COARSE_BANDS = 32           # mel bands averaged in groups for band statistics
MODULATION_BINS = 4         # temporal-modulation energy bins per coarse band


def clip_vector(features: Features, signal: np.ndarray) -> np.ndarray:
    """Clip-level statistics (float64, fixed length) of MFCCs, mel bands, energy and modulation."""
    mfcc, mel = features.mfcc.astype(np.float64), features.mel_db.astype(np.float64)
    delta = np.diff(mfcc, axis=1) if mfcc.shape[1] > 1 else np.zeros((mfcc.shape[0], 1))
    coarse = _coarse_bands(mel)
    frame_level = mel.max(axis=0)
    return np.concatenate([
        mfcc.mean(1), mfcc.std(1), np.abs(delta).mean(1), delta.std(1),
        coarse.mean(1), coarse.std(1),
        np.percentile(coarse, 90, axis=1) - np.percentile(coarse, 10, axis=1),
        [frame_level.mean(), frame_level.std(), frame_level.max() - np.median(frame_level),
         _zero_crossing_rate(signal), np.log(len(signal))],
        _modulation(coarse),
    ])


def vector_length(n_mfcc: int = 40) -> int:
    return 4 * n_mfcc + 3 * COARSE_BANDS + 5 + COARSE_BANDS * MODULATION_BINS


def make_model(random_state: int = 0):
    """A fresh, unfitted scikit-learn classifier for clip vectors."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1,
                                          random_state=random_state)


def _coarse_bands(mel: np.ndarray) -> np.ndarray:
    n_mels = mel.shape[0]
    edges = np.linspace(0, n_mels, COARSE_BANDS + 1).astype(int)
    return np.add.reduceat(mel, edges[:-1], axis=0) / np.diff(edges)[:, None]


def _zero_crossing_rate(signal: np.ndarray) -> float:
    if len(signal) < 2:
        return 0.0
    return float(np.mean(np.signbit(signal[1:]) != np.signbit(signal[:-1])))


def _modulation(coarse: np.ndarray) -> np.ndarray:
    """Energy of each band's level fluctuations in MODULATION_BINS modulation-rate bins."""
    if coarse.shape[1] < 8:
        return np.zeros(COARSE_BANDS * MODULATION_BINS)
    centred = coarse - coarse.mean(axis=1, keepdims=True)
    spectrum = np.abs(np.fft.rfft(centred, n=64, axis=1))[:, 1:33]
    return spectrum.reshape(COARSE_BANDS, MODULATION_BINS, -1).mean(axis=2).ravel()
