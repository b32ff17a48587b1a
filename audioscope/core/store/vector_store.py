"""Clip vectors in one SQLite file: thousands of small entries without thousands of files.

A clip vector is 807 float64 values (6.5 kB). Stored one ``.npz`` file each, writing the
vectors of UrbanSound8K's 8732 clips meant 8732 file creations, renames and zip headers: about
0.2–0.5 ms each, which the process that collects the workers' results paid while they waited.
Here a whole task's vectors go in one transaction, and a lookup is one indexed read.

The database is a cache, and nothing here raises:

* a file that is not a database (or is corrupt), or a database laid out otherwise (another
  program's, another version's), is logged and replaced by an empty one;
* a folder that cannot be written turns saving off with one log line;
* a busy or unreadable file makes lookups miss, with one log line;
* a file deleted or replaced under an open connection (the user cleared the cache) is noticed
  and opened again.

Several processes (the window and ``audioscope extract``, say) may use it at once: in SQLite's
write-ahead-log mode readers continue while one writer commits.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

_SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID"
_VERSION = 1                # PRAGMA user_version of new files; files from before it have 0
_BUSY_TIMEOUT_S = 10.0      # another process writing: wait this long before giving up
_DTYPE = np.dtype("<f8")


class VectorStore:
    """float64 vectors by key in ``path`` (an SQLite file, created on the first save)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._local = threading.local()     # sqlite3 connections belong to one thread
        self._writable = True
        self._unusable = False              # a bad file that could not be replaced: left alone
        self._read_warned = False           # a read problem is logged once

    def load(self, key: str) -> np.ndarray | None:
        """The vector stored under ``key``, or None (missing, or the store is unusable)."""
        try:
            connection = self._connection(create=False)
            if connection is None:
                return None
            row = connection.execute("SELECT data FROM vectors WHERE key = ?", (key,)).fetchone()
        except (sqlite3.OperationalError, OSError) as exc:     # busy, unreadable: a miss
            if not self._read_warned:
                self._read_warned = True
                log.warning("vector store %s cannot be read (%s); vectors are recomputed", self.path, exc)
            return None
        except sqlite3.DatabaseError as exc:            # not a database, or corrupt
            self._replace_damaged(exc)
            return None
        if row is None:
            return None
        data = row[0]
        if not isinstance(data, bytes) or len(data) % _DTYPE.itemsize:
            log.warning("vector store %s: entry %s is damaged; it will be recomputed", self.path, key)
            return None
        return np.frombuffer(data, dtype=_DTYPE).copy()

    def is_empty(self) -> bool:
        """True when the store holds no vector (no file yet, or an unusable one): looking keys
        up would be wasted work."""
        try:
            connection = self._connection(create=False)
            return connection is None or connection.execute("SELECT 1 FROM vectors LIMIT 1").fetchone() is None
        except (sqlite3.DatabaseError, OSError):
            return True

    def save_many(self, items: Iterable[tuple[str, np.ndarray]]) -> bool:
        """Store each (key, vector) in one transaction; False (and a log line) if it cannot."""
        if not self._writable:
            return False
        rows = [(key, np.ascontiguousarray(vector, dtype=_DTYPE).tobytes()) for key, vector in items]
        if not rows:
            return False
        try:
            connection = self._connection(create=True)
            # IMMEDIATE: take the write lock first (waiting for another writer), not midway
            # through, where SQLite must give up at once rather than risk a deadlock
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.executemany("INSERT OR REPLACE INTO vectors (key, data) VALUES (?, ?)", rows)
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:      # SQLite may have rolled back already
                    connection.execute("ROLLBACK")
                raise
            return True
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc):
                log.warning("vector store %s is busy (%s); %d vectors not cached", self.path, exc, len(rows))
            else:   # cannot create or write the file (read-only folder, disk full): stop trying
                self._stop_saving(exc)
            return False
        except sqlite3.DatabaseError as exc:
            self._replace_damaged(exc)
            return False
        except OSError as exc:
            self._stop_saving(exc)
            return False

    def close(self) -> None:
        """Close this thread's connection (others close when their threads' objects go)."""
        opened = getattr(self._local, "opened", None)
        if opened is not None:
            opened[0].close()
            self._local.opened = None

    def _connection(self, create: bool) -> sqlite3.Connection | None:
        """This thread's connection to the file now at ``path`` (None: no file and not
        ``create``). A connection to a file since deleted or replaced is closed and renewed."""
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            stat = None
        opened = getattr(self._local, "opened", None)
        if opened is not None and (stat is None or (stat.st_dev, stat.st_ino) != opened[1]):
            self.close()
            opened = None
        if opened is not None:
            return opened[0]
        if self._unusable:
            return None
        if stat is None:
            if not create:
                return None
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            connection, stat = self._open()
        except _WrongLayout as exc:               # replaced once, here: this call can use the new file
            self._replace_damaged(exc)
            if not (create and self._writable):
                return None
            connection, stat = self._open()
        self._local.opened = (connection, (stat.st_dev, stat.st_ino))
        return connection

    def _open(self) -> tuple[sqlite3.Connection, os.stat_result]:
        """A new connection to ``path``, whose table is created in a new file; _WrongLayout
        if the file holds anything else."""
        connection = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
        try:
            _use_write_ahead_log(connection)
            connection.execute("PRAGMA synchronous=NORMAL")   # a cache: no fsync per commit
            # another process may be creating the table: look at one snapshot, and create it
            # holding the write lock, if it is still missing then
            with _transaction(connection, "BEGIN"):
                empty = not _check_layout(connection)
            if empty:
                with _transaction(connection, "BEGIN IMMEDIATE"):
                    if not _check_layout(connection):
                        connection.execute(_SCHEMA)
                        connection.execute(f"PRAGMA user_version={_VERSION}")
            stat = os.stat(self.path)
        except BaseException:
            connection.close()
            raise
        return connection, stat

    def _replace_damaged(self, exc: Exception) -> None:
        """A file that is not a usable database: log it and start again with an empty one
        (its journal files belong to it and go too; no process can use any of them)."""
        log.warning("vector store %s is unreadable (%s); starting a new one", self.path, exc)
        self.close()
        for suffix in ("", "-wal", "-shm"):
            try:
                Path(f"{self.path}{suffix}").unlink()
            except FileNotFoundError:
                pass
            except OSError as err:
                self._unusable = True
                self._stop_saving(err)
                return

    def _stop_saving(self, exc: Exception) -> None:
        self._writable = False
        log.warning("vector store %s is not writable (%s); vectors are not cached this session",
                    self.path, exc)


@contextlib.contextmanager
def _transaction(connection: sqlite3.Connection, begin: str) -> Iterator[None]:
    """``begin`` … COMMIT, or ROLLBACK on an error (if SQLite has not rolled back already)."""
    connection.execute(begin)
    try:
        yield
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


class _WrongLayout(sqlite3.DatabaseError):
    """An SQLite database, but not a vector store of this version."""


def _check_layout(connection: sqlite3.Connection) -> bool:
    """True if the database is a vector store (a version-1 file, or a version-0 one with the
    same table); False if it is empty. _WrongLayout for anything else."""
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    columns = connection.execute("PRAGMA table_info(vectors)").fetchall()
    if version in (0, _VERSION) and columns == _expected_columns():
        return True
    if version == 0 and not columns and not connection.execute("SELECT 1 FROM sqlite_master").fetchone():
        return False
    found = "no table vectors"
    if columns:
        found = f"table vectors ({', '.join(f'{name} {kind}' for _, name, kind, *_ in columns)})"
    raise _WrongLayout(f"not a vector store of this version: user_version {version}, {found}")


@cache
def _expected_columns() -> list[tuple]:
    """``PRAGMA table_info(vectors)`` of a new file, as this SQLite library reports it."""
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute(_SCHEMA)
        return connection.execute("PRAGMA table_info(vectors)").fetchall()
    finally:
        connection.close()


def _use_write_ahead_log(connection: sqlite3.Connection) -> None:
    """Switch the file to WAL mode (it stays so). Switching takes an exclusive lock, and SQLite
    reports "locked" at once, without waiting, while another process holds any lock: retry.
    A file system without WAL support keeps its journal mode, which works too."""
    deadline = time.monotonic() + _BUSY_TIMEOUT_S
    while connection.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        try:
            connection.execute("PRAGMA journal_mode=WAL").fetchone()
            return               # switched, or not supported here: either way, done
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
