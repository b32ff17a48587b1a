"""The clip table's Predicted / Confidence / Correct columns (the bundled model's out-of-fold
predictions, there without computing anything), its "misclassified only" / "correct only" and
confidence filters, clicked as a user would, and the columns in the table's CSV export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QPoint, Qt

from audioscope.core.dataset.clip_filter import ClipFilter
from audioscope.core.dataset.metadata import load_dataset
from audioscope.core.model.classifier import bundled_model_dir
from audioscope.core.model.model_scores import bundled_predictions
from audioscope.gui.browser.clip_table import COLUMNS

OOF = pd.read_csv(bundled_model_dir() / "cv_predictions.csv")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WAIT_MS = 30_000


def column(proxy, name: str) -> list[str]:
    c = COLUMNS.index(name)
    return [proxy.index(r, c).data() for r in range(proxy.rowCount())]


def choose(qtbot, combo, text: str) -> None:
    """Pick ``text`` in ``combo`` with the mouse and keyboard: open it, walk to it, press Return."""
    qtbot.mouseClick(combo, Qt.MouseButton.LeftButton)
    target = combo.findText(text)
    assert target >= 0, text
    view = combo.view()
    qtbot.waitUntil(view.isVisible, timeout=WAIT_MS)
    key = Qt.Key.Key_Down if target > combo.currentIndex() else Qt.Key.Key_Up
    for _ in range(abs(target - combo.currentIndex())):
        qtbot.keyClick(view, key)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert combo.currentText() == text


def test_aligned_predictions_follow_the_table_and_leave_other_clips_blank(originals_root):
    dataset = load_dataset(originals_root)
    aligned = bundled_predictions(dataset.table).aligned(dataset.table)
    assert len(aligned) == 8732
    by_name = OOF.set_index("slice_file_name")
    names = dataset.table["slice_file_name"]
    known = names.isin(by_name.index).to_numpy()
    assert known.sum() == len(OOF)
    assert (aligned["predicted"][known] == by_name.loc[names[known], "predicted"].to_numpy()).all()
    assert np.allclose(aligned["confidence"][known], by_name.loc[names[known], "confidence"])
    assert (aligned["correct"][known] == (by_name.loc[names[known], "predicted"]
                                          == by_name.loc[names[known], "class"]).to_numpy()).all()
    assert (aligned["predicted"][~known] == "").all() and aligned["confidence"][~known].isna().all()
    assert not aligned["correct"][~known].any()


def test_prediction_filters_mask_with_and_without_a_model(originals_root):
    dataset = load_dataset(originals_root)
    aligned = bundled_predictions(dataset.table).aligned(dataset.table)
    wrong = ClipFilter(correct=False)
    assert wrong.mask(dataset.table, aligned).sum() == (OOF["predicted"] != OOF["class"]).sum()
    assert ClipFilter(correct=True).mask(dataset.table, aligned).sum() == (OOF["predicted"] == OOF["class"]).sum()
    sure = ClipFilter(confidence=(0.9, 1.0))
    assert sure.mask(dataset.table, aligned).sum() == (OOF["confidence"] >= 0.9).sum()
    assert not wrong.mask(dataset.table, None).any()           # no model: nothing is wrong or right
    assert wrong.describe() == "misclassified" and sure.describe() == "confidence 90%–100%"
    assert ClipFilter(confidence=(0.0, 1.0)) == ClipFilter() and not ClipFilter().uses_predictions
    with pytest.raises(ValueError):
        ClipFilter(confidence=(0.8, 0.2))


@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing)")   # the combo's popup, offscreen
def test_misclassified_clips_by_click_sorted_by_confidence_and_exported(qtbot, window, flac_root, tmp_path):
    with qtbot.waitSignal(window.dataset_opened, timeout=WAIT_MS):
        window.open_dataset(flac_root)
    browser, proxy = window.browser, window.browser.proxy
    bar = browser.filter_bar
    choose(qtbot, bar.availability_combo, "All clips")   # a partial copy opens on the clips on disk
    # every clip of folds 1-2 has its out-of-fold prediction, with no computing
    assert proxy.rowCount() == 8732
    by_name = OOF.set_index("slice_file_name")
    names = [proxy.row_record(r)["slice_file_name"] for r in range(200)]
    r = next(i for i, n in enumerate(names) if n in by_name.index)
    blank = next(i for i, n in enumerate(names) if n not in by_name.index)    # fold 3-10: none
    assert [proxy.index(blank, COLUMNS.index(c)).data() for c in ("Predicted", "Confidence", "Correct")] == [""] * 3
    expected = by_name.loc[names[r]]
    cells = {name: proxy.index(r, COLUMNS.index(name)).data() for name in ("Predicted", "Confidence", "Correct")}
    assert cells == {"Predicted": expected["predicted"].replace("_", " "),
                    "Confidence": f"{expected['confidence']:.0%}",
                    "Correct": "✓" if expected["predicted"] == expected["class"] else "✗"}

    choose(qtbot, bar.prediction_combo, "Misclassified only")
    wrong = OOF[OOF["predicted"] != OOF["class"]]
    assert proxy.rowCount() == len(wrong) and set(column(proxy, "Correct")) == {"✗"}
    assert bar.count_label.text() == f"showing {len(wrong)} of 8732 clips"
    # sorted by confidence, most confident mistakes first: a click on the header, then another
    header = browser.table.horizontalHeader()
    x = header.sectionViewportPosition(COLUMNS.index("Confidence")) + 5
    for _ in range(2):
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    confidences = [float(v.rstrip("%")) for v in column(proxy, "Confidence")]
    assert confidences == sorted(confidences, reverse=True) or confidences == sorted(confidences)
    ARTIFACTS.mkdir(exist_ok=True)
    window.resize(1440, 900)
    browser.table.scrollTo(proxy.index(0, COLUMNS.index("Correct")))
    window.grab().save(str(ARTIFACTS / "misclassified_clips.png"))

    bar.confidence_low.setValue(90)                        # confident and wrong
    confident_wrong = wrong[wrong["confidence"] >= 0.9]
    assert proxy.rowCount() == len(confident_wrong) > 0
    with qtbot.waitSignal(window.exports.exported, timeout=WAIT_MS):
        window.exports.export_table(tmp_path / "wrong.csv")
    exported = pd.read_csv(tmp_path / "wrong.csv")
    assert {"predicted", "confidence", "correct"} <= set(exported.columns)
    assert sorted(exported["slice_file_name"]) == sorted(confident_wrong["slice_file_name"])
    assert (exported["correct"] == False).all() and (exported["confidence"] >= 0.9).all()  # noqa: E712

    # other predictions re-sort a table sorted by them
    header_sorted = column(proxy, "Confidence")
    window.browser.model.set_predictions(window.browser.model.predictions.assign(
        confidence=1 - window.browser.model.predictions["confidence"]))
    resorted = [float(v.rstrip("%")) for v in column(proxy, "Confidence")]
    assert resorted == sorted(resorted, reverse=confidences[0] >= confidences[-1]) and resorted != header_sorted
    choose(qtbot, bar.prediction_combo, "Correct only")
    bar.confidence_low.setValue(0)
    assert proxy.rowCount() == (OOF["predicted"] == OOF["class"]).sum()
    choose(qtbot, bar.prediction_combo, "Any prediction")
    assert proxy.rowCount() == 8732                        # clips without a prediction are back
