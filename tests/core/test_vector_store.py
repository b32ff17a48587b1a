"""core.store.vector_store: clip vectors in one SQLite file, shared by threads and processes, never an error."""

from __future__ import annotations

import contextlib
import logging
import shutil
import sqlite3
import subprocess
import sys
import threading

import numpy as np
import pytest

from audioscope.core.store import vector_store
from audioscope.core.store.cache import FeatureCache
from audioscope.core.store.vector_store import VectorStore


def vectors(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {f"key-{seed}-{i}": rng.standard_normal(807) for i in range(n)}


def test_vectors_come_back_bit_for_bit(tmp_path):
    store = VectorStore(tmp_path / "v.sqlite3")
    assert store.load("missing") is None and not store.path.exists()   # a lookup creates nothing
    items = vectors(40)
    items["special"] = np.array([np.nan, np.inf, -0.0, 5e-324, 1.7976931348623157e308])
    assert store.save_many(items.items())
    for key, vector in items.items():
        back = store.load(key)
        assert back.dtype == np.float64 and back.flags.writeable
        np.testing.assert_array_equal(back, vector)
    assert store.load("missing") is None
    replaced = np.zeros(807)
    store.save_many([("key-0-3", replaced)])
    np.testing.assert_array_equal(store.load("key-0-3"), replaced)


def test_the_feature_cache_keeps_its_vectors_in_one_file_beside_its_entries(tmp_path):
    cache = FeatureCache(tmp_path / "cache")
    cache.vectors.save_many(vectors(100).items())
    assert cache.vectors.path == tmp_path / "cache" / "vectors.sqlite3"
    assert [p.name for p in (tmp_path / "cache").iterdir() if p.suffix == ".sqlite3"] == ["vectors.sqlite3"]
    assert not list((tmp_path / "cache").rglob("*.npz"))


def test_threads_read_while_another_thread_writes(tmp_path):
    store = VectorStore(tmp_path / "v.sqlite3")
    items = list(vectors(320).items())
    seen, problems = {}, []

    def write():
        for start in range(0, len(items), 32):
            if not store.save_many(items[start:start + 32]):
                problems.append(start)

    def read_all() -> None:                               # this thread: its own connection
        for key, vector in items:
            if key not in seen and (back := store.load(key)) is not None:
                np.testing.assert_array_equal(back, vector)
                seen[key] = True

    writer = threading.Thread(target=write)
    writer.start()
    while writer.is_alive():
        read_all()
    writer.join()
    read_all()
    assert not problems and len(seen) == len(items)


WRITER = """
import sys
import numpy as np
from audioscope.core.store.vector_store import VectorStore
store = VectorStore(sys.argv[1])
seed = int(sys.argv[2])
rng = np.random.default_rng(seed)
for batch in range(20):
    ok = store.save_many((f"{seed}-{batch}-{i}", rng.standard_normal(807)) for i in range(32))
    assert ok, "a save failed"
print("done")
"""


def test_two_processes_can_write_at_once(tmp_path):
    path = tmp_path / "v.sqlite3"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(seed)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for seed in (1, 2)]
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0 and out.strip() == "done", err
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)   # readers never wait
    store = VectorStore(path)
    for seed in (1, 2):
        rng = np.random.default_rng(seed)
        expected = rng.standard_normal(807)          # the first vector each writer stored
        np.testing.assert_array_equal(store.load(f"{seed}-0-0"), expected)
        assert store.load(f"{seed}-19-31") is not None


def test_a_damaged_store_is_logged_and_started_again(tmp_path, caplog):
    path = tmp_path / "v.sqlite3"
    path.write_bytes(b"this is not an SQLite database, just some bytes " * 100)
    store = VectorStore(path)
    with caplog.at_level(logging.WARNING):
        assert store.load("anything") is None
    assert "unreadable" in caplog.text and str(path) in caplog.text
    items = vectors(3)
    assert store.save_many(items.items())           # a fresh, working store
    for key, vector in items.items():
        np.testing.assert_array_equal(store.load(key), vector)


def test_an_unwritable_location_only_logs(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    store = VectorStore(blocker / "cache" / "v.sqlite3")
    with caplog.at_level(logging.WARNING):
        assert store.save_many(vectors(2).items()) is False
        assert store.save_many(vectors(2).items()) is False      # turned off: no second message
    assert caplog.text.count("not writable") == 1
    assert store.load("key-0-0") is None


def test_a_store_deleted_while_in_use_is_created_again(tmp_path):
    cache_dir = tmp_path / "cache"
    store = VectorStore(cache_dir / "v.sqlite3")
    store.save_many(vectors(2).items())
    shutil.rmtree(cache_dir)                         # the user clears the cache
    assert store.load("key-0-0") is None
    items = vectors(2, seed=5)
    assert store.save_many(items.items())
    assert store.path.exists()
    for key, vector in items.items():
        np.testing.assert_array_equal(VectorStore(store.path).load(key), vector)


def test_a_busy_store_is_left_alone(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(vector_store, "_BUSY_TIMEOUT_S", 0.2)
    store = VectorStore(tmp_path / "v.sqlite3")
    items = vectors(3)
    store.save_many(items.items())
    with contextlib.closing(sqlite3.connect(store.path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")                     # another process is writing
        with caplog.at_level(logging.WARNING):
            assert store.save_many(vectors(2, seed=9).items()) is False
            np.testing.assert_array_equal(store.load("key-0-1"), items["key-0-1"])   # reads go on
        other.execute("ROLLBACK")
    assert "busy" in caplog.text and "unreadable" not in caplog.text
    assert store.save_many(vectors(2, seed=9).items())       # and it still works afterwards
    for key, vector in items.items():
        np.testing.assert_array_equal(store.load(key), vector)


def test_a_store_recreated_by_another_process_is_reopened(tmp_path):
    store = VectorStore(tmp_path / "cache" / "v.sqlite3")
    store.save_many(vectors(2).items())
    assert store.load("key-0-0") is not None                  # this thread's connection is open
    shutil.rmtree(tmp_path / "cache")                           # the user clears the cache ...
    other = VectorStore(store.path)                             # ... and another process refills it
    newer = vectors(2, seed=3)
    assert other.save_many(newer.items())
    assert store.load("key-0-0") is None                        # not the deleted file's contents
    np.testing.assert_array_equal(store.load("key-3-1"), newer["key-3-1"])


WRONG_LAYOUTS = {
    "other columns": ["CREATE TABLE vectors (key TEXT PRIMARY KEY, value REAL)",
                      "INSERT INTO vectors VALUES ('key-0-0', 1.5)"],
    "another program's tables": ["CREATE TABLE bookmarks (url TEXT, title TEXT)",
                                 "INSERT INTO bookmarks VALUES ('https://example.org', 'x')"],
    "a newer version": ["CREATE TABLE vectors (key TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID",
                        "PRAGMA user_version=7"],
}


@pytest.mark.parametrize("statements", WRONG_LAYOUTS.values(), ids=WRONG_LAYOUTS.keys())
def test_a_database_laid_out_otherwise_is_replaced_once(tmp_path, caplog, statements):
    path = tmp_path / "v.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as db:
        for statement in statements:
            db.execute(statement)
        db.commit()
    items = vectors(3)
    store = VectorStore(path)
    with caplog.at_level(logging.WARNING):
        assert store.save_many(items.items())                 # the first save already works
        for key, vector in items.items():
            np.testing.assert_array_equal(store.load(key), vector)
    assert caplog.text.count(str(path)) == 1 and "not a vector store" in caplog.text
    caplog.clear()
    later = VectorStore(path)                                 # the next run: a good file, no message
    with caplog.at_level(logging.WARNING):
        np.testing.assert_array_equal(later.load("key-0-1"), items["key-0-1"])
        assert later.save_many(vectors(2, seed=4).items())
    assert caplog.text == ""


def test_a_lookup_in_a_database_laid_out_otherwise_removes_it(tmp_path, caplog):
    path = tmp_path / "v.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE vectors (name TEXT, blob BLOB)")
    with caplog.at_level(logging.WARNING):
        assert VectorStore(path).load("key-0-0") is None
        assert VectorStore(path).load("key-0-0") is None      # gone: nothing more to say
    assert caplog.text.count(str(path)) == 1 and not path.exists()


def test_files_written_before_the_version_number_keep_their_vectors(tmp_path, caplog):
    path = tmp_path / "v.sqlite3"
    vector = np.arange(807, dtype=np.float64)
    with contextlib.closing(sqlite3.connect(path)) as db:         # as the first release wrote it
        db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID")
        db.execute("INSERT INTO vectors VALUES (?, ?)", ("old", vector.tobytes()))
        db.commit()
    store = VectorStore(path)
    with caplog.at_level(logging.WARNING):
        np.testing.assert_array_equal(store.load("old"), vector)
        assert store.save_many(vectors(2).items())
        np.testing.assert_array_equal(store.load("old"), vector)
    assert caplog.text == ""


def test_new_files_record_their_version(tmp_path):
    store = VectorStore(tmp_path / "v.sqlite3")
    assert store.save_many(vectors(1).items())
    with contextlib.closing(sqlite3.connect(store.path)) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (1,)


def test_an_empty_store_says_so_and_a_filled_one_does_not(tmp_path):
    store = VectorStore(tmp_path / "vectors.sqlite3")
    assert store.is_empty()                                   # no file yet
    assert store.save_many([("k", np.arange(3.0))])
    assert not store.is_empty()
    (tmp_path / "damaged.sqlite3").write_bytes(b"not a database at all" * 100)
    assert VectorStore(tmp_path / "damaged.sqlite3").is_empty()
