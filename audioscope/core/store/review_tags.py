"""Review tags: a user's verdict on a clip (mislabeled, ambiguous, noisy, keep, or a word of
their own) with an optional note, kept in an SQLite database in the user data folder.

Tags are keyed by the dataset's identity — a digest of its metadata (each clip's name, class
and fold), not its path — and the clip's ``slice_file_name``: they survive restarts and a
dataset moved or copied elsewhere, and are never written into the dataset folder. A database
that is locked by another program or damaged raises ``TagStoreError`` with the reason, so the
window can go on without tags.
"""

from __future__ import annotations

import csv
import hashlib
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from audioscope.core.store.atomic_file import atomic_path
from audioscope.core.store.paths import data_dir

if TYPE_CHECKING:                  # imported where used: the window paints before pandas loads
    import pandas as pd

TAG_CHOICES = ("mislabeled", "ambiguous", "noisy", "keep")
DATABASE_NAME = "review_tags.sqlite"
_SCHEMA = ("CREATE TABLE IF NOT EXISTS tags (dataset TEXT NOT NULL, clip TEXT NOT NULL, tag TEXT NOT NULL, "
           "note TEXT NOT NULL DEFAULT '', updated TEXT NOT NULL, PRIMARY KEY (dataset, clip))")


class TagStoreError(Exception):
    """The tag database cannot be used; the message names it and says why."""


@dataclass(frozen=True)
class Tag:
    clip: str
    tag: str
    note: str
    updated: str            # ISO 8601, UTC


def dataset_identity(table: pd.DataFrame) -> str:
    """The same for the same metadata wherever the folder lies: a digest of name, class, fold."""
    digest = hashlib.sha256()
    for name, class_id, fold in zip(table["slice_file_name"], table["classID"], table["fold"]):
        digest.update(f"{name},{int(class_id)},{int(fold)}\n".encode())
    return f"us8k-{digest.hexdigest()[:20]}"


class ReviewTags:
    """The tags of one dataset in the database at ``path`` (default: the user data folder)."""

    def __init__(self, dataset_id: str, path: str | Path | None = None, timeout_s: float = 2.0) -> None:
        self.dataset_id = dataset_id
        self.path = Path(path) if path is not None else data_dir() / DATABASE_NAME
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=timeout_s, isolation_level=None)
            self._db.execute(_SCHEMA)
            self._tags = {row[0]: Tag(*row) for row in self._db.execute(
                "SELECT clip, tag, note, updated FROM tags WHERE dataset = ?", (dataset_id,))}
        except (sqlite3.Error, OSError) as exc:
            raise self._error(exc) from None

    def get(self, clip: str) -> Tag | None:
        return self._tags.get(clip)

    def all(self) -> dict[str, Tag]:
        return dict(self._tags)

    def clips_tagged(self, tag: str) -> frozenset[str]:
        return frozenset(clip for clip, t in self._tags.items() if t.tag == tag)

    def words(self) -> list[str]:
        """The tags in use, the usual ones first."""
        used = {t.tag for t in self._tags.values()}
        return [w for w in TAG_CHOICES if w in used] + sorted(used - set(TAG_CHOICES))

    def set(self, clip: str, tag: str, note: str = "") -> Tag:
        """Tag ``clip`` (replacing its earlier tag); ``tag`` is one word or a short phrase."""
        tag, note = " ".join(tag.split()).lower(), note.strip()
        if not tag:
            raise ValueError("a tag needs a word, e.g. mislabeled")
        entry = Tag(clip, tag, note, datetime.now(timezone.utc).isoformat(timespec="seconds"))
        self._write("INSERT OR REPLACE INTO tags (dataset, clip, tag, note, updated) VALUES (?, ?, ?, ?, ?)",
                    (self.dataset_id, clip, tag, note, entry.updated))
        self._tags[clip] = entry
        return entry

    def remove(self, clip: str) -> None:
        self._write("DELETE FROM tags WHERE dataset = ? AND clip = ?", (self.dataset_id, clip))
        self._tags.pop(clip, None)

    def export_csv(self, out: str | Path, table: pd.DataFrame | None = None) -> int:
        """The tags as CSV (slice_file_name, tag, note, updated, and class and fold from
        ``table`` when given), written whole or not at all; returns the rows written."""
        meta = table.set_index("slice_file_name") if table is not None else None
        with atomic_path(out) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["slice_file_name", "class", "fold", "tag", "note", "updated"])
            for clip, t in sorted(self._tags.items()):
                known = meta is not None and clip in meta.index
                writer.writerow([clip, meta.at[clip, "class"] if known else "",
                                 int(meta.at[clip, "fold"]) if known else "", t.tag, t.note, t.updated])
        return len(self._tags)

    def close(self) -> None:
        self._db.close()

    def _write(self, sql: str, values: tuple) -> None:
        try:
            self._db.execute(sql, values)
        except sqlite3.Error as exc:
            raise self._error(exc) from None

    def _error(self, exc: BaseException) -> TagStoreError:
        text = str(exc)
        if "locked" in text or "busy" in text:
            why = "locked by another program (close it, or the other audioscope window)"
        elif isinstance(exc, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text):
            why = f"damaged ({text}); move it aside to start a new one"
        else:
            why = text
        return TagStoreError(f"{self.path}: review tags unavailable: {why}")
