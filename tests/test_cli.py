"""The `audioscope` command: --help, info, and refusing to open a window without a display."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import soundfile as sf

AUDIOSCOPE = [sys.executable, "-m", "audioscope"]


def audioscope(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*AUDIOSCOPE, *args], capture_output=True, text=True, timeout=120,
                          env=env if env is not None else os.environ)


def test_help_lists_the_commands():
    result = audioscope("--help")
    assert result.returncode == 0
    assert "info" in result.stdout and "--dataset" in result.stdout
    assert "opens the explorer window" in result.stdout


def test_console_script_is_installed():
    script = Path(sys.executable).with_name("audioscope")
    assert script.exists(), "the audioscope entry point is not installed in this environment"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("audioscope ")


def test_info_prints_format_levels_and_dataset_row(originals_root):
    clip = originals_root / "audio" / "fold5" / "100032-3-0-0.wav"
    result = audioscope("info", str(clip))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert str(clip) in out
    assert "WAV, PCM_16" in out and "kHz" in out and "dBFS" in out
    assert "dog_bark (classID 3), fold 5, foreground, fsID 100032" in out


def test_info_json_and_failure_status(originals_root, tmp_path):
    clip = originals_root / "audio" / "fold1" / "102305-6-0-0.wav"
    outside = tmp_path / "copy.wav"
    shutil.copy(clip, outside)
    broken = tmp_path / "broken.wav"
    broken.write_text("not audio")
    result = audioscope("info", "--json", str(clip), str(broken), str(outside))
    assert result.returncode == 1
    entries = json.loads(result.stdout)
    assert [e["file"] for e in entries] == [str(clip), str(broken), str(outside)]
    info = sf.info(str(clip))
    assert entries[0]["sample_rate"] == info.samplerate and entries[0]["frames"] == info.frames
    assert entries[0]["dataset"]["class"] == "gun_shot" and entries[0]["dataset"]["fold"] == 1
    assert "not a readable audio file" in entries[1]["error"]
    assert "dataset" not in entries[2]  # a copy outside the dataset has no row


def test_info_with_an_explicit_dataset(originals_root):
    clip = originals_root / "audio" / "fold7" / "101848-9-0-0.wav"
    result = audioscope("info", "--dataset", str(originals_root), str(clip))
    assert result.returncode == 0, result.stderr
    assert "street_music (classID 9), fold 7" in result.stdout


def test_info_names_a_bad_file_on_stderr(tmp_path):
    missing = tmp_path / "missing.wav"
    result = audioscope("info", str(missing))
    assert result.returncode == 1
    assert f"{missing}: error: no such file" in result.stderr


def test_no_display_gives_a_clear_message_instead_of_a_crash():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = audioscope(env=env)
    assert result.returncode == 2
    assert "no display found" in result.stderr


def test_usage_errors_exit_2():
    assert audioscope("info").returncode == 2
    assert audioscope("no-such-command").returncode == 2


def run_in(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*AUDIOSCOPE, *args], capture_output=True, text=True, timeout=120, cwd=folder,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})


def test_info_shows_the_dataset_path_as_typed_and_opens_a_parent_folder(originals_root, tmp_path):
    (tmp_path / "downloads").mkdir()
    (tmp_path / "downloads" / "UrbanSound8K").symlink_to(originals_root)
    clip = Path("downloads") / "UrbanSound8K" / "audio" / "fold7" / "101848-9-0-0.wav"
    typed_root = str(Path("downloads") / "UrbanSound8K")
    found = run_in(tmp_path, "info", str(clip))                  # the folder a file lies in
    assert found.returncode == 0, found.stderr
    assert f"  dataset   {typed_root}\n" in found.stdout
    assert str(originals_root) not in found.stdout
    parent = run_in(tmp_path, "info", "--json", "--dataset", "downloads", str(clip))
    assert parent.returncode == 0, parent.stderr
    entry = json.loads(parent.stdout)[0]["dataset"]
    assert entry["root"] == typed_root and entry["class"] == "street_music"


def test_a_dataset_option_naming_a_folder_of_two_datasets_names_them(originals_root, flac_root):
    clip = originals_root / "audio" / "fold7" / "101848-9-0-0.wav"
    result = audioscope("info", "--dataset", str(originals_root.parent), str(clip))
    assert result.returncode == 1
    assert f"{originals_root.name}, {flac_root.name}" in result.stderr
    assert "Traceback" not in result.stderr
