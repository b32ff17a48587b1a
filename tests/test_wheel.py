"""The wheel: built from the sdist, installed into a fresh virtual environment, run from there.

The installed audioscope must find its model and icons in site-packages, not in this checkout:
every command runs in a temporary folder with no PYTHONPATH. Dependencies come from PyPI (pip's
cache makes a repeat run take about half a minute).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from audioscope.core.dataset import CLASS_NAMES

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

REPO = Path(__file__).resolve().parents[1]

MODEL_FILES = ["model_card.json", "final.joblib", "without_fold_1.joblib", "without_fold_2.joblib"]
ICON_FILES = ["audioscope.svg", "audioscope.png"]


def run(*args: str | Path, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return subprocess.run([str(a) for a in args], check=False, cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def check(done: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert done.returncode == 0, f"{done.args} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """``python -m build``: the sdist, then the wheel built from it."""
    out = tmp_path_factory.mktemp("dist")
    check(run(sys.executable, "-m", "build", "--outdir", out, REPO, cwd=out))
    wheels = list(out.glob("audioscope-*.whl"))
    assert len(wheels) == 1, list(out.iterdir())
    return wheels[0]


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed; returns its bin folder."""
    venv = tmp_path_factory.mktemp("venv")
    check(run(sys.executable, "-m", "venv", venv, cwd=venv))
    check(run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
              wheel, cwd=venv))
    return venv / "bin"


def test_the_wheel_holds_the_model_and_the_icons(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in MODEL_FILES:
        assert f"audioscope/resources/model/{name}" in names
    for name in ICON_FILES:
        assert f"audioscope/resources/icons/{name}" in names
    assert "audioscope/resources/__init__.py" in names and "audioscope/self_test.py" in names
    assert not any(name.startswith(("tests/", "resources/")) for name in names)


def test_the_installed_app_passes_its_self_test(installed, tmp_path):
    done = check(run(installed / "audioscope", "--self-test", cwd=tmp_path))
    assert done.stdout.startswith("audioscope self-test ok: tone.wav 1.00 s, 3 views drawn, predicted '")
    assert list(tmp_path.iterdir()) == []


def test_the_installed_app_predicts_a_real_clip(installed, tmp_path, originals_root):
    clip = min((originals_root / "audio" / "fold1").glob("*.wav"))
    done = check(run(installed / "audioscope", "predict", "--json", clip, cwd=tmp_path))
    [entry] = json.loads(done.stdout)
    assert entry["file"] == str(clip)
    assert entry["predicted"] in CLASS_NAMES
    assert set(entry["probabilities"]) == set(CLASS_NAMES)
    assert sum(entry["probabilities"].values()) == pytest.approx(1.0, abs=1e-6)
    assert entry["predicted"] == max(entry["probabilities"], key=entry["probabilities"].get)


def test_the_installed_app_loads_its_resources_from_site_packages(installed, tmp_path):
    code = ("import audioscope, json; from audioscope.core.classifier import load_bundle; "
            "from audioscope.core.resources import resource_path; "
            "print(json.dumps([audioscope.__file__, str(load_bundle().directory), "
            "str(resource_path('icons', 'audioscope.svg'))]))")
    done = check(run(installed / "python", "-c", code, cwd=tmp_path))
    venv = installed.parent.resolve()
    for path in map(Path, json.loads(done.stdout)):
        assert path.resolve().is_relative_to(venv / "lib"), path
        assert "site-packages" in path.parts and path.exists()
        assert not path.resolve().is_relative_to(REPO)
