"""What an audio file holds, as libsndfile reports it, and the error for files that cannot
be decoded."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Samples decoded from integer codes are always finite and within full scale.
INTEGER_SUBTYPES = frozenset({"PCM_S8", "PCM_U8", "PCM_16", "PCM_24", "PCM_32", "ULAW", "ALAW"})
BIT_DEPTHS = {"PCM_S8": 8, "PCM_U8": 8, "PCM_16": 16, "PCM_24": 24, "PCM_32": 32,
              "FLOAT": 32, "DOUBLE": 64, "ULAW": 8, "ALAW": 8}


class AudioLoadError(Exception):
    """A file could not be decoded; the message names the file and the reason."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class AudioFormat:
    """What the file on disk holds, as libsndfile reports it."""

    sample_rate: int
    channels: int
    frames: int
    container: str      # e.g. "WAV", "FLAC"
    subtype: str        # e.g. "PCM_16", "PCM_U8", "FLOAT", "VORBIS"
    subtype_info: str   # e.g. "Signed 16 bit PCM"

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate

    @property
    def bit_depth(self) -> int | None:
        """Bits per sample for PCM and float formats; None for compressed ones."""
        return BIT_DEPTHS.get(self.subtype)

    def describe(self) -> str:
        """One line for headers: '44.1 kHz · stereo · 24-bit PCM · WAV · 4.00 s'."""
        rate = f"{self.sample_rate / 1000:g} kHz"
        chans = {1: "mono", 2: "stereo"}.get(self.channels, f"{self.channels} ch")
        depth = self.subtype_info if self.bit_depth is None else _depth_words(self.subtype)
        return f"{rate} · {chans} · {depth} · {self.container} · {self.duration:.2f} s"


def _depth_words(subtype: str) -> str:
    bits = BIT_DEPTHS[subtype]
    if subtype == "PCM_U8":
        return "8-bit unsigned PCM"
    if subtype in ("FLOAT", "DOUBLE"):
        return f"{bits}-bit float"
    if subtype in ("ULAW", "ALAW"):
        return f"8-bit {subtype[0]}-law"
    return f"{bits}-bit PCM"


def peak_of(samples: np.ndarray) -> float:
    """The largest absolute sample (NaN if any is NaN), without an ``abs`` copy of them all."""
    if samples.size == 0:
        return 0.0
    return max(float(np.max(samples)), -float(np.min(samples)))


def sum_of_squares(samples: np.ndarray, block: int = 1 << 20) -> float:
    """Sum of squared samples in float64, a block at a time (no float64 copy of them all)."""
    flat = samples.reshape(-1)
    total = 0.0
    for start in range(0, flat.size, block):
        part = flat[start:start + block].astype(np.float64)
        total += float(np.dot(part, part))
    return total
