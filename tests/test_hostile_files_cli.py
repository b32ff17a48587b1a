"""``predict --json`` and ``info --json`` keep their promise of one JSON array whatever the
files: odd names and paths, folders that cannot be entered, absurd sample values, truncated
files. Every file that fails becomes its own ``{"file", "error"}`` entry."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audioscope.core.dataset.metadata import CLASS_NAMES

PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2


def without_root_file_access() -> None:
    """``preexec_fn``: the child, even run by root, obeys file permissions (Linux: drop the
    capabilities that let root read any folder from the set the program is started with)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def audioscope(*args: str, env_dir: Path, unprivileged: bool = False) -> subprocess.CompletedProcess:
    """The command line, with a private cache and log folder; ``unprivileged``: obeying file
    permissions even when the tests run as root."""
    env = {**os.environ, "AUDIOSCOPE_CACHE_DIR": str(env_dir / "cache"), "AUDIOSCOPE_LOG_DIR": str(env_dir / "log")}
    preexec = without_root_file_access if unprivileged and os.geteuid() == 0 else None
    return subprocess.run([sys.executable, "-m", "audioscope", *args], capture_output=True, env=env,
                          timeout=300, preexec_fn=preexec, cwd=env_dir)


def entries_of(result: subprocess.CompletedProcess) -> list[dict]:
    assert b"Traceback" not in result.stderr, result.stderr.decode(errors="replace")
    return json.loads(result.stdout)        # the whole of stdout is one JSON array


@pytest.fixture
def clip(original_files) -> Path:
    return original_files[0]


def long_path(base: Path, total: int) -> Path:
    """A real folder chain under ``base`` whose path is about ``total`` characters long."""
    folder = base
    while len(str(folder)) < total - 220:
        folder = folder / ("d" * 200)
    folder.mkdir(parents=True)
    return folder


def test_names_and_paths_that_the_file_system_or_libsndfile_refuse(clip, tmp_path):
    deep = long_path(tmp_path, 2000) / "clip.wav"          # 1024–4095 characters: libsndfile's limit
    shutil.copy(clip, deep)
    non_utf8 = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9 \xff.wav"))   # not UTF-8
    shutil.copy(clip, non_utf8)
    too_long_name = tmp_path / ("n" * 300 + ".wav")
    too_long_path = Path("/" + "/".join(["p" * 200] * 22) + "/x.wav")      # 4449 characters
    files = [str(deep), str(non_utf8), str(too_long_name), str(too_long_path), str(clip)]
    for command in ("predict", "info"):
        result = audioscope(command, "--json", *files, env_dir=tmp_path)
        entries = entries_of(result)
        assert result.returncode == 1
        assert len(entries) == 5
        assert "error" not in entries[0] and "error" not in entries[1] and "error" not in entries[4]
        assert "name is too long" in entries[2]["error"]
        assert "path is too long" in entries[3]["error"]
        assert entries[1]["file"].endswith("caf\\xe9 \\xff.wav")
    predicted = entries_of(audioscope("predict", "--json", str(deep), str(non_utf8), env_dir=tmp_path))
    assert predicted[0]["probabilities"] == predicted[1]["probabilities"]   # the same audio, same model


def test_a_file_in_a_folder_that_cannot_be_entered(clip, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    shutil.copy(clip, locked / "clip.wav")
    readable = tmp_path / "readable.wav"
    shutil.copy(clip, readable)
    os.chmod(tmp_path, 0o755)
    locked.chmod(0)
    try:
        for command in ("predict", "info"):
            result = audioscope(command, "--json", str(locked / "clip.wav"), str(readable),
                                env_dir=tmp_path, unprivileged=True)
            entries = entries_of(result)
            assert result.returncode == 1
            assert "permission denied" in entries[0]["error"]
            assert "error" not in entries[1]
    finally:
        locked.chmod(0o755)


def test_absurd_float_samples_are_refused_with_the_reason(tmp_path):
    rate = 22050
    loud = np.full(rate, 3e38, dtype=np.float32)
    loud[::2] = -3e38
    sf.write(tmp_path / "loud.wav", loud, rate, subtype="FLOAT")
    hot = (np.sin(np.arange(rate) * 0.05) * 4).astype(np.float32)       # +12 dBFS: legal in float WAV
    sf.write(tmp_path / "hot.wav", hot, rate, subtype="FLOAT")
    for command in ("predict", "info"):
        result = audioscope(command, "--json", str(tmp_path / "loud.wav"), str(tmp_path / "hot.wav"),
                            env_dir=tmp_path)
        entries = entries_of(result)
        assert result.returncode == 1
        assert entries[0]["error"].startswith("samples out of range: peak 3e+38")
        assert "error" not in entries[1]
    info = entries_of(audioscope("info", "--json", str(tmp_path / "hot.wav"), env_dir=tmp_path))
    assert info[0]["peak_dbfs"] == pytest.approx(12.04, abs=0.01)


def test_a_truncated_file_is_loaded_and_says_so(original_files, tmp_path):
    source = next(p for p in original_files if 2.0 < sf.info(p).duration and sf.info(p).format == "WAV")
    header_says = sf.info(source).duration
    cut = tmp_path / "cut.wav"
    cut.write_bytes(source.read_bytes()[:1000])
    held = sf.info(cut).frames / sf.info(cut).samplerate
    expected = f"truncated: header says {header_says:.2f} s, file holds {held:.2f} s"
    predicted = audioscope("predict", "--json", str(cut), env_dir=tmp_path)
    assert predicted.returncode == 0
    [entry] = entries_of(predicted)
    assert entry["warnings"] == [expected] and entry["predicted"] in CLASS_NAMES
    info = audioscope("info", "--json", str(cut), env_dir=tmp_path)
    assert info.returncode == 0 and entries_of(info)[0]["warnings"] == [expected]
    text = audioscope("info", str(cut), env_dir=tmp_path)
    assert f"warning   {expected}" in text.stdout.decode()
