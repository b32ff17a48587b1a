"""The wheel: built from the sdist, installed into a fresh virtual environment, run from there.

The installed audioscope must find its model, its embedding networks and its icons in
site-packages, not in this checkout: every command runs in a temporary folder with no
PYTHONPATH. Dependencies (onnxruntime among them) come from PyPI (pip's cache makes a repeat run
take about half a minute). The files expected are the ones resources/model/model_card.json and
resources/embeddings/manifest.json name, so a retrained bundle needs no change here.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from audioscope.core.dataset.metadata import CLASS_NAMES
from audioscope.core.model.recipes import recipe_of_version

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

REPO = Path(__file__).resolve().parents[1]

CARD = json.loads((REPO / "resources" / "model" / "model_card.json").read_text(encoding="utf-8"))
MANIFEST = json.loads((REPO / "resources" / "embeddings" / "manifest.json").read_text(encoding="utf-8"))
USES_EMBEDDINGS = recipe_of_version(CARD["recipe"]).uses_embeddings

# the card, and every file it names with its digest (the models; novelty.npz, when it has one)
MODEL_FILES = {"model_card.json": None, **{entry["file"]: entry["sha256"] for entry in
                                           [*CARD["models"].values(), *filter(None, [CARD.get("novelty")])]}}
# the manifest, the two .onnx networks with their digests, and their licences
EMBEDDING_FILES = {"manifest.json": None,
                   **{entry["file"]: entry["sha256"] for entry in MANIFEST["models"].values()},
                   **{entry["licence_file"]: None for entry in MANIFEST["models"].values()}}
EMBEDDING_MODULES = sorted(path.name for path in (REPO / "audioscope" / "core" / "model" / "embedding").glob("*.py"))
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


def test_the_wheel_holds_the_model_the_embeddings_and_the_icons(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for folder, files in (("model", MODEL_FILES), ("embeddings", EMBEDDING_FILES)):
            for name, digest in files.items():
                member = f"audioscope/resources/{folder}/{name}"
                assert member in names, f"{member} is not in the wheel"
                if digest is not None:  # the very file the card or the manifest names
                    assert hashlib.sha256(archive.read(member)).hexdigest() == digest, member
        metadata = next(name for name in names if name.endswith(".dist-info/METADATA"))
        requires = [line for line in archive.read(metadata).decode().splitlines()
                    if line.startswith("Requires-Dist:")]
    for name in ICON_FILES:
        assert f"audioscope/resources/icons/{name}" in names
    assert {"__init__.py", "runtime.py", "clip_embedding.py"} <= set(EMBEDDING_MODULES)
    for name in EMBEDDING_MODULES:
        assert f"audioscope/core/model/embedding/{name}" in names
    assert "audioscope/resources/__init__.py" in names and "audioscope/self_test.py" in names
    assert not any(name.startswith(("tests/", "resources/", "packaging/")) for name in names)
    assert any(line.startswith("Requires-Dist: onnxruntime") for line in requires), requires
    assert not any(framework in line for line in requires for framework in ("torch", "tensorflow"))


def test_the_installed_app_passes_its_self_test(installed, tmp_path):
    done = check(run(installed / "audioscope", "--self-test", cwd=tmp_path))
    assert done.stdout.startswith("audioscope self-test ok: tone.wav 1.00 s, 3 views drawn, predicted '")
    if USES_EMBEDDINGS:  # both networks were loaded (digests checked) and run on onnxruntime
        assert " from BirdNET + aiSFX embeddings (" in done.stdout, done.stdout
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
    if "novelty" in CARD:  # a training clip itself: familiar
        assert entry["unfamiliar"] is False


def test_the_installed_app_loads_its_resources_from_site_packages(installed, tmp_path):
    code = ("import audioscope, json, onnxruntime; from audioscope.core.model.classifier import load_bundle; "
            "from audioscope.core.store.resources import resource_path; "
            "from audioscope.core.model.embedding.runtime import read_manifest; "
            "print(json.dumps([audioscope.__file__, str(load_bundle().directory), "
            "str(resource_path('icons', 'audioscope.svg')), onnxruntime.__file__, "
            "*(str(model.path) for model in read_manifest().values())]))")
    done = check(run(installed / "python", "-c", code, cwd=tmp_path))
    venv = installed.parent.resolve()
    paths = list(map(Path, json.loads(done.stdout)))
    assert sorted(path.name for path in paths[4:]) == sorted(e["file"] for e in MANIFEST["models"].values())
    for path in paths:
        assert path.resolve().is_relative_to(venv / "lib"), path
        assert "site-packages" in path.parts and path.exists()
        assert not path.resolve().is_relative_to(REPO)
