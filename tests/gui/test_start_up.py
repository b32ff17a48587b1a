"""Start-up (issue 18, cold start): the window paints before pandas is imported and before
the background warm-up starts, whose imports hold the GIL; the warm-up still runs after it.
Each check runs in a fresh interpreter: in the test process pandas is long loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

PROBE = textwrap.dedent("""
    import json, sys
    from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    from audioscope.gui.window.main_window import MainWindow

    window = MainWindow(settings=QSettings(sys.argv[1], QSettings.Format.IniFormat))
    seen = {}

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and not seen:
                seen["pandas_at_first_paint"] = "pandas" in sys.modules
                seen["warm_up_at_first_paint"] = window._warm_up_started
            return False

    probe = FirstPaint()
    window.installEventFilter(probe)
    window.warmed_up.connect(lambda: (seen.__setitem__("warmed_up", True), app.quit()))
    QTimer.singleShot(120_000, app.quit)
    window.show()
    app.exec()
    print(json.dumps(seen))
""")


def test_the_window_paints_before_pandas_and_the_warm_up_load(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "AUDIOSCOPE_CACHE_DIR": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "settings.ini")], capture_output=True,
                         text=True, env=env, timeout=180)
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["pandas_at_first_paint"] is False, "pandas was imported before the first paint"
    assert seen["warm_up_at_first_paint"] is False, "the warm-up started before the first paint"
    assert seen.get("warmed_up") is True, "the warm-up never finished"
