"""The Label errors tab, clicked as a user would: it lists cleanlab's likely label errors of the
bundled model, a click auditions the clip, P compares it with a typical clip of the suggested
class, M tags it mislabeled."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from PySide6.QtCore import Qt

from audioscope.core.dataset.metadata import CLASS_NAMES
from audioscope.core.model.classifier import bundled_model_dir
from audioscope.gui.browser.clip_table import COLUMNS

WAIT_MS = 60_000
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
OOF = pd.read_csv(bundled_model_dir() / "cv_predictions.csv")


@pytest.mark.qt_log_ignore("This plugin does not support")
def test_review_a_likely_label_error_listen_compare_and_tag(qtbot, window, flac_root, tmp_path, monkeypatch):
    from cleanlab.filter import find_label_issues

    monkeypatch.setenv("AUDIOSCOPE_DATA_DIR", str(tmp_path / "data"))
    with qtbot.waitSignal(window.dataset_opened, timeout=WAIT_MS):
        window.open_dataset(flac_root)
    view = window.label_errors
    bar = window.right_tabs.tabBar()
    tab = window.right_tabs.indexOf(view)
    assert window.right_tabs.tabText(tab) == "Label errors" and view.table.rowCount() == 0   # not before shown
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(tab).center())
    labels = OOF["class"].map(CLASS_NAMES.index).to_numpy()
    expected = find_label_issues(labels, OOF[list(CLASS_NAMES)].to_numpy(),
                                 return_indices_ranked_by="self_confidence", n_jobs=1)
    qtbot.waitUntil(lambda: view.table.rowCount() == len(expected), timeout=WAIT_MS)
    first = OOF.iloc[expected[0]]
    assert [view.table.item(0, c).text() for c in range(3)] == [
        first["slice_file_name"], str(first["fold"]), first["class"].replace("_", " ")]
    assert f"{len(expected)} likely label errors" in view.status.text()

    # a click on the first row auditions it, and the review stays in view
    with qtbot.waitSignal(window.current.inspected, timeout=WAIT_MS) as got:
        rect = view.table.visualItemRect(view.table.item(0, 0))
        qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert got.args[0].request.row["slice_file_name"] == first["slice_file_name"]
    assert window.right_tabs.currentWidget() is view

    # P: pinned as A beside the most typical clip of the class the model suggests
    suggested = view.table.item(0, 3).data(Qt.ItemDataRole.UserRole)
    view.table.setFocus()
    with qtbot.waitSignal(window.current.inspected, timeout=WAIT_MS) as got:
        qtbot.keyClick(view.table, Qt.Key.Key_P)
    assert window.panes.comparing
    assert window.pinned.inspection.request.row["slice_file_name"] == first["slice_file_name"]
    typical = got.args[0].request.row
    assert typical["class"] == suggested and typical["available"]
    of_class = OOF[(OOF["class"] == suggested)]
    assert typical["slice_file_name"] == of_class.loc[of_class[suggested].idxmax(), "slice_file_name"]
    ARTIFACTS.mkdir(exist_ok=True)
    window.resize(1440, 900)
    window.grab().save(str(ARTIFACTS / "label_errors_compare.png"))

    # M: tagged mislabeled, in the clip table's Tag column
    window.right_tabs.setCurrentWidget(view)
    view.table.setFocus()
    with qtbot.waitSignal(window.browser.tags.tagged, timeout=WAIT_MS):
        qtbot.keyClick(view.table, Qt.Key.Key_M)
    assert window.browser.tags.store.get(first["slice_file_name"]).tag == "mislabeled"
    window.grab().save(str(ARTIFACTS / "label_errors.png"))
    proxy = window.browser.proxy
    window.browser.select_clip(first["slice_file_name"])
    row = window.browser.table.currentIndex().row()
    assert proxy.index(row, COLUMNS.index("Tag")).data() == "mislabeled"
