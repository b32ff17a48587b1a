"""`audioscope --self-test [FILE]`: the real window, headless, on a generated tone or a real clip."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import soundfile

from audioscope import self_test
from audioscope.core.dataset.metadata import CLASS_NAMES
from audioscope.core.store.paths import CACHE_DIR_ENV

OK_LINE = re.compile(r"audioscope self-test ok: (?P<file>\S+) (?P<seconds>[\d.]+) s, 3 views drawn, "
                     r"predicted '(?P<cls>\w+)' \((?P<pct><?\d+) %(?P<familiar>, unlike any training clip"
                     r"|, like training clips)\) from BirdNET \+ aiSFX embeddings \(birdnet_v2\.4_embedding\.onnx, "
                     r"aisfx_embedding_int8\.onnx, checked\) on onnxruntime [\d.]+, worker processes ok "
                     r"\((?P<pool>forked processes|joblib) for the command line\), "
                     r"(?P<audio>.+), in [\d.]+ s")


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "audioscope", *args], check=False, cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=240)


def test_self_test_with_its_tone_is_headless_and_leaves_no_files(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    home = tmp_path / "home"
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_CACHE_HOME=str(home / ".cache"))
    cache = Path(os.environ[CACHE_DIR_ENV])
    cache_before = sorted(cache.rglob("*")) if cache.exists() else []
    work = tmp_path / "cwd"
    work.mkdir()

    done = run_cli("--self-test", cwd=work, env=env)

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    match = OK_LINE.fullmatch(lines[0])
    assert match, lines[0]
    assert match["file"] == "tone.wav" and float(match["seconds"]) == 1.0
    assert match["cls"] in CLASS_NAMES
    assert match["familiar"] == ", unlike any training clip"          # a swept tone is no dataset sound
    assert "FAILED" not in done.stderr
    # the tone, settings and cache went to a temporary folder, not to the user's folders
    assert list(work.iterdir()) == []
    assert not (home / ".config" / "audioscope").exists()
    assert (sorted(cache.rglob("*")) if cache.exists() else []) == cache_before


def test_self_test_on_a_real_clip(tmp_path, original_files):
    clip = original_files[0]
    done = run_cli("--self-test", str(clip), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    match = OK_LINE.fullmatch(done.stdout.strip())
    assert match and match["file"] == clip.name, done.stdout
    assert float(match["seconds"]) == pytest.approx(soundfile.info(clip).duration, abs=0.01)


@pytest.mark.parametrize("content, reason", [(None, "no such file"),
                                             (b"not audio at all", "not a readable audio file")])
def test_self_test_fails_with_the_reason(tmp_path, content, reason):
    path = tmp_path / "clip.wav"
    if content is not None:
        path.write_bytes(content)
    done = run_cli("--self-test", str(path), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    failure = [line for line in done.stderr.splitlines() if line.startswith("audioscope self-test FAILED: ")]
    assert len(failure) == 1 and reason in failure[0] and "clip.wav" in failure[0], done.stderr


def test_a_view_left_empty_fails_the_self_test(qtbot, monkeypatch, capsys):
    from audioscope.gui.clip.clip_views import ClipViews

    draw = ClipViews.set_analysis

    def draw_without_spectrogram(self, *args, **kwargs):
        draw(self, *args, **kwargs)
        self.mel_image.clear()

    monkeypatch.setattr(ClipViews, "set_analysis", draw_without_spectrogram)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")  # restored afterwards
    assert self_test.run_self_test() == 1
    assert "FAILED: the mel spectrogram view holds an image of shape None" in capsys.readouterr().err


def test_a_missing_model_fails_the_self_test(qtbot, monkeypatch, capsys):
    from audioscope.core.inspection import clip_inspection
    from audioscope.core.model.classifier import ModelLoadError

    def no_model():
        raise ModelLoadError("model_card.json: not found")

    monkeypatch.setattr(clip_inspection, "shared_bundle", no_model)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert self_test.run_self_test() == 1
    assert "FAILED: No prediction: model_card.json: not found" in capsys.readouterr().err


def test_the_tone_is_one_second_of_audible_sound(tmp_path):
    path = self_test.make_tone(tmp_path)
    assert path.parent == tmp_path and list(tmp_path.iterdir()) == [path]
    samples, rate = soundfile.read(path)
    assert rate == 22050 and samples.shape == (22050,)
    assert 0.4 < abs(samples).max() <= 0.5


def test_a_frozen_app_must_load_portaudio_from_its_own_folder(tmp_path, monkeypatch):
    # here PortAudio comes from the system (or a wheel), never from tmp_path
    pytest.importorskip("sounddevice")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    with pytest.raises(self_test.SelfTestFailure,
                       match="not loaded from the application folder|bundled PortAudio does not load"):
        self_test.portaudio_status()
