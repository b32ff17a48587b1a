"""Every awkward or broken file either works or gets a clear message naming it and the problem:
through `audioscope predict --json` and through the explorer window."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from bad_files import make_corpus
from PySide6.QtCore import QSettings

from audioscope.core.dataset.metadata import CLASS_NAMES
from audioscope.core.store.cache import FeatureCache


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, originals_root):
    folder = tmp_path_factory.mktemp("corpus")
    source = originals_root / "audio" / "fold1" / "19026-1-0-0.wav"  # 44.1 kHz mono 16-bit
    return folder, make_corpus(folder, source)


def test_predict_json_gives_one_entry_per_file_and_exit_1(corpus):
    folder, expect = corpus
    files = [str(folder / name) for name in expect]
    result = subprocess.run([sys.executable, "-m", "audioscope", "predict", "--json", *files],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    entries = json.loads(result.stdout)
    assert [e["file"] for e in entries] == files
    for entry, (name, outcome) in zip(entries, expect.items()):
        if outcome == "ok":
            assert set(entry) - {"warnings"} == {"file", "predicted", "probabilities", "unfamiliar"}, (name, entry)
            assert list(entry["probabilities"]) == list(CLASS_NAMES)
            # files cut short say so; the others carry no warning
            short = name in ("truncated.wav", "data-size-beyond-eof.wav")
            assert any(w.startswith("truncated: header says") for w in entry.get("warnings", ())) == short, \
                (name, entry.get("warnings"))
        else:
            assert set(entry) == {"file", "error"}, (name, entry)
            assert len(entry["error"]) > 8, (name, entry)


def test_the_window_shows_each_or_explains_it_and_carries_on(qtbot, tmp_path, corpus):
    from audioscope.gui.window.main_window import MainWindow

    folder, expect = corpus
    window = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                        cache=FeatureCache(tmp_path / "cache"))
    qtbot.addWidget(window)
    window.show()
    for name, outcome in expect.items():
        path = folder / name
        signal = window.current.predicted if outcome == "ok" else window.current.failed
        with qtbot.waitSignal(signal, timeout=60_000) as got:
            window.browser.add_files([path])
        if outcome == "ok":
            assert got.args[0].request.path == path
            assert window.current.views.analysis is got.args[0].analysis
            assert got.args[0].prediction is not None
        else:
            assert name in got.args[0], got.args[0]
            assert name in window.current.views.message.text()
    assert window.browser.my_files.count() == len(expect)
    window.close()
