"""audioscope.core imports with Qt absent, and keeps librosa and scikit-learn off its import path."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import audioscope.core

BLOCKER = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {'PySide6', 'shiboken6', 'pyqtgraph'}:
            raise ImportError(f'{name} is blocked for this test')
sys.meta_path.insert(0, Block())
"""


def core_modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages(audioscope.core.__path__, "audioscope.core.")]


def run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCKER + code], capture_output=True, text=True)


def test_every_core_module_imports_with_qt_blocked():
    modules = core_modules()
    assert {"audioscope.core.dataset.metadata", "audioscope.core.signal.audio", "audioscope.core.signal.features",
            "audioscope.core.store.cache"} <= set(modules)
    code = "import importlib\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    code += "import audioscope.cli.parser, audioscope.app\nprint('imported')\n"
    code += "try:\n    import PySide6\nexcept ImportError:\n    print('qt blocked')\n"
    result = run(code)
    assert result.returncode == 0, result.stderr
    # every core module imported, and Qt really was unavailable while they did
    assert result.stdout.split() == ["imported", "qt", "blocked"]


def test_core_import_does_not_load_heavy_libraries():
    modules = core_modules()
    code = "import importlib, sys\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    code += "print(sorted(m for m in ('librosa', 'sklearn', 'PySide6', 'scipy.signal') if m in sys.modules))"
    result = run(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_headless_info_command_runs_with_qt_blocked(original_files):
    result = run(f"from audioscope.app import main; raise SystemExit(main(['info', {str(original_files[0])!r}]))")
    assert result.returncode == 0, result.stderr
    assert "44.1 kHz" in result.stdout or "48 kHz" in result.stdout or "11.025 kHz" in result.stdout


def test_analysing_and_predicting_a_clip_never_imports_librosa(original_files):
    # librosa (with numba) cost ~1 s and ~110 MB per process; the app computes its mel
    # filterbank itself (core.signal.mel_scale) and must not pull librosa in through any path.
    code = ("import sys\nfrom audioscope.core.model.classifier import load_bundle\n"
            f"print(load_bundle().predict_file({str(original_files[0])!r}).predicted in "
            "load_bundle().predict_file.__globals__['CLASS_NAMES'])\n"
            "print(sorted(m for m in ('librosa', 'numba', 'scipy.signal') if m in sys.modules))")
    result = run(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["True", "[]"]
