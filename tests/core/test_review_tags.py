"""Review tags in a real SQLite database: they survive a restart and a moved dataset, never touch
the dataset folder, and a locked or damaged database is named with the reason."""

from __future__ import annotations

import shutil
import sqlite3

import pandas as pd
import pytest

from audioscope.core.dataset.metadata import load_dataset
from audioscope.core.store.review_tags import ReviewTags, TagStoreError, dataset_identity


def snapshot(root):
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in sorted(root.rglob("*"))}


def test_tags_survive_a_restart_and_a_moved_dataset(originals_root, tmp_path):
    before = snapshot(originals_root)
    dataset = load_dataset(originals_root)
    db = tmp_path / "tags.sqlite"
    tags = ReviewTags(dataset_identity(dataset.table), db)
    tags.set("100032-3-0-0.wav", "Mislabeled", "  sounds like a drill  ")
    tags.set("100263-2-0-117.wav", "keep")
    tags.set("100263-2-0-117.wav", "too  quiet")          # one tag per clip: the new one wins
    tags.close()
    # a copy of the metadata elsewhere is the same dataset
    moved = tmp_path / "elsewhere" / "UrbanSound8K"
    (moved / "metadata").mkdir(parents=True)
    shutil.copy(originals_root / "metadata" / "UrbanSound8K.csv", moved / "metadata")
    (moved / "audio").mkdir()
    again = ReviewTags(dataset_identity(load_dataset(moved).table), db)
    assert {c: (t.tag, t.note) for c, t in again.all().items()} == {
        "100032-3-0-0.wav": ("mislabeled", "sounds like a drill"), "100263-2-0-117.wav": ("too quiet", "")}
    assert again.clips_tagged("mislabeled") == {"100032-3-0-0.wav"}
    assert again.words() == ["mislabeled", "too quiet"]
    again.remove("100263-2-0-117.wav")
    assert ReviewTags(again.dataset_id, db).get("100263-2-0-117.wav") is None
    # another dataset's tags are its own
    other = dataset.table.assign(fold=dataset.table["fold"] % 10 + 1)
    assert ReviewTags(dataset_identity(other), db).all() == {}
    out = tmp_path / "tags.csv"
    assert again.export_csv(out, dataset.table) == 1
    exported = pd.read_csv(out)
    assert exported.to_dict("records")[0] | {"updated": None} == {
        "slice_file_name": "100032-3-0-0.wav", "class": "dog_bark", "fold": 5, "tag": "mislabeled",
        "note": "sounds like a drill", "updated": None}
    assert snapshot(originals_root) == before              # nothing written in the dataset folder
    with pytest.raises(ValueError):
        again.set("100032-3-0-0.wav", "   ")


def test_a_locked_database_is_named_and_nothing_is_lost(originals_root, tmp_path):
    db = tmp_path / "tags.sqlite"
    identity = dataset_identity(load_dataset(originals_root).table)
    ReviewTags(identity, db).set("100032-3-0-0.wav", "noisy")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")                       # another program holds the database
    try:
        with pytest.raises(TagStoreError, match=r"tags\.sqlite: review tags unavailable: locked by another"):
            ReviewTags(identity, db, timeout_s=0.2)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert ReviewTags(identity, db).get("100032-3-0-0.wav").tag == "noisy"


def test_a_damaged_database_is_named(originals_root, tmp_path):
    db = tmp_path / "tags.sqlite"
    db.write_bytes(b"this is not an SQLite database, just bytes" * 100)
    with pytest.raises(TagStoreError, match=r"tags\.sqlite: review tags unavailable: damaged"):
        ReviewTags(dataset_identity(load_dataset(originals_root).table), db)
