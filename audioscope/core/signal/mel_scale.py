"""The Slaney mel scale and mel filterbank, as librosa computes them (``htk=False``,
``norm='slaney'``), in numpy.

Importing librosa for its filterbank cost about 1 s and 110 MB of resident memory (numba,
scipy.signal) in every process that analyses audio; these few lines give the same numbers,
bit for bit (tests/core/test_mel_scale.py compares them with librosa's over many settings).
"""

from __future__ import annotations

import functools

import numpy as np

_F_SP = 200.0 / 3            # Hz per mel below 1 kHz (the linear part)
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOG_STEP = np.log(6.4) / 27.0


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    """Hz → Slaney mel: linear below 1 kHz, logarithmic above (librosa.hz_to_mel)."""
    hz = np.asarray(hz, dtype=np.float64)
    mels = hz / _F_SP
    log_part = hz >= _MIN_LOG_HZ
    return np.where(log_part, _MIN_LOG_MEL + np.log(np.where(log_part, hz, _MIN_LOG_HZ) / _MIN_LOG_HZ)
                    / _LOG_STEP, mels)


def mel_to_hz(mels: np.ndarray | float) -> np.ndarray:
    """Slaney mel → Hz (librosa.mel_to_hz)."""
    mels = np.asarray(mels, dtype=np.float64)
    hz = _F_SP * mels
    log_part = mels >= _MIN_LOG_MEL
    return np.where(log_part, _MIN_LOG_HZ * np.exp(_LOG_STEP * (mels - _MIN_LOG_MEL)), hz)


def mel_frequencies(n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    """``n_mels`` frequencies (Hz) evenly spaced in mel from ``fmin`` to ``fmax``."""
    return mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels))


@functools.lru_cache(maxsize=16)
def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    """Slaney-normalised triangular filters, (n_mels, 1 + n_fft // 2) float32, read-only."""
    fft_freqs = np.fft.rfftfreq(n=n_fft, d=1.0 / sample_rate)
    edges = mel_frequencies(n_mels + 2, fmin, fmax)
    widths = np.diff(edges)
    ramps = np.subtract.outer(edges, fft_freqs)
    weights = np.zeros((n_mels, fft_freqs.size), dtype=np.float32)
    for i in range(n_mels):
        rising = -ramps[i] / widths[i]
        falling = ramps[i + 2] / widths[i + 1]
        weights[i] = np.maximum(0, np.minimum(rising, falling))
    weights *= (2.0 / (edges[2:n_mels + 2] - edges[:n_mels]))[:, np.newaxis]   # equal area
    weights.setflags(write=False)
    return weights


def empty_bands(sample_rate: int, n_fft: int, n_mels: int, fmin: float, fmax: float) -> int:
    """How many filters contain no FFT bin (librosa warns "Empty filters detected")."""
    return int(np.count_nonzero(~mel_filterbank(sample_rate, n_fft, n_mels, fmin, fmax).any(axis=1)))
