"""One clip → one embedding vector: BirdNET's and aiSFX's, each pooled over the clip.

Both networks see the clip's 22050 Hz analysis signal (the one the statistics and the views
use), resampled to their own rates: the bundled model was trained on UrbanSound8K's 22 kHz
copies, and a 44.1 kHz original and its 22 kHz copy then get the same vector. Each network
embeds the parts of a clip (BirdNET: 3 s windows, aiSFX: 2.3 s blocks); the vector is the
mean and the maximum of those over the clip:

    [BirdNET mean (1024), BirdNET max (1024), aiSFX mean (512), aiSFX max (512)]

The parts of several clips share inference calls (a few at a time: see ``MAX_BATCH``).
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from audioscope.core.model.embedding import aisfx_input, birdnet_input, runtime
from audioscope.core.model.embedding.runtime import shared_model
from audioscope.core.process.cancellation import raise_if_unwanted

EMBEDDING_LENGTH = 2 * birdnet_input.EMBEDDING_SIZE + 2 * aisfx_input.EMBEDDING_SIZE   # 3072
# Parts per inference call. Larger batches are no faster per part on a CPU, and onnxruntime
# keeps the activations of the largest batch it ran: ~45 MB a BirdNET window (64 windows took a
# process to 3.2 GB), ~12 MB an aiSFX block (64 blocks: 0.8 GB). BirdNET runs one window a call:
# two windows' activations pass glibc's 32 MB mmap limit (allocator.MMAP_THRESHOLD), so each was
# mapped afresh, ~10 000 page faults a clip. One window a call: ~700 (2026-12-06, 2 cores: a clip
# 92 -> 76 ms on two threads, 103 -> 87 ms on a 1-thread worker; 200 clips on 2 workers 1.22x
# faster). The vectors are bit-identical to batched ones, so cached vectors stay valid.
MAX_BATCH = {"birdnet": 1, "aisfx": 16}


def embedding_vectors(signals: Sequence[np.ndarray], sample_rate: int) -> np.ndarray:
    """(n_clips, 3072) float64 embedding vectors of mono float32 ``signals`` at ``sample_rate``.

    Where the process has cores to spare (the explorer: ``runtime.use_threads``), BirdNET and
    aiSFX run at the same time, on two threads (onnxruntime releases the GIL).
    """
    out = np.empty((len(signals), EMBEDDING_LENGTH))
    half = birdnet_input.EMBEDDING_SIZE
    aisfx = lambda: _pooled(signals, sample_rate, _aisfx_parts, "aisfx", aisfx_input.EMBEDDING_SIZE)  # noqa: E731
    pending = _side_thread().submit(contextvars.copy_context().run, aisfx) if runtime.spare_cores() else None
    out[:, :2 * half] = _pooled(signals, sample_rate, _birdnet_parts, "birdnet", half)
    out[:, 2 * half:] = pending.result() if pending is not None else aisfx()
    return out


@functools.cache
def _side_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(1, thread_name_prefix="audioscope-embedding")


def _birdnet_parts(signal: np.ndarray, sample_rate: int) -> Iterator[np.ndarray]:
    """A clip's BirdNET windows, a batch at a time: a 30-minute file has 600 of them (330 MB),
    which are never all held at once."""
    return birdnet_input.window_batches(signal, sample_rate, MAX_BATCH["birdnet"])


def _aisfx_parts(signal: np.ndarray, sample_rate: int) -> Iterator[np.ndarray]:
    blocks = aisfx_input.model_input(signal, sample_rate)
    batch = MAX_BATCH["aisfx"]
    for first in range(0, len(blocks), batch):
        yield blocks[first:first + batch]


def _pooled(signals: Sequence[np.ndarray], sample_rate: int,
            parts: Callable[[np.ndarray, int], Iterator[np.ndarray]], model_name: str, size: int) -> np.ndarray:
    """Mean and max over each clip's parts of the model's embeddings, (n_clips, 2 × size).

    Parts of several clips share an inference call, up to ``MAX_BATCH`` of them, and a part
    met before in the same call is not embedded again: the why strip's 16 occluded copies of a
    clip leave most of its windows untouched (resampling and framing are local), so about a
    third of their parts are the original's.
    """
    limit = MAX_BATCH[model_name]
    model = shared_model(model_name)
    total = np.zeros((len(signals), size))
    peak = np.full((len(signals), size), -np.inf)
    count = np.zeros(len(signals))
    seen: dict[bytes, np.ndarray] = {}
    pending: list[tuple[int, bytes, np.ndarray]] = []       # (clip, digest, part row) to embed

    def add(clip: int, rows: np.ndarray) -> None:
        total[clip] += rows.sum(axis=0)
        np.maximum(peak[clip], rows.max(axis=0), out=peak[clip])
        count[clip] += len(rows)

    def run() -> None:
        raise_if_unwanted()                 # a superseded GUI job stops here (core.process.cancellation)
        embedded = model.run(np.stack([row for _, _, row in pending])).astype(np.float64)
        for (clip, digest, _), row in zip(pending, embedded):
            seen[digest] = row
            add(clip, row[None, :])
        pending.clear()

    for clip, signal in enumerate(signals):
        for part in parts(signal, sample_rate):
            for row in part:
                digest = hashlib.blake2b(row.tobytes(), digest_size=16).digest()
                if digest in seen:
                    add(clip, seen[digest][None, :])
                    continue
                if any(d == digest for _, d, _ in pending):
                    run()                                   # its twin is embedded first
                    add(clip, seen[digest][None, :])
                    continue
                pending.append((clip, digest, row))
                if len(pending) == limit:
                    run()
    if pending:
        run()
    return np.concatenate([total / count[:, None], peak], axis=1)
