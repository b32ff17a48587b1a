"""`audioscope predict` with the bundled embeddings model: "unfamiliar" inputs, no network."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
import soundfile


def audioscope(*args: str, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, sys.executable, "-P", "-m", "audioscope", *args], capture_output=True,
                          text=True, timeout=300)


def _write(folder, name: str, signal: np.ndarray, rate: int = 22050):
    path = folder / name
    soundfile.write(path, signal.astype(np.float32), rate, subtype="PCM_16")
    return path


def test_tones_and_silence_are_unlike_any_training_clip_and_real_clips_are_not(tmp_path, flac_root,
                                                                               originals_root):
    t = np.arange(4 * 22050) / 22050
    made = [_write(tmp_path, "tone-1k.wav", 0.5 * np.sin(2 * np.pi * 1000 * t)),
            _write(tmp_path, "tone-440.wav", 0.3 * np.sin(2 * np.pi * 440 * t)),
            _write(tmp_path, "sweep.wav", 0.5 * np.sin(2 * np.pi * (200 + 2000 * t) * t)),
            _write(tmp_path, "silence.wav", np.zeros(len(t)))]
    noise = _write(tmp_path, "white-noise.wav", 0.3 * np.random.default_rng(0).standard_normal(len(t)))
    real = sorted(flac_root.glob("audio/fold2/*.flac"))[::60] + sorted(originals_root.glob("audio/fold*/*.wav"))
    result = audioscope("predict", "--json", *map(str, made), str(noise), *map(str, real))
    assert result.returncode == 0, result.stderr
    entries = json.loads(result.stdout)
    assert [e["unfamiliar"] for e in entries[:len(made)]] == [True] * len(made)
    # white noise is close to air conditioners and engines: not flagged, and so predicted
    assert entries[len(made)]["unfamiliar"] is False
    assert entries[len(made)]["predicted"] in ("air_conditioner", "engine_idling", "drilling", "jackhammer")
    flagged = [e["file"] for e in entries[len(made) + 1:] if e["unfamiliar"]]
    assert len(flagged) <= 0.05 * len(real), flagged
    text = audioscope("predict", str(made[0]))
    assert "unlike any training clip" in text.stdout


def test_prediction_runs_with_networking_disabled(tmp_path, originals_root):
    """Everything comes with audioscope: with no network at all (a new network namespace has
    only a loopback interface, down), predict gives the same answer."""
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-n", "true"]).returncode != 0:
        pytest.fail("unshare -n is needed (util-linux, and the right to make a network namespace)")
    clip = str(sorted(originals_root.glob("audio/fold*/*.wav"))[0])
    cold_cache = {"AUDIOSCOPE_CACHE_DIR": str(tmp_path / "cache")}
    env_prefix = ("env", *(f"{k}={v}" for k, v in cold_cache.items()))
    offline = audioscope("predict", "--json", clip, prefix=("unshare", "-n", *env_prefix))
    assert offline.returncode == 0, offline.stderr
    probe = subprocess.run(["unshare", "-n", sys.executable, "-c",
                            "import socket; socket.create_connection(('pypi.org', 443), timeout=3)"],
                           capture_output=True, text=True)
    assert probe.returncode != 0                                # really no network in there
    online = audioscope("predict", "--json", clip)
    assert json.loads(offline.stdout)[0]["probabilities"] == pytest.approx(
        json.loads(online.stdout)[0]["probabilities"], abs=1e-9)
