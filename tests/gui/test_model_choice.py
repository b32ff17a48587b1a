"""File → Open model…: a framework's predictions file replaces the bundled model's
in the clip table and its filters; a malformed file is explained by line and nothing changes."""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from audioscope.core.dataset.clip_filter import ClipFilter
from audioscope.core.model.classifier import bundled_model_dir
from audioscope.gui.browser.clip_table import COLUMNS

WAIT_MS = 30_000
OOF = pd.read_csv(bundled_model_dir() / "cv_predictions.csv")


def close_the_dialog(seen: list) -> None:
    box = QApplication.activeModalWidget()
    if isinstance(box, QMessageBox):
        seen.append(box.text())
        box.accept()
    else:
        QTimer.singleShot(20, lambda: close_the_dialog(seen))


def test_a_predictions_file_fills_the_table_and_a_bad_one_changes_nothing(qtbot, window, flac_root, tmp_path):
    with qtbot.waitSignal(window.dataset_opened, timeout=WAIT_MS):
        window.open_dataset(flac_root)
    proxy = window.browser.proxy
    # "mine": every clip of fold 1 called a siren
    mine = OOF[OOF["fold"] == 1][["slice_file_name"]].assign(predicted="siren")
    mine.to_csv(tmp_path / "mine.csv", index=False)
    with qtbot.waitSignal(window.models.loaded, timeout=WAIT_MS) as got:
        window.models.open(tmp_path / "mine.csv")
    assert got.args[0].missing == 8732 - len(mine)
    assert f"mine.csv: {len(mine)} clips; {8732 - len(mine)} clips have no prediction" in \
        window.statusBar().currentMessage()
    window.browser.filter_bar.set_filter(ClipFilter(correct=True), notify=True)
    sirens = OOF[(OOF["fold"] == 1) & (OOF["class"] == "siren")]
    assert proxy.rowCount() == len(sirens)               # right only where the clip is a siren
    assert {proxy.index(r, COLUMNS.index("Predicted")).data() for r in range(proxy.rowCount())} == {"siren"}

    bad = tmp_path / "bad.csv"
    bad.write_text("slice_file_name,predicted\n101415-3-0-2.wav,dog_bark\n101415-3-0-2.wav,siren\n")
    seen: list[str] = []
    QTimer.singleShot(0, lambda: close_the_dialog(seen))
    with qtbot.waitSignal(window.models.failed, timeout=WAIT_MS) as refused:
        window.models.open(bad)
    qtbot.waitUntil(lambda: bool(seen), timeout=WAIT_MS)
    assert f"{bad}: line 3, column 'slice_file_name'" in refused.args[0] and seen[0] == refused.args[0]
    assert proxy.rowCount() == len(sirens)               # the earlier predictions stay
