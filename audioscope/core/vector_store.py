"""Clip vectors in one SQLite file: thousands of small entries without thousands of files.

A clip vector is 807 float64 values (6.5 kB). Stored one ``.npz`` file each, writing the
vectors of UrbanSound8K's 8732 clips meant 8732 file creations, renames and zip headers: about
0.2–0.5 ms each, which the process that collects the workers' results paid while they waited.
Here a whole task's vectors go in one transaction, and a lookup is one indexed read.

The database is a cache: a damaged file is logged and replaced by an empty one, a folder that
cannot be written turns saving off with one log line, and nothing here raises. Several
processes (the window and ``audioscope extract``, say) may use it at once: SQLite's
write-ahead log lets readers continue while one writer commits.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

_SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID"
_BUSY_TIMEOUT_S = 10.0      # another process writing: wait this long before giving up a save
_DTYPE = np.dtype("<f8")


class VectorStore:
    """float64 vectors by key in ``path`` (an SQLite file, created on the first save)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._local = threading.local()     # sqlite3 connections belong to one thread
        self._writable = True
        self._lock = threading.Lock()

    def load(self, key: str) -> np.ndarray | None:
        """The vector stored under ``key``, or None (missing, or the store is unusable)."""
        if not self.path.exists():
            return None
        try:
            row = self._connection().execute("SELECT data FROM vectors WHERE key = ?", (key,)).fetchone()
        except sqlite3.DatabaseError as exc:
            self._damaged(exc)
            return None
        if row is None:
            return None
        data = row[0]
        if not isinstance(data, bytes) or len(data) % _DTYPE.itemsize:
            log.warning("vector store %s: entry %s is damaged; it will be recomputed", self.path, key)
            return None
        return np.frombuffer(data, dtype=_DTYPE).copy()

    def save_many(self, items: Iterable[tuple[str, np.ndarray]]) -> bool:
        """Store each (key, vector) in one transaction; False (and a log line) if it cannot."""
        rows = [(key, np.ascontiguousarray(vector, dtype=_DTYPE).tobytes()) for key, vector in items]
        if not rows or not self._writable:
            return False
        try:
            if not self.path.exists():       # new, or deleted under an open connection: (re)open
                self.close()
                self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = self._connection()
            # IMMEDIATE: take the write lock first (waiting for another writer), not midway
            # through, where SQLite must give up at once rather than risk a deadlock
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.executemany("INSERT OR REPLACE INTO vectors (key, data) VALUES (?, ?)", rows)
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            return True
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and "locked" not in str(exc):
                # cannot create or write the file (read-only folder, disk full): stop trying
                self._writable = False
                log.warning("vector store %s is not writable (%s); vectors are not cached this session",
                            self.path, exc)
            elif isinstance(exc, sqlite3.OperationalError):
                log.warning("vector store %s is busy (%s); %d vectors not cached", self.path, exc, len(rows))
            else:
                self._damaged(exc)
            return False
        except OSError as exc:
            self._writable = False
            log.warning("vector store %s is not writable (%s); vectors are not cached this session",
                        self.path, exc)
            return False

    def close(self) -> None:
        """Close this thread's connection (others close when their thread's objects go)."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
            try:
                _use_write_ahead_log(connection)
                connection.execute("PRAGMA synchronous=NORMAL")   # a cache: no fsync per commit
                connection.execute(_SCHEMA)
            except sqlite3.DatabaseError:
                connection.close()
                raise
            self._local.connection = connection
        return connection

    def _damaged(self, exc: Exception) -> None:
        """A file that is not a usable database: log it and start again with an empty one."""
        with self._lock:
            log.warning("vector store %s is unreadable (%s); starting a new one", self.path, exc)
            self.close()
            for suffix in ("", "-wal", "-shm"):
                try:
                    Path(f"{self.path}{suffix}").unlink()
                except FileNotFoundError:
                    pass
                except OSError as err:
                    self._writable = False
                    log.warning("cannot remove %s (%s); vectors are not cached this session", self.path, err)
                    return


def _use_write_ahead_log(connection: sqlite3.Connection) -> None:
    """Switch the file to WAL mode (it stays so). Switching takes an exclusive lock and SQLite
    reports "locked" at once, without waiting, when another process holds any lock: retry."""
    deadline = time.monotonic() + _BUSY_TIMEOUT_S
    while connection.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        try:
            connection.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
