"""BirdNET V2.4's input: 3 s windows of mono audio at 48 kHz.

The network min-max normalises each window itself, so no level scaling happens here. A clip
is covered by windows every 3 s plus one ending at its end (for UrbanSound8K's clips of up to
4 s: the first 3 s and the last 3 s; one window when the clip is 3 s or shorter); a short clip
is zero-padded after its end, as birdnetlib pads its last chunk. Measured on folds 1–2
(docs/classifier.md), these two windows scored 0.004 below birdnetlib's dense chunking every
0.5 s (5.3 windows a clip on average) at 40 % of its cost.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from audioscope.core.signal.audio import resampled_blocks, to_analysis_signal

SAMPLE_RATE = 48000
WINDOW = 3 * SAMPLE_RATE            # 144000 samples
INPUT_NAME = "INPUT"
OUTPUT_NAME = "embedding"
EMBEDDING_SIZE = 1024


def resample_48k(signal: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mono float32 ``signal`` at ``sample_rate`` → float32 at 48 kHz (soxr HQ, as every
    analysis signal: ``audio.to_analysis_signal``)."""
    return to_analysis_signal(signal, sample_rate, SAMPLE_RATE)


def window_starts(n_samples: int) -> list[int]:
    """Start samples (at 48 kHz) of the windows covering a clip of ``n_samples``."""
    last = max(0, n_samples - WINDOW)
    return [*range(0, last, WINDOW), last]


def window_batches(signal: np.ndarray, sample_rate: int, batch: int) -> Iterator[np.ndarray]:
    """The network's input for a clip, ``batch`` windows at a time: (≤ batch, 144000) float32
    arrays (see ``window_starts``). The 48 kHz signal is resampled as the windows need it
    (``resampled_blocks``): a 30-minute file's 330 MB of it are never all held."""
    n_samples = (len(signal) if sample_rate == SAMPLE_RATE
                 else math.ceil(len(signal) * SAMPLE_RATE / sample_rate))
    starts = window_starts(n_samples)
    pieces = resampled_blocks(signal, sample_rate, SAMPLE_RATE)
    held, got = np.zeros(0, dtype=np.float32), 0          # held: the 48 kHz signal's [got - len(held), got)
    for first in range(0, len(starts), batch):
        part = starts[first:first + batch]
        windows = np.zeros((len(part), WINDOW), dtype=np.float32)
        for row, start in zip(windows, part):
            end = min(start + WINDOW, n_samples)
            parts = [held]
            while got < end:
                parts.append(next(pieces))
                got += len(parts[-1])
            held = np.concatenate(parts) if len(parts) > 1 else held
            held = held[max(0, start - (got - len(held))):]          # nothing before this window
            chunk = held[:end - start]
            row[:len(chunk)] = chunk
        yield windows


def windows_48k(signal: np.ndarray, sample_rate: int) -> np.ndarray:
    """The network's input for a clip: (n_windows, 144000) float32 (see ``window_starts``)."""
    return np.concatenate(list(window_batches(signal, sample_rate, batch=64)))
