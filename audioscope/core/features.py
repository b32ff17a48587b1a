"""Waveform envelope, mel spectrogram (dB) and MFCCs from one STFT.

The numbers equal librosa's ``feature.melspectrogram`` → ``power_to_db`` → ``feature.mfcc``
with the same parameters (centred frames, zero padding, periodic Hann window, Slaney mel
filterbank from ``librosa.filters.mel``, orthonormal DCT-II). dB reference: 1.0, i.e. a
full-scale signal's power, with ``amin`` 1e-10 and the clip's peak − ``top_db`` as floor —
the same absolute scale librosa's ``feature.mfcc`` uses, so two clips can be compared on
one colour scale.

The STFT is computed block by block so a 10-minute file needs tens of MB, not GB.
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass

import numpy as np

AMIN = 1e-10
_FRAMES_PER_BLOCK = 1024


@dataclass(frozen=True)
class FeatureParams:
    """Analysis parameters; defaults are librosa's."""

    sample_rate: int = 22050
    n_fft: int = 2048
    hop_length: int = 512
    n_mels: int = 128
    fmin: float = 0.0
    fmax: float | None = None      # None: sample_rate / 2
    n_mfcc: int = 40
    top_db: float | None = 80.0
    envelope_bins: int = 2000

    def __post_init__(self) -> None:
        problems = []
        if self.n_fft < 16:
            problems.append(f"n_fft={self.n_fft} must be at least 16")
        if not 0 < self.hop_length:
            problems.append(f"hop_length={self.hop_length} must be positive")
        if not 0 < self.n_mels:
            problems.append(f"n_mels={self.n_mels} must be positive")
        if not 0 < self.n_mfcc <= self.n_mels:
            problems.append(f"n_mfcc={self.n_mfcc} must be between 1 and n_mels={self.n_mels}")
        if not 0 <= self.fmin < self.f_max <= self.sample_rate / 2:
            problems.append(f"need 0 <= fmin < fmax <= {self.sample_rate / 2:g} Hz")
        if self.top_db is not None and self.top_db <= 0:
            problems.append(f"top_db={self.top_db} must be positive")
        if self.envelope_bins < 1:
            problems.append("envelope_bins must be positive")
        if problems:
            raise ValueError("invalid feature parameters: " + "; ".join(problems))

    @property
    def f_max(self) -> float:
        return float(self.fmax) if self.fmax is not None else self.sample_rate / 2

    def key(self) -> str:
        """A stable text form, used in cache keys."""
        return json.dumps(asdict(self), sort_keys=True)


@dataclass(frozen=True, eq=False)
class Envelope:
    """Min/max of the signal over consecutive bins; ``edges`` are sample indices (n_bins + 1)."""

    mins: np.ndarray
    maxs: np.ndarray
    edges: np.ndarray
    sample_rate: int

    @property
    def times(self) -> np.ndarray:
        """Start time of each bin, in seconds."""
        return self.edges[:-1] / self.sample_rate


@dataclass(frozen=True, eq=False)
class Features:
    """Everything the clip views draw, on one time base."""

    params: FeatureParams
    n_samples: int
    envelope: Envelope
    mel_db: np.ndarray   # float32 (n_mels, n_frames)
    mfcc: np.ndarray     # float32 (n_mfcc, n_frames)

    @property
    def duration(self) -> float:
        return self.n_samples / self.params.sample_rate

    @property
    def frame_times(self) -> np.ndarray:
        """Centre time of each STFT frame, in seconds (librosa.frames_to_time)."""
        return np.arange(self.mel_db.shape[1]) * self.params.hop_length / self.params.sample_rate

    @property
    def mel_frequencies(self) -> np.ndarray:
        """Centre frequency of each mel band, in Hz."""
        return mel_band_centres(self.params)

    def to_arrays(self) -> dict[str, np.ndarray]:
        e = self.envelope
        return {"mel_db": self.mel_db, "mfcc": self.mfcc, "env_min": e.mins, "env_max": e.maxs,
                "env_edges": e.edges, "n_samples": np.array(self.n_samples)}

    @classmethod
    def from_arrays(cls, params: FeatureParams, arrays: dict[str, np.ndarray]) -> Features:
        env = Envelope(arrays["env_min"], arrays["env_max"], arrays["env_edges"], params.sample_rate)
        return cls(params, int(arrays["n_samples"]), env, arrays["mel_db"], arrays["mfcc"])


def compute_features(signal: np.ndarray, params: FeatureParams = FeatureParams()) -> Features:
    """Envelope, mel dB and MFCCs of a mono float signal at ``params.sample_rate``."""
    signal = np.ascontiguousarray(signal, dtype=np.float32)
    if signal.ndim != 1 or signal.shape[0] == 0:
        raise ValueError(f"expected a non-empty mono signal, got shape {signal.shape}")
    mel_db = power_to_db(mel_power(signal, params), params.top_db)
    return Features(params=params, n_samples=signal.shape[0], envelope=envelope(signal, params.envelope_bins,
                    params.sample_rate), mel_db=mel_db, mfcc=mfcc_from_mel_db(mel_db, params.n_mfcc))


def envelope(signal: np.ndarray, n_bins: int, sample_rate: int) -> Envelope:
    """Min/max envelope with at most ``n_bins`` bins (one bin per sample for short signals)."""
    n = signal.shape[0]
    n_bins = max(1, min(n_bins, n))
    edges = np.linspace(0, n, n_bins + 1).astype(np.int64)
    starts = edges[:-1]
    return Envelope(np.minimum.reduceat(signal, starts), np.maximum.reduceat(signal, starts),
                    edges, sample_rate)


def mel_power(signal: np.ndarray, params: FeatureParams) -> np.ndarray:
    """Mel-band power spectrogram (n_mels, n_frames), float32, as librosa.feature.melspectrogram."""
    n_fft, hop = params.n_fft, params.hop_length
    pad = n_fft // 2
    padded = np.pad(signal, pad)                       # centred frames, zero padding
    n_frames = 1 + signal.shape[0] // hop
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop][:n_frames]
    window = hann_window(n_fft)
    basis = mel_filterbank(params.sample_rate, n_fft, params.n_mels, params.fmin, params.f_max)
    out = np.empty((params.n_mels, n_frames), dtype=np.float32)
    for start in range(0, n_frames, _FRAMES_PER_BLOCK):
        block = frames[start:start + _FRAMES_PER_BLOCK]
        spectrum = np.fft.rfft(block * window, axis=1).astype(np.complex64)
        power = np.square(np.abs(spectrum))
        out[:, start:start + block.shape[0]] = basis @ power.T
    return out


def power_to_db(power: np.ndarray, top_db: float | None = 80.0) -> np.ndarray:
    """10·log10(power / 1.0), floored at ``AMIN`` and at the maximum − ``top_db``."""
    db = 10.0 * np.log10(np.maximum(power, AMIN))
    if top_db is not None:
        np.maximum(db, db.max() - top_db, out=db)
    return db.astype(np.float32, copy=False)


def mfcc_from_mel_db(mel_db: np.ndarray, n_mfcc: int) -> np.ndarray:
    """The first ``n_mfcc`` coefficients of the orthonormal DCT-II over mel bands."""
    import scipy.fft

    return scipy.fft.dct(mel_db, type=2, norm="ortho", axis=0)[:n_mfcc].astype(np.float32, copy=False)


@functools.lru_cache(maxsize=8)
def hann_window(n_fft: int) -> np.ndarray:
    """Periodic Hann window (scipy.signal.get_window('hann', n, fftbins=True))."""
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n_fft) / n_fft)


@functools.lru_cache(maxsize=8)
def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    """librosa's Slaney-normalised mel filterbank (n_mels, 1 + n_fft // 2), float32."""
    import librosa  # lazy: importing librosa's filters costs ~1.5 s

    basis = librosa.filters.mel(sr=sample_rate, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)
    basis.setflags(write=False)
    return basis


def mel_band_centres(params: FeatureParams) -> np.ndarray:
    """Centre frequencies (Hz) of the mel bands (librosa.mel_frequencies, Slaney scale)."""
    import librosa

    return librosa.mel_frequencies(n_mels=params.n_mels + 2, fmin=params.fmin, fmax=params.f_max)[1:-1]
