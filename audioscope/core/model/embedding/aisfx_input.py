"""aiSFX (Ma & Lerch, ISMIR 2022) input: the normalised log-mel blocks its network embeds (numpy/scipy/soxr).

Re-implements the ``spectrogram_type='librosa'`` path of the ``aisfx`` 0.1.2 package
(``aisfx/spectrogram/spectrogram_librosa.py`` → ``preprocessing.spectrogram_normalize`` →
``preprocessing.blocking``) without librosa or torch:

1. resample to 44100 Hz with soxr ``HQ`` (what ``librosa.load(sr=44100)`` does in librosa >= 0.10,
   whose default ``res_type`` is ``'soxr_hq'``), length fixed to ceil(n * 44100 / sr);
2. peak-normalise: ``y / max|y|`` (an all-zero signal is left as is);
3. power STFT: n_fft = win = 2048, hop 1024, periodic Hann, centred frames with zero padding
   (librosa's ``pad_mode='constant'``); 1 + n // 1024 frames;
4. 96 mel bands, HTK mel scale, 0 - 22050 Hz, each triangle L1-normalised (``norm=1.0``: its
   weights sum to 1 — not the Slaney area normalisation);
5. ``log10(10000 * mel + 1) / 9.457798957824707`` (the package's "original" min/max scaling,
   min 0);
6. time-major (frames, 96) — the orientation the network was trained on (the Essentia path) —
   cut into blocks of 100 frames (~2.32 s) every 50 frames (~1.16 s); an incomplete last block is
   dropped unless it is the only one; a clip shorter than 100 frames gives one block padded with
   zeros after its end.

The network maps each (100, 96) block to a 512-value embedding.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable

import numpy as np

from audioscope.core.signal.audio import resampled_blocks

SAMPLE_RATE = 44100
N_FFT = 2048
HOP_LENGTH = 1024
N_MELS = 96
F_MIN = 0.0
F_MAX = 22050.0
LOG_SCALE = 10000.0
NORM_MIN = 0.0
NORM_MAX = 9.457798957824707
BLOCK_FRAMES = 100
BLOCK_HOP = 50            # round(100 * 0.5): the package's default emb_hop_size=0.5
EMBEDDING_SIZE = 512
INPUT_NAME = "logmel"
OUTPUT_NAME = "embedding"
FRAMES_PER_STEP = 1024     # STFT frames computed together (~24 s of audio)
STREAM_FROM_SAMPLES = 60 * SAMPLE_RATE    # longer signals are never held whole at 44.1 kHz


def resampled_length(signal: np.ndarray, sample_rate: float) -> int:
    """Samples of ``signal`` at 44100 Hz: ceil(n · 44100 / sample_rate)."""
    if float(sample_rate) == SAMPLE_RATE:
        return signal.shape[0]
    return int(math.ceil(signal.shape[0] * float(SAMPLE_RATE) / float(sample_rate)))


def resample(signal: np.ndarray, sample_rate: float) -> np.ndarray:
    """Mono float32 signal at ``sample_rate`` → float32 at 44100 Hz (soxr HQ, length
    ceil(n · 44100 / sample_rate), as ``librosa.resample(res_type='soxr_hq', fix=True)``).

    Streamed into the output (``resampled_blocks``, the one-shot result exactly): soxr's
    one-shot call held nearly twice the output while it ran."""
    y = np.ascontiguousarray(signal, dtype=np.float32)
    if y.ndim != 1 or y.shape[0] == 0:
        raise ValueError(f"expected a non-empty mono signal, got shape {y.shape}")
    if float(sample_rate) == SAMPLE_RATE:
        return y
    out = np.empty(resampled_length(y, sample_rate), np.float32)
    filled = 0
    for piece in resampled_blocks(y, float(sample_rate), SAMPLE_RATE):
        out[filled:filled + piece.shape[0]] = piece
        filled += piece.shape[0]
    return out


def peak(y: np.ndarray, step: int = 1 << 20) -> float:
    """max|y|, a million samples at a time (no full-length temporary)."""
    return max((float(np.max(np.abs(y[i:i + step]))) for i in range(0, y.shape[0], step)), default=0.0)


def _htk_hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


def _htk_mel_to_hz(mel: np.ndarray) -> np.ndarray:
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


@functools.lru_cache(maxsize=4)
def mel_filterbank(sample_rate: int = SAMPLE_RATE, n_fft: int = N_FFT, n_mels: int = N_MELS,
                   fmin: float = F_MIN, fmax: float = F_MAX) -> np.ndarray:
    """HTK-scale triangular filters, each normalised to unit sum, (n_mels, 1 + n_fft // 2)
    float32, read-only — as ``librosa.filters.mel(htk=True, norm=1.0)``."""
    fft_freqs = np.fft.rfftfreq(n=n_fft, d=1.0 / sample_rate)
    edges = _htk_mel_to_hz(np.linspace(_htk_hz_to_mel(fmin), _htk_hz_to_mel(fmax), n_mels + 2))
    widths = np.diff(edges)
    ramps = np.subtract.outer(edges, fft_freqs)
    weights = np.zeros((n_mels, fft_freqs.size), dtype=np.float32)
    for i in range(n_mels):
        weights[i] = np.maximum(0, np.minimum(-ramps[i] / widths[i], ramps[i + 2] / widths[i + 1]))
    sums = np.sum(np.abs(weights).astype(np.float64), axis=1, keepdims=True)
    sums[sums < np.finfo(np.float32).tiny] = 1.0          # empty filters stay zero
    weights = (weights / sums).astype(np.float32)
    weights.setflags(write=False)
    return weights


@functools.lru_cache(maxsize=4)
def _hann(n_fft: int) -> np.ndarray:
    """Periodic Hann window, float64."""
    w = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n_fft) / n_fft)
    w.setflags(write=False)
    return w


def mel_power(pieces: Iterable[np.ndarray], n_samples: int, peak: float = 1.0) -> np.ndarray:
    """Mel power spectrogram (n_frames, 96), float32, of the 44.1 kHz signal ``y / peak``
    (divided in float32, as the package's ``y / max|y|``) of ``n_samples``, given as
    consecutive ``pieces``: centred, zero-padded frames, periodic Hann, |rfft|², HTK/L1
    filterbank.

    Computed ``FRAMES_PER_STEP`` frames at a time, each from its own stretch of ``y``: the
    padded copy, windowed frames, spectrum and power of a whole 10-minute file took 1.1 GB at
    once; a step's take 50 MB, and only the pieces a step needs are held.
    """
    from audioscope.core.signal.features import scipy_fft

    fft = scipy_fft()
    half = N_FFT // 2
    n_frames = 1 + n_samples // HOP_LENGTH
    filters = mel_filterbank().T.astype(np.float64)
    window = _hann(N_FFT)
    out = np.empty((n_frames, N_MELS), dtype=np.float32)
    source = iter(pieces)
    held, got = np.zeros(0, dtype=np.float32), 0          # held: y[got - len(held):got]
    for first in range(0, n_frames, FRAMES_PER_STEP):
        count = min(FRAMES_PER_STEP, n_frames - first)
        start = first * HOP_LENGTH - half                  # in y's samples; < 0 is padding
        stretch = np.zeros((count - 1) * HOP_LENGTH + N_FFT, dtype=np.float64)
        lo, hi = max(start, 0), min(start + stretch.shape[0], n_samples)
        parts = [held]
        while got < hi:
            parts.append(next(source))
            got += parts[-1].shape[0]
        held = np.concatenate(parts) if len(parts) > 1 else held
        held_from = got - held.shape[0]
        stretch[lo - start:hi - start] = held[lo - held_from:hi - held_from] / np.float32(peak)
        held = held[max(0, (first + count) * HOP_LENGTH - half - held_from):]   # the next step's on
        frames = np.lib.stride_tricks.as_strided(
            stretch, shape=(count, N_FFT), strides=(HOP_LENGTH * stretch.itemsize, stretch.itemsize),
            writeable=False)
        spectrum = fft.rfft(frames * window, axis=1)       # (count, 1025) complex128
        out[first:first + count] = (np.square(spectrum.real) + np.square(spectrum.imag)) @ filters
    return out


def log_mel(signal: np.ndarray, sample_rate: float) -> np.ndarray:
    """Float mono signal at any rate → the model's normalised log-mel, (n_frames, 96) float32.

    A long signal is resampled twice, as pieces (its peak, then its spectrogram), rather than
    held at 44.1 kHz (100 MB for ten minutes)."""
    signal = np.ascontiguousarray(signal, dtype=np.float32)
    n_samples = resampled_length(signal, sample_rate)
    if n_samples <= STREAM_FROM_SAMPLES or float(sample_rate) == SAMPLE_RATE:
        y = resample(signal, sample_rate)
        highest = peak(y)
        pieces: Iterable[np.ndarray] = [y]
    else:
        highest = max(peak(p) for p in resampled_blocks(signal, float(sample_rate), SAMPLE_RATE))
        pieces = resampled_blocks(signal, float(sample_rate), SAMPLE_RATE)
    mel = mel_power(pieces, n_samples, highest if highest != 0 else 1.0)
    out = np.log10(mel.astype(np.float64) * LOG_SCALE + 1.0)
    out = (out - NORM_MIN) / (NORM_MAX - NORM_MIN)
    return out.astype(np.float32)


def n_blocks(n_frames: int, block: int = BLOCK_FRAMES, hop: int = BLOCK_HOP) -> int:
    """How many blocks ``aisfx.preprocessing.blocking(..., drop_partial_block=True)`` makes."""
    count = math.ceil((n_frames - block) / hop + 1)
    if (n_frames - block) % hop != 0:
        count -= 1
    return max(count, 1)


def blocks(spec: np.ndarray, block: int = BLOCK_FRAMES, hop: int = BLOCK_HOP) -> np.ndarray:
    """(n_frames, 96) → (n_blocks, 100, 96) float32; frames past the end are zeros."""
    count = n_blocks(spec.shape[0], block, hop)
    padded = np.zeros((max(spec.shape[0], hop * (count - 1) + block), spec.shape[1]), np.float32)
    padded[:spec.shape[0]] = spec
    return np.stack([padded[i * hop:i * hop + block] for i in range(count)])


def model_input(signal: np.ndarray, sample_rate: float) -> np.ndarray:
    """Float mono signal at any rate → the network's input, (n_blocks, 100, 96) float32."""
    return blocks(log_mel(signal, sample_rate))
