"""Fixtures for window tests: an explorer window with its own settings file and cache."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from audioscope.core.store.cache import FeatureCache


@pytest.fixture
def window(qtbot, tmp_path):
    """A shown MainWindow whose settings (settings.ini) and cache (cache/) live in tmp_path."""
    from audioscope.gui.window.main_window import MainWindow

    win = MainWindow(settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat),
                     cache=FeatureCache(tmp_path / "cache"))
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
