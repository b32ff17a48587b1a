"""A log file that cannot be written (a full disk): one line on stderr, the command unaffected.

Real failing devices: /dev/full (every write fails with ENOSPC) behind the log file's name,
and a tiny tmpfs filled to the last byte.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.small_disk import small_tmpfs

AUDIOSCOPE = Path(sys.executable).with_name("audioscope")   # the installed console script


def run(args: list[str], log_dir: Path, cache_dir: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, AUDIOSCOPE_LOG_DIR=str(log_dir), AUDIOSCOPE_CACHE_DIR=str(cache_dir))
    return subprocess.run([str(AUDIOSCOPE), *args], env=env, capture_output=True, text=True, timeout=240,
                          cwd=log_dir.parent)


def assert_said_once(done: subprocess.CompletedProcess, log_file: Path, reason: str) -> list[str]:
    """Exactly one stderr line about ``log_file``, and no logging traceback; the other lines."""
    lines = done.stderr.splitlines()
    about = [line for line in lines if str(log_file) in line]
    assert about == [f"audioscope: WARNING: cannot write the log file {log_file} ({reason}); "
                     "no more messages go to it"], done.stderr
    assert "Logging error" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    return [line for line in lines if line not in about]


def full_device_log(tmp_path: Path) -> Path:
    logs = tmp_path / "full-logs"
    logs.mkdir()
    (logs / "audioscope.log").symlink_to("/dev/full")
    return logs


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs Linux's /dev/full")
def test_info_with_its_log_file_on_a_full_device(tmp_path, original_files):
    clip = str(original_files[0])
    normal = run(["info", clip], tmp_path / "logs", tmp_path / "cache")
    logs = full_device_log(tmp_path)

    done = run(["info", clip], logs, tmp_path / "cache")

    assert done.returncode == 0 and normal.returncode == 0
    assert done.stdout == normal.stdout and clip in done.stdout
    assert assert_said_once(done, logs / "audioscope.log", "No space left on device") == []


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs Linux's /dev/full")
def test_warnings_still_reach_stderr_when_the_log_file_fails(tmp_path, original_files):
    # A cache folder that is a file: predict logs several warnings (to stderr and the log).
    clip = str(original_files[0])
    not_a_folder = tmp_path / "cache-file"
    not_a_folder.write_text("")
    normal = run(["predict", clip], tmp_path / "logs", not_a_folder)
    logs = full_device_log(tmp_path)

    done = run(["predict", clip], logs, not_a_folder)

    assert done.returncode == 0 and done.stdout == normal.stdout
    assert assert_said_once(done, logs / "audioscope.log", "No space left on device") == normal.stderr.splitlines()
    assert normal.stderr.count("WARNING") >= 1                # the warnings did need the log file


def test_info_with_its_log_file_on_a_full_file_system(tmp_path, original_files):
    with small_tmpfs(tmp_path / "disk", 64 * 1024) as disk:
        if disk is None:
            pytest.skip("mounting a tmpfs is not permitted here (needs root or CAP_SYS_ADMIN)")
        with open(disk / "filler", "wb", buffering=0) as filler:      # every last byte taken
            with pytest.raises(OSError) as full:
                while True:
                    filler.write(b"\0" * 512)
        assert full.value.errno == errno.ENOSPC
        clip = str(original_files[0])

        done = run(["info", clip], disk, tmp_path / "cache")

        assert done.returncode == 0 and clip in done.stdout.splitlines()[0]
        assert assert_said_once(done, disk / "audioscope.log", "No space left on device") == []
