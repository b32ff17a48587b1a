"""Reading decoded frames block by block from a ``soundfile.SoundFile``, also where soundfile's
own reads fail (files whose length is unknown or damaged)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import soundfile as sf

from audioscope.core.signal.audio_format import AudioLoadError

BLOCK_FRAMES = 1 << 16


def blocks(read: Callable[[int], np.ndarray]) -> Iterator[np.ndarray]:
    """The blocks of BLOCK_FRAMES frames ``read`` gives, until a short one."""
    while True:
        block = read(BLOCK_FRAMES)
        if block.shape[0]:
            yield block
        if block.shape[0] < BLOCK_FRAMES:
            return


def plain_reader(f: sf.SoundFile) -> Callable[[int], np.ndarray]:
    return lambda frames: f.read(frames, dtype="float32", always_2d=True)


def sequential_reader(path: Path, f: sf.SoundFile) -> Callable[[int], np.ndarray]:
    """Reading a seekable file straight through libsndfile: soundfile seeks after every read,
    which fails past the end of a file whose length is unknown (a FLAC stream whose header
    says 0 samples) or damaged (a truncated FLAC)."""
    snd, ffi, handle = getattr(sf, "_snd", None), getattr(sf, "_ffi", None), getattr(f, "_file", None)
    if snd is None or ffi is None or handle is None:
        raise AudioLoadError(path, "the header does not give the length of the audio, and this "
                                   "version of soundfile cannot read such files")

    def read(frames: int) -> np.ndarray:
        out = np.empty((frames, f.channels), dtype=np.float32)
        got = snd.sf_readf_float(handle, ffi.cast("float *", out.ctypes.data), frames)
        if got <= 0 and snd.sf_error(handle):
            raise sf.LibsndfileError(snd.sf_error(handle))
        return out[:max(int(got), 0)]

    return read
