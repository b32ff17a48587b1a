"""core.store.atomic_file: whole files or none, and no temporary files left by writers that were killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from audioscope.core.store.atomic_file import atomic_path, new_partial, remove_stale_partials

WRITER = """
import sys, time
from audioscope.core.store.atomic_file import atomic_path
with atomic_path(sys.argv[1]) as tmp:
    tmp.write_text("half of it")
    print("ready", tmp, flush=True)
    time.sleep(600)
"""


def start_writer(out: Path) -> tuple[subprocess.Popen, Path]:
    """A process in the middle of writing ``out``, and its temporary file."""
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(out)], stdout=subprocess.PIPE, text=True)
    line = writer.stdout.readline()
    assert line.startswith("ready "), f"the writer did not start: {line!r}"
    return writer, Path(line.split(" ", 1)[1].strip())


def dead_pid() -> int:
    """The id of a process that has ended (and been waited for)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_write_replaces_the_file_whole_and_leaves_nothing_else(tmp_path):
    out = tmp_path / "table.csv"
    out.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(out) as tmp:
            tmp.write_text("half")
            raise RuntimeError("the export failed")
    assert out.read_text() == "old" and os.listdir(tmp_path) == ["table.csv"]
    with atomic_path(out) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(f".table.csv.{os.getpid()}.")
        tmp.write_text("new")
    assert out.read_text() == "new" and os.listdir(tmp_path) == ["table.csv"]
    assert out.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_the_partial_of_a_killed_writer_goes_at_the_next_write_and_a_living_ones_stays(tmp_path):
    out = tmp_path / "table.csv"
    killed, stale = start_writer(out)
    living, in_progress = start_writer(out)
    try:
        assert stale.name.startswith(f".table.csv.{killed.pid}.")
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=30)
        assert stale.read_text() == "half of it" and not out.exists()   # left behind
        with atomic_path(out) as tmp:
            tmp.write_text("whole")
        assert out.read_text() == "whole"
        assert not stale.exists()
        assert in_progress.read_text() == "half of it"                  # its writer is at work
    finally:
        living.kill()
        living.wait(timeout=30)
    assert sorted(os.listdir(tmp_path)) == sorted(["table.csv", in_progress.name])


def test_only_exactly_named_files_of_ended_processes_are_removed(tmp_path):
    out = tmp_path / "table.csv"
    dead, alive = dead_pid(), os.getpid()
    victim = tmp_path / "victim.txt"
    victim.write_text("not a partial")
    stale = tmp_path / f".table.csv.{dead}.0123abcd.partial"
    kept_files = [f".table.csv.{alive}.0123abcd.partial",          # a living writer (this process)
                  f".table.csv.{dead}.0123abcd.partial.bak",       # not the pattern, exactly
                  f"table.csv.{dead}.0123abcd.partial",
                  f".table.csv.{dead}.0123abcz.partial",
                  f".table.csv.{dead}.0123abc.partial",
                  f".table.csv.0{dead}.0123abcd.partial",
                  f".table.csv.{dead}.{dead}.0123abcd.partial",    # a partial of "table.csv.{dead}"
                  f".table.{dead}.0123abcd.partial",               # of another file
                  f".other.csv.{dead}.0123abcd.partial",
                  f".table.csv.{dead}.0123abcd.part"]
    for name in kept_files:
        (tmp_path / name).write_text("x")
    stale.write_text("x")
    folder = tmp_path / f".table.csv.{dead}.4567abcd.partial"         # a folder: not a file's partial
    (folder / "inside").mkdir(parents=True)
    link = tmp_path / f".table.csv.{dead}.89abcdef.partial"           # a link: never followed or removed
    link.symlink_to(victim)
    before = set(os.listdir(tmp_path))
    assert remove_stale_partials(out) == 1
    assert set(os.listdir(tmp_path)) == before - {stale.name}
    assert victim.read_text() == "not a partial" and (folder / "inside").is_dir()


def test_stale_staging_folders_are_removed_when_asked_for(tmp_path):
    out = tmp_path / "model"
    dead = dead_pid()
    stale = tmp_path / f".model.{dead}.0123abcd.partial"
    (stale / "sub").mkdir(parents=True)
    (stale / "sub" / "final.joblib").write_bytes(b"x" * 100)
    outside = tmp_path / "elsewhere"
    (outside / "keep").mkdir(parents=True)
    (stale / "sub" / "link").symlink_to(outside)                   # removed as a link, not followed
    (tmp_path / f".model.{dead}.89abcdef.partial").symlink_to(outside)
    (tmp_path / f".model.{dead}.4567abcd.partial").write_text("a file, not a folder")
    mine = new_partial(out, kind="folder")
    assert mine.is_dir() and mine.name.startswith(f".model.{os.getpid()}.")
    assert remove_stale_partials(out, kind="folder") == 1
    assert not stale.exists() and mine.is_dir() and (outside / "keep").is_dir()
    assert (tmp_path / f".model.{dead}.89abcdef.partial").is_symlink()
    assert (tmp_path / f".model.{dead}.4567abcd.partial").is_file()


AS_NOBODY = """
import os
from audioscope.core.store.atomic_file import remove_stale_partials
os.setgid(65534)
os.setuid(65534)            # now process 1 (root's) cannot be signalled: PermissionError
print(remove_stale_partials("table.csv"))
"""


def test_another_users_process_counts_as_living(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root, to become another user")
    tmp_path.chmod(0o777)
    partial = tmp_path / ".table.csv.1.0123abcd.partial"
    partial.write_text("x")
    result = subprocess.run([sys.executable, "-c", AS_NOBODY], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "0", result.stderr
    assert partial.exists()


def test_a_missing_folder_is_not_an_error(tmp_path):
    assert remove_stale_partials(tmp_path / "no such folder" / "table.csv") == 0
