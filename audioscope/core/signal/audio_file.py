"""Opening an audio file once, so that what is hashed for the cache is what is decoded.

A file is opened by its path exactly once (``open_audio_file``); everything after works on the
open descriptor, so a file renamed or replaced meanwhile cannot mix two contents. When a
digest is wanted:

* files up to ``BUFFERED_MAX_BYTES`` (every UrbanSound8K clip) are read into memory once; the
  digest is that buffer's SHA-256 and the decoder reads the same buffer;
* larger files are decoded from the descriptor and hashed from it, and the digest is dropped
  (the analysis is not cached) when the file's size, modification or change time moved while
  it was read;
* files much larger than their audio can need (a damaged header, or a huge tail after the
  audio) are not hashed at all: decoding reads only the audio, hashing would read everything.

The descriptor also spares libsndfile the path: names that are not UTF-8 and paths longer
than libsndfile's limit open like any other.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

BUFFERED_MAX_BYTES = 64 << 20
# Room for metadata chunks (cover art, markers) beyond the samples themselves.
_METADATA_ALLOWANCE = 64 << 20
_HASH_CHUNK = 1 << 22


class FileOpenError(Exception):
    """The file cannot be opened as a regular file; ``reason`` says why in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class AudioFile:
    """An open regular file: its descriptor, its status when opened, and its bytes when they
    were read into memory."""

    path: Path
    fd: int
    status: os.stat_result
    data: bytes | None = None

    @property
    def size(self) -> int:
        return self.status.st_size

    def decoder_input(self) -> int | io.BytesIO:
        """What soundfile reads: the buffer when there is one, else the descriptor (rewound)."""
        if self.data is not None:
            return io.BytesIO(self.data)
        os.lseek(self.fd, 0, os.SEEK_SET)
        return self.fd

    def read_into_memory(self) -> bytes:
        """The whole file, read once through the descriptor (kept for the decoder)."""
        parts, offset = [], 0
        while chunk := os.pread(self.fd, _HASH_CHUNK, offset):
            parts.append(chunk)
            offset += len(chunk)
        self.data = b"".join(parts)
        return self.data

    def digest_after_decoding(self, plausible_bytes: int) -> str | None:
        """SHA-256 of the file's bytes, or None when they cannot be trusted to be the ones
        decoded (the file changed while it was read) or would cost far more to hash than the
        audio is worth (larger than ``plausible_bytes``)."""
        if self.data is not None:
            return hashlib.sha256(self.data).hexdigest()
        if self.size > plausible_bytes:
            return None
        digest, offset = hashlib.sha256(), 0
        while chunk := os.pread(self.fd, _HASH_CHUNK, offset):
            digest.update(chunk)
            offset += len(chunk)
        return digest.hexdigest() if _unchanged(self.status, os.fstat(self.fd)) else None

    def close(self) -> None:
        os.close(self.fd)

    def __enter__(self) -> AudioFile:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def open_audio_file(path: str | Path) -> AudioFile:
    """Open ``path`` for reading (never blocking on a pipe); FileOpenError unless it is a
    non-empty regular file."""
    path = Path(path)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise FileOpenError(_open_problem(path, exc)) from None
    try:
        status = os.fstat(fd)
        if stat.S_ISDIR(status.st_mode):
            raise FileOpenError("is a folder, not an audio file")
        if not stat.S_ISREG(status.st_mode):
            raise FileOpenError("is not a regular file (a device, pipe or socket)")
        if status.st_size == 0:
            raise FileOpenError("is empty (0 bytes)")
    except BaseException:
        os.close(fd)
        raise
    return AudioFile(path, fd, status)


def plausible_size(frames: int, channels: int) -> int:
    """The most bytes a file holding this much audio can reasonably take: 64-bit samples plus
    room for metadata. A file larger than this holds something else besides."""
    return frames * channels * 8 + _METADATA_ALLOWANCE


def _unchanged(before: os.stat_result, after: os.stat_result) -> bool:
    return ((before.st_size, before.st_mtime_ns, before.st_ctime_ns, before.st_ino)
            == (after.st_size, after.st_mtime_ns, after.st_ctime_ns, after.st_ino))


def _open_problem(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        return "is a broken link" if path.is_symlink() else "no such file"
    if exc.errno == errno.ENAMETOOLONG:
        longest = max((len(os.fsencode(part)) for part in path.parts), default=0)
        if longest > 255:
            return f"its name is too long ({longest} bytes; file systems allow 255)"
        return f"its path is too long ({len(os.fsencode(path))} bytes)"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied (the file or a folder above it cannot be read)"
    if exc.errno == errno.ELOOP:
        return "is a loop of symbolic links"
    if exc.errno == errno.ENOTDIR:
        return "no such file (a part of its path is not a folder)"
    return f"cannot be opened ({exc.strerror or exc})"


# libsndfile logs chunks that promise more bytes than the file holds as "name : N (should be M)".
_SHORT_CHUNK = re.compile(r"^\s*(?P<name>[^:\n]+?)\s*:\s*(?P<said>\d+)\s*\(should be (?P<held>\d+)\)", re.M)
_DATA_CHUNKS = ("data", "SSND", "Data Size")


def promised_fraction(log: str) -> float | None:
    """How many times more audio data the header promises than the file holds (> 1 for a
    truncated file), read from libsndfile's log of the header; None when it found no short
    chunk."""
    found = {m["name"].strip(): (int(m["said"]), int(m["held"])) for m in _SHORT_CHUNK.finditer(log)}
    for name in (*_DATA_CHUNKS, *found):
        said, held = found.get(name, (0, 0))
        if said > held > 0:
            return said / held
    return None
