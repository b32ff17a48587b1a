"""Your own models in the window, clicked as a user would: File → Open model… loads a bundle made
by `audioscope train` after a pickle warning naming its folder; the Evaluation tab shows it beside
the bundled model (selector, per-class scores, row-normalised matrix, where the two disagree);
listed clips are stepped through with the tab in view; the table, the Label errors tab and the
Clip pane's prediction follow the model chosen."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sklearn.metrics import f1_score, precision_recall_fscore_support
from us8k_subsets import copy_small_dataset

from audioscope.core.dataset.metadata import CLASS_NAMES
from audioscope.core.model.classifier import bundled_model_dir

WAIT_MS = 60_000
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
OOF = pd.read_csv(bundled_model_dir() / "cv_predictions.csv")


@pytest.fixture(scope="module")
def user_bundle(flac_root, tmp_path_factory) -> Path:
    """A bundle made by `audioscope train` (the statistics recipe, 40 real clips of folds 1–2)."""
    small = copy_small_dataset(flac_root, tmp_path_factory.mktemp("home") / "UrbanSound8K")
    out = tmp_path_factory.mktemp("trained") / "my_model"
    done = subprocess.run([sys.executable, "-m", "audioscope", "train", "--dataset", str(small), "--out",
                           str(out), "--recipe", "stats", "--jobs", "1"], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    return out


def answer(window, button_text: str, seen: list) -> None:
    """Click ``button_text`` in the pickle warning as soon as it opens."""
    def click(box: QMessageBox) -> None:
        seen.append(box.text())
        button = next(b for b in box.buttons() if b.text().replace("&", "") == button_text)
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, button.click)
    window.models.confirming.connect(click)


def click_tab(qtbot, tabs, widget) -> None:
    bar = tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(tabs.indexOf(widget)).center())


def open_user_bundle(qtbot, window, flac_root, user_bundle):
    with qtbot.waitSignal(window.dataset_opened, timeout=WAIT_MS):
        window.open_dataset(flac_root)
    seen: list[str] = []
    answer(window, "Load it", seen)
    with qtbot.waitSignal(window.models.loaded, timeout=WAIT_MS) as got:
        window.models.open(user_bundle / "model_card.json")
    assert str(user_bundle) in seen[0] and "pickles" in seen[0]     # the folder is named before loading
    return got.args[0]


@pytest.mark.qt_log_ignore("This plugin does not support")
def test_a_trained_bundle_is_opened_after_a_warning_and_becomes_the_windows_model(
        qtbot, window, flac_root, user_bundle):
    mine = pd.read_csv(user_bundle / "cv_predictions.csv")
    loaded = open_user_bundle(qtbot, window, flac_root, user_bundle)
    assert loaded.bundle_dir == user_bundle and len(loaded.table) == len(mine) == 40
    view = window.evaluation
    kinds = [json.loads((folder / "model_card.json").read_text())["model"]
             for folder in (bundled_model_dir(), user_bundle)]
    assert [view.model_combo.itemText(i) for i in range(view.model_combo.count())] == [
        f"audioscope model ({kinds[0]})", f"my_model ({kinds[1]})"]
    assert view.model_combo.currentIndex() == 1
    assert view.evaluation.accuracy == pytest.approx(float((mine["class"] == mine["predicted"]).mean()))
    # the table shows its predictions; clips it never predicted say so
    model = window.browser.model
    predicted = model.predictions.set_index(model.table["slice_file_name"])["predicted"]
    assert predicted[mine["slice_file_name"]].tolist() == mine["predicted"].tolist()
    assert (predicted.drop(mine["slice_file_name"]) == "").all()
    # and it predicts the clip shown
    window.browser.select_clip(mine["slice_file_name"].iloc[0])
    got = []
    window.current.predicted.connect(got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=WAIT_MS)
    assert got[-1].prediction.bundle == "my_model"
    assert "of my_model" in got[-1].prediction.describe_model()
    # back to the bundled model: the table and the Clip pane follow
    view.model_combo.setCurrentIndex(0)
    shown = window.browser.model.predictions["predicted"]
    assert (shown != "").sum() == len(OOF)
    with qtbot.waitSignal(window.current.predicted, timeout=WAIT_MS) as again:
        window.refresh_clips()
    assert again.args[0].prediction.bundle == ""

    # Cancel in the warning: nothing is loaded
    seen: list[str] = []
    window.models.confirming.disconnect()
    answer(window, "Cancel", seen)
    with qtbot.assertNotEmitted(window.models.loaded, wait=500):
        window.models.open(user_bundle)
    assert seen and view.model_combo.count() == 2 and view.model_combo.currentIndex() == 0


@pytest.mark.qt_log_ignore("This plugin does not support")
def test_per_class_scores_and_where_two_models_disagree_step_by_step(qtbot, window, flac_root, user_bundle):
    mine = pd.read_csv(user_bundle / "cv_predictions.csv")
    open_user_bundle(qtbot, window, flac_root, user_bundle)
    view = window.evaluation
    window.resize(1440, 900)
    click_tab(qtbot, window.right_tabs, view)
    # per class: scikit-learn's numbers on the bundle's own file
    click_tab(qtbot, view.details, view.per_class)
    precision, recall, f1, support = precision_recall_fscore_support(
        mine["class"], mine["predicted"], labels=list(CLASS_NAMES), zero_division=0)
    for i, name in enumerate(CLASS_NAMES):
        assert view.per_class.value(name, "precision") == pytest.approx(precision[i])
        assert view.per_class.value(name, "recall") == pytest.approx(recall[i])
        assert view.per_class.value(name, "f1") == pytest.approx(f1[i])
        assert view.per_class.value(name, "support") == support[i]
    fold_1 = mine[mine["fold"] == 1]
    assert view.bars.values[("Fold 1", "macro_f1")].text() == \
        f"{f1_score(fold_1['class'], fold_1['predicted'], average='macro'):.3f}"

    # where they disagree: A = the bundled model, B = mine
    click_tab(qtbot, view.details, view.disagreement)
    panel = view.disagreement
    assert panel.a_combo.currentText().startswith("audioscope model (")
    assert panel.b_combo.currentText().startswith("my_model (")
    theirs = OOF.set_index("slice_file_name").loc[mine["slice_file_name"]]
    a_right = theirs["predicted"].to_numpy() == mine["class"].to_numpy()
    b_right = mine["predicted"].to_numpy() == mine["class"].to_numpy()
    expected = set(mine["slice_file_name"][a_right & ~b_right])
    assert expected, "the bundled model must beat the small one somewhere"
    assert panel.a_only.text().startswith(f"A right, B wrong: {len(expected)} clips")
    assert panel.b_only.text().startswith(f"B right, A wrong: {int((b_right & ~a_right).sum())} clips")
    qtbot.mouseClick(panel.a_only, Qt.MouseButton.LeftButton)
    proxy, table = window.browser.proxy, window.browser.table
    assert {proxy.row_record(r)["slice_file_name"] for r in range(proxy.rowCount())} == expected
    # the first listed clip is selected and highlighted, and the tab stays in view
    assert table.currentIndex().row() == 0 and table.selectionModel().isRowSelected(0)
    assert window.right_tabs.currentWidget() is view
    stepper = view.stepper
    assert stepper.isVisible() and stepper.label.text().startswith(f"clip 1 of {len(expected)}")
    if len(expected) > 1:
        qtbot.mouseClick(stepper.next_button, Qt.MouseButton.LeftButton)
        assert table.currentIndex().row() == 1 and table.selectionModel().isRowSelected(1)
        assert stepper.label.text().startswith(f"clip 2 of {len(expected)}")
        assert window.right_tabs.currentWidget() is view
        qtbot.mouseClick(stepper.previous_button, Qt.MouseButton.LeftButton)
        assert table.currentIndex().row() == 0 and not stepper.previous_button.isEnabled()
    ARTIFACTS.mkdir(exist_ok=True)
    window.grab().save(str(ARTIFACTS / "evaluation_disagreement.png"))
    # clearing the listing hides the stepper
    qtbot.mouseClick(window.browser.filter_bar.names_clear_button, Qt.MouseButton.LeftButton)
    assert not stepper.isVisible()


@pytest.mark.qt_log_ignore("This plugin does not support")
def test_a_predictions_files_label_errors_and_misclassified_clips(qtbot, window, flac_root, tmp_path):
    from cleanlab.filter import find_label_issues

    with qtbot.waitSignal(window.dataset_opened, timeout=WAIT_MS):
        window.open_dataset(flac_root)
    fold_2 = OOF[OOF["fold"] == 2]
    fold_2[["slice_file_name", *CLASS_NAMES]].to_csv(tmp_path / "fold2.csv", index=False)
    with qtbot.waitSignal(window.models.loaded, timeout=WAIT_MS):
        window.models.open(tmp_path / "fold2.csv")
    assert window.evaluation.model_combo.currentText() == "fold2.csv"
    # misclassified only: exactly the file's wrong clips
    from audioscope.core.dataset.clip_filter import ClipFilter

    window.browser.filter_bar.set_filter(ClipFilter(correct=False), notify=True)
    proxy = window.browser.proxy
    wrong = fold_2[fold_2[list(CLASS_NAMES)].idxmax(axis=1) != fold_2["class"]]
    assert {proxy.row_record(r)["slice_file_name"] for r in range(proxy.rowCount())} == set(wrong["slice_file_name"])
    # its likely label errors, in the Label errors tab
    view = window.label_errors
    click_tab(qtbot, window.right_tabs, view)
    labels = fold_2["class"].map(CLASS_NAMES.index).to_numpy()
    probabilities = fold_2[list(CLASS_NAMES)].to_numpy()
    expected = find_label_issues(labels, probabilities / probabilities.sum(axis=1, keepdims=True),
                                 return_indices_ranked_by="self_confidence", n_jobs=1)
    qtbot.waitUntil(lambda: view.table.rowCount() == len(expected) > 0, timeout=WAIT_MS)
    assert [view.table.item(r, 0).text() for r in range(len(expected))] == \
        fold_2["slice_file_name"].to_numpy()[expected].tolist()
    assert "fold2.csv's out-of-fold predictions" in view.status.text()
    assert np.all(fold_2["fold"].to_numpy()[expected] == 2)
