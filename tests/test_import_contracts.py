"""The layers of docs/architecture.md hold: pyproject.toml's import-linter contracts pass.

The core never imports the window, the commands, the charts or Qt; the window and the commands
never import each other; inside the core each layer imports only those below it (the signal
layer knows nothing of models or storage); inside the window, the clip pane knows nothing of
the browser, the tabs or the window.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def lint_imports(*args: str) -> subprocess.CompletedProcess:
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert command, "import-linter is not installed (pip install -e '.[test]')"
    return subprocess.run([command, "--no-cache", *args], cwd=REPO, capture_output=True, text=True)


def test_every_import_contract_is_kept():
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken." in result.stdout, result.stdout


def test_a_broken_layer_is_caught(tmp_path):
    """The check is real: a copy of the package where the signal layer imports the cache fails."""
    copy = tmp_path / "repo"
    shutil.copytree(REPO / "audioscope", copy / "audioscope")
    shutil.copy(REPO / "pyproject.toml", copy / "pyproject.toml")
    features = copy / "audioscope" / "core" / "signal" / "features.py"
    features.write_text(features.read_text() + "\nfrom audioscope.core.store.cache import FeatureCache  # noqa\n")
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    result = subprocess.run([command, "--no-cache"], cwd=copy, capture_output=True, text=True,
                            env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "audioscope.core.signal is not allowed to import audioscope.core.store" in result.stdout
