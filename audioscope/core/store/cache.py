"""On-disk feature cache keyed by file content, feature parameters and code version.

Entries are ``.npz`` files (no pickles) written atomically (temporary file + rename).
A corrupt or unreadable entry is logged, removed and treated as a miss; a cache folder
that cannot be written disables saving with one log line. The cache never raises.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
import zipfile
from pathlib import Path

import numpy as np

from audioscope.core.store.paths import cache_dir
from audioscope.core.store.vector_store import VectorStore

log = logging.getLogger(__name__)

# Bump when feature code changes its output, so old entries are not reused.
CODE_VERSION = "features-3"


class FeatureCache:
    """A folder of ``<key[:2]>/<key>.npz`` entries, and a ``VectorStore`` for clip vectors."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else cache_dir() / "features"
        self._writable = True
        self._made: set[Path] = set()       # sub-folders known to exist
        # clip vectors: many small entries, kept in one database file beside the .npz entries
        self.vectors = VectorStore(self.directory / "vectors.sqlite3")

    @staticmethod
    def key(digest: str, params_key: str, kind: str = "clip") -> str:
        """Cache key from a content digest, a parameter string and the kind of entry."""
        text = "\0".join((CODE_VERSION, kind, params_key, digest))
        return hashlib.blake2b(text.encode(), digest_size=20).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.npz"

    def load(self, key: str) -> dict[str, np.ndarray] | None:
        """The arrays stored under ``key``, or None (missing or corrupt)."""
        path = self._path(key)
        try:
            with np.load(path, allow_pickle=False) as npz:
                return {name: npz[name] for name in npz.files}
        except FileNotFoundError:
            return None
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as exc:
            log.warning("cache entry %s is unreadable (%s); it will be rebuilt", path, exc)
            try:
                path.unlink()
            except OSError:
                pass
            return None

    def save(self, key: str, arrays: dict[str, np.ndarray]) -> bool:
        """Store ``arrays`` under ``key`` atomically; False (and a log line) if it cannot."""
        if not self._writable:
            return False
        path = self._path(key)
        # unique per process and thread, so concurrent writers never share a temporary file
        tmp = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
        try:
            if path.parent not in self._made:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._made.add(path.parent)
            buffer = io.BytesIO()         # built in memory: one write, not ~15 small writes and seeks
            np.savez(buffer, **arrays)
            with open(tmp, "wb") as f:
                f.write(buffer.getbuffer())
            os.replace(tmp, path)
            return True
        except OSError as exc:
            self._writable = False
            log.warning("feature cache %s is not writable (%s); caching is off for this session",
                        self.directory, exc)
            try:
                os.unlink(tmp)
            except OSError:
                pass
            return False
