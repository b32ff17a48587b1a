"""Decode an audio file with libsndfile: checks on the header and the samples, formats that
must be read block by block, truncated files, and the messages for all that can go wrong.

``decode`` returns the samples (or, for ``info``, only their levels, read block by block so a
long file needs no memory) and the warnings a user should see: "truncated: header says 2.61 s,
file holds 0.01 s".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from audioscope.core.signal import block_reading
from audioscope.core.signal.audio_file import (
    BUFFERED_MAX_BYTES,
    AudioFile,
    FileOpenError,
    open_audio_file,
    plausible_size,
    promised_fraction,
)
from audioscope.core.signal.audio_format import (
    INTEGER_SUBTYPES,
    AudioFormat,
    AudioLoadError,
    peak_of,
    sum_of_squares,
)

# Sample rates outside this range are damaged headers in practice (and soxr crashes the
# process resampling 1 Hz to 22050 Hz); such files are refused with the reason.
MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 1000, 768_000
# Memory budget: decoded samples are held as float32, at most 1 GiB, and files longer than
# 30 minutes are refused with a message rather than exhausting memory. Measured peaks for a
# 29-minute stereo 44.1 kHz file: the window 1.4 GB (0.35 GB of it the window itself),
# --self-test 1.45 GB, predict 0.6 GB, info 76 MB.
MAX_DECODED_BYTES = 1 << 30
MAX_DURATION_S = 30 * 60
MEMORY_PER_HOUR_TEXT = "in the window about 2.2 GB per hour of stereo 44.1 kHz audio"
# libsndfile reports this many frames or more when a header does not state the length.
UNKNOWN_FRAMES = 1 << 62
# Float samples far beyond full scale are damage, and would overflow the float32 spectrogram.
MAX_SAMPLE_MAGNITUDE = 1e6

@dataclass(frozen=True, eq=False)
class Decoded:
    """A decoded file: its format (``frames``: what it really holds), the samples, or only
    their levels (peak, mean square over all samples) when asked for, the digest of the
    bytes decoded (when asked for) and warnings for the user."""

    format: AudioFormat
    samples: np.ndarray | None
    levels: tuple[float, float] | None
    digest: str | None
    warnings: tuple[str, ...]


BlockConsumer = Callable[[AudioFormat], Callable[[np.ndarray], None]]


def decode(path: str | Path, max_decoded_bytes: int = MAX_DECODED_BYTES,
           digest_from_s: float | None = None, keep_samples: bool = True,
           consumer: BlockConsumer | None = None, stream_from_s: float = 0.0) -> Decoded:
    """Decode ``path`` (float32 samples, shape (frames, channels)) or raise AudioLoadError.

    ``digest_from_s``: files at least that long get the SHA-256 of the bytes decoded.
    ``keep_samples=False``: files of ``stream_from_s`` or longer are read block by block and
    only their levels are kept; ``consumer(format)``, if given, returns a function each block
    is passed to (shorter files are read at once and kept: faster, and small).
    """
    path = Path(path)
    try:
        file = open_audio_file(path)
    except FileOpenError as exc:
        raise AudioLoadError(path, exc.reason) from None
    with file:
        try:
            if digest_from_s is not None and file.size <= BUFFERED_MAX_BYTES:
                file.read_into_memory()
            fmt, blocks, log, problem = _decode_blocks(path, file, max_decoded_bytes, keep_samples,
                                                       consumer, stream_from_s)
            held = sum(b.shape[0] for b in blocks) if isinstance(blocks, list) else blocks.frames
            digest = None
            if digest_from_s is not None and held >= digest_from_s * fmt.sample_rate:
                digest = file.digest_after_decoding(plausible_size(held, fmt.channels))
        except OSError as exc:
            raise AudioLoadError(path, f"cannot be read ({exc.strerror or exc})") from None
        except MemoryError:
            raise AudioLoadError(path, "not enough memory to decode it") from None
    if held == 0:
        raise AudioLoadError(path, "contains no audio samples")
    samples, levels = None, None
    if isinstance(blocks, list):
        samples = blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
    else:
        levels = (blocks.peak, blocks.sum_squares / (held * fmt.channels))
    if fmt.subtype not in INTEGER_SUBTYPES:
        peak = levels[0] if levels is not None else peak_of(samples)
        if not (math.isfinite(peak) and (levels is None or math.isfinite(levels[1]))):
            raise AudioLoadError(path, "contains NaN or infinite sample values")
        if peak > MAX_SAMPLE_MAGNITUDE:
            raise AudioLoadError(path, f"samples out of range: peak {peak:.3g}, more than "
                                       f"{MAX_SAMPLE_MAGNITUDE:g} times full scale (damaged file?)")
    warnings = []
    if held != fmt.frames or promised_fraction(log) or problem:
        warnings.append(_truncation_warning(fmt, held, log))
        fmt = AudioFormat(fmt.sample_rate, fmt.channels, held, fmt.container, fmt.subtype,
                          fmt.subtype_info)
    if file.size > plausible_size(held, fmt.channels):
        warnings.append(f"the file is {file.size / 2**30:.1f} GiB, far more than its "
                        f"{fmt.duration:.2f} s of audio need: only the audio was read, and its "
                        f"analysis is not cached")
    return Decoded(fmt, samples, levels, digest, tuple(warnings))


def lookup_digest(path: str | Path) -> str | None:
    """The digest ``decode(path, digest_from_s=0)`` would give the file as it is now, without
    decoding it (to look a file up in the cache); None when none would be given: the file
    cannot be opened, or is far larger than its header says its audio needs."""
    try:
        file = open_audio_file(path)
    except FileOpenError:
        return None
    with file:
        limit = file.size
        if file.size > BUFFERED_MAX_BYTES:
            try:
                with _soundfile(Path(path), file) as f:
                    limit = plausible_size(int(f.frames), int(f.channels))
            except AudioLoadError:
                return None
        try:
            return file.digest_after_decoding(limit)
        except OSError:
            return None


@dataclass
class _Levels:
    """Running peak and sum of squares, for decoding without keeping the samples; each block
    is also passed to ``consumer``."""

    consumer: Callable[[np.ndarray], None] | None = None
    frames: int = 0
    peak: float = 0.0
    sum_squares: float = 0.0

    def append(self, block: np.ndarray) -> None:
        if block.size:
            self.frames += block.shape[0]
            self.peak = max(self.peak, peak_of(block))
            self.sum_squares += sum_of_squares(block)
            if self.consumer is not None:
                self.consumer(block)


def _decode_blocks(path: Path, file: AudioFile, max_decoded_bytes: int, keep_samples: bool,
                   consumer: BlockConsumer | None, stream_from_s: float):
    """(format, blocks or _Levels, libsndfile's header log, the error that ended a damaged
    file early or "")."""
    with _soundfile(path, file) as f:
        fmt, log = _format_of(f), f.extra_info
        _check_header(path, fmt, max_decoded_bytes)
        at_once = f.seekable() and fmt.frames < UNKNOWN_FRAMES
        keep = keep_samples or (at_once and fmt.duration < stream_from_s)
        sink: list[np.ndarray] | _Levels = [] if keep else _Levels(consumer(fmt) if consumer else None)
        if keep and at_once:
            try:                                           # the common case: one read
                sink.append(f.read(dtype="float32", always_2d=True))
                return fmt, sink, log, ""
            except sf.LibsndfileError as exc:
                problem = _clause(exc.error_string)        # damaged or truncated: salvage below
        else:
            read = block_reading.plain_reader(f) if not f.seekable() else block_reading.sequential_reader(path, f)
            problem = _read_all(path, fmt, read, sink, max_decoded_bytes)
            return fmt, sink, log, problem
    with _soundfile(path, file) as f:                      # what decodes before the damage
        problem = _read_all(path, fmt, block_reading.sequential_reader(path, f), sink, max_decoded_bytes) or problem
    if not sink:
        raise AudioLoadError(path, f"not a readable audio file ({problem})")
    return fmt, sink, log, problem


def _read_all(path: Path, fmt: AudioFormat, read: Callable[[int], np.ndarray],
              sink: list[np.ndarray] | _Levels, max_decoded_bytes: int) -> str:
    """Read blocks until the file ends (or decoding fails: returns the error text)."""
    total = 0
    try:
        for block in block_reading.blocks(read):
            sink.append(block)
            total += block.shape[0]
            if isinstance(sink, list):
                _check_length(path, total, fmt, max_decoded_bytes, at_least=True)
            elif total > MAX_DURATION_S * fmt.sample_rate:
                _check_length(path, total, fmt, max_decoded_bytes, at_least=True)
    except sf.LibsndfileError as exc:
        return _clause(exc.error_string)
    return ""


class _soundfile:
    """``soundfile.SoundFile`` over an open AudioFile; its failures as AudioLoadError."""

    def __init__(self, path: Path, file: AudioFile) -> None:
        self.path, self.file = path, file

    def __enter__(self) -> sf.SoundFile:
        try:
            source = self.file.decoder_input()
            self.sound = sf.SoundFile(source, closefd=False) if isinstance(source, int) else sf.SoundFile(source)
        except Exception as exc:
            raise _decode_error(self.path, exc) from None
        return self.sound

    def __exit__(self, _type, exc, _tb) -> bool:
        self.sound.close()
        if isinstance(exc, Exception) and not isinstance(exc, AudioLoadError):
            raise _decode_error(self.path, exc) from None
        return False


def _decode_error(path: Path, exc: BaseException) -> AudioLoadError:
    if isinstance(exc, sf.LibsndfileError):
        return AudioLoadError(path, f"not a readable audio file ({_clause(exc.error_string)})")
    if isinstance(exc, MemoryError):
        return AudioLoadError(path, "not enough memory to decode it")
    return AudioLoadError(path, f"cannot be read ({type(exc).__name__}: {_clause(str(exc))})")


def _clause(text: str) -> str:
    """libsndfile's sentence ("Format not recognised.") as a clause for inside parentheses."""
    return text.strip().rstrip(".")


def _check_header(path: Path, fmt: AudioFormat, max_decoded_bytes: int) -> None:
    if fmt.channels <= 0:
        raise AudioLoadError(path, f"invalid header ({fmt.channels} channels)")
    if not MIN_SAMPLE_RATE <= fmt.sample_rate <= MAX_SAMPLE_RATE:
        raise AudioLoadError(
            path, f"sample rate {fmt.sample_rate} Hz is outside {MIN_SAMPLE_RATE}–"
                  f"{MAX_SAMPLE_RATE} Hz, the range audioscope analyses (damaged header?)")
    if fmt.frames < UNKNOWN_FRAMES:              # unknown lengths are checked while decoding
        _check_length(path, fmt.frames, fmt, max_decoded_bytes)


def _check_length(path: Path, frames: int, fmt: AudioFormat, max_decoded_bytes: int,
                  at_least: bool = False) -> None:
    duration, more = frames / fmt.sample_rate, "at least " if at_least else ""
    if duration > MAX_DURATION_S:
        raise AudioLoadError(
            path, f"too long to analyse: {more}{duration / 60:.1f} min; audioscope analyses files of "
                  f"up to {MAX_DURATION_S // 60} min (analysis memory grows with length, "
                  f"{MEMORY_PER_HOUR_TEXT})")
    needed = frames * fmt.channels * 4
    if needed > max_decoded_bytes:
        raise AudioLoadError(
            path, f"too long to analyse: {more}{duration / 60:.1f} min of {fmt.channels}-channel audio "
                  f"needs {needed / 2**20:.0f} MiB decoded, over the {max_decoded_bytes / 2**20:.0f} MiB budget")


def _truncation_warning(fmt: AudioFormat, held: int, log: str) -> str:
    """"truncated: header says 2.61 s, file holds 0.01 s", or why the length is uncertain."""
    if fmt.frames >= UNKNOWN_FRAMES:
        return f"length not stated in the header: decoded {held / fmt.sample_rate:.2f} s"
    promised = max(fmt.frames, round(held * (promised_fraction(log) or 1.0)))
    return (f"truncated: header says {promised / fmt.sample_rate:.2f} s, file holds "
            f"{held / fmt.sample_rate:.2f} s")


def _format_of(f: sf.SoundFile) -> AudioFormat:
    return AudioFormat(sample_rate=int(f.samplerate), channels=int(f.channels), frames=int(f.frames),
                       container=f.format, subtype=f.subtype, subtype_info=f.subtype_info)
