"""EvaluationView: bars and matrix show the bundle's out-of-fold results; clicking a cell gives a
filter that lists exactly that cell's clips; the filter bar shows and removes that clip set."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from audioscope.core.dataset.clip_filter import ClipFilter
from audioscope.core.dataset.metadata import CLASS_NAMES, load_dataset
from audioscope.core.model.classifier import bundled_model_dir
from audioscope.gui.browser.clip_filter_proxy import ClipFilterProxy
from audioscope.gui.browser.clip_table import ClipTableModel
from audioscope.gui.browser.filter_bar import FilterBar
from audioscope.gui.tabs.evaluation_view import EvaluationView

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def card() -> dict:
    return json.loads((bundled_model_dir() / "model_card.json").read_text(encoding="utf-8"))


def card_count(card: dict, true_class: str, predicted: str) -> int:
    matrix = card["cross_validation"]["confusion_matrix"]
    return matrix[CLASS_NAMES.index(true_class)][CLASS_NAMES.index(predicted)]


@pytest.fixture(scope="module")
def predictions() -> pd.DataFrame:
    """The bundle's out-of-fold predictions, read here independently of core.model.evaluation."""
    return pd.read_csv(bundled_model_dir() / "cv_predictions.csv")


@pytest.fixture(scope="module")
def flac_dataset(flac_root):
    return load_dataset(flac_root)


@pytest.fixture
def view(qtbot, flac_dataset):
    view = EvaluationView()
    qtbot.addWidget(view)
    view.set_dataset(flac_dataset)
    view.resize(900, 650)
    view.show()
    qtbot.waitExposed(view)
    return view


def click(qtbot, view: EvaluationView, true_class: str, predicted: str) -> None:
    rect = view.table.visualItemRect(view.item_for(true_class, predicted))
    assert view.table.viewport().rect().contains(rect.center())
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def expected_names(predictions: pd.DataFrame, true_class: str, predicted: str, fold=None) -> set[str]:
    rows = predictions[(predictions["class"] == true_class) & (predictions["predicted"] == predicted)]
    if fold is not None:
        rows = rows[rows["fold"] == fold]
    return set(rows["slice_file_name"])


def test_matrix_shows_the_model_cards_confusion_matrix(view, card):
    matrix = card["cross_validation"]["confusion_matrix"]
    shown = [[int(view.item_for(t, p).text()) for p in CLASS_NAMES] for t in CLASS_NAMES]
    assert shown == matrix
    table = view.table
    rows = [table.verticalHeaderItem(r).text() for r in range(10)]
    assert rows == [n.replace("_", " ") for n in CLASS_NAMES]
    assert table.horizontalHeaderItem(2).text() == "children\nplaying"
    n = card_count(card, "siren", "children_playing")
    share = 100 * n / sum(matrix[CLASS_NAMES.index("siren")])
    assert n > 1
    tip = view.item_for("siren", "children_playing").toolTip()
    assert tip.startswith(f"true siren predicted as children playing: {n} clips ({share:.1f} % of siren)")
    assert f"{n} on disk" in tip
    # the diagonal is coloured apart from the confusions: green against red (the largest confusion)
    worst = max(((t, p) for t in CLASS_NAMES for p in CLASS_NAMES if t != p),
                key=lambda cell: card_count(card, *cell))
    right, wrong = view.item_for("dog_bark", "dog_bark").background().color(), \
        view.item_for(*worst).background().color()
    assert right.green() > right.red() and wrong.red() > wrong.green()
    total = sum(card["training_data"]["clips_per_fold"].values())
    assert sum(map(sum, matrix)) == total
    assert f"folds 1–2, {total} clips" in view.summary.text()
    assert f"{total} of these clips are on disk" in view.summary.text()


def test_bars_show_fold_accuracies_and_the_tutorial_baseline(view, card):
    cv = card["cross_validation"]
    values = {key: label.text() for key, label in view.bars.values.items()}
    for fold in ("1", "2"):
        numbers = cv["folds"][fold]
        assert values[(f"Fold {fold}", "model")] == \
            f"{100 * numbers['accuracy']:.1f} %  ({numbers['n_clips']} clips)"
    assert values[("Mean of folds", "model")] == \
        f"{100 * cv['mean_accuracy']:.1f} %  ± {100 * cv['std_accuracy']:.1f}"
    baseline = card["baseline"]["cross_validation"]        # the tutorial's, measured in training
    assert values[("Fold 1", "baseline")] == f"{100 * baseline['folds']['1']['accuracy']:.1f} %"
    assert values[("Fold 2", "baseline")] == f"{100 * baseline['folds']['2']['accuracy']:.1f} %"
    assert values[("Mean of folds", "baseline")] == f"{100 * baseline['mean_accuracy']:.1f} %"
    headers = {label.text() for label in view.bars.findChildren(QLabel)}
    assert f"<b>audioscope model ({card['model']})</b>" in headers


@pytest.mark.parametrize("true_class, predicted", [
    ("siren", "children_playing"), ("engine_idling", "air_conditioner"), ("gun_shot", "gun_shot"),
    ("car_horn", "street_music"),
])
def test_clicking_a_cell_filters_the_dataset_to_exactly_its_clips(view, qtbot, flac_dataset, predictions,
                                                                  card, true_class, predicted):
    assert card_count(card, true_class, predicted) > 0, "choose a cell the bundled model fills"
    with qtbot.waitSignal(view.cell_clicked) as clicked:
        click(qtbot, view, true_class, predicted)
    clip_filter = clicked.args[0]
    assert isinstance(clip_filter, ClipFilter)
    table = flac_dataset.table
    shown = set(table["slice_file_name"][clip_filter.mask(table)])
    assert shown == expected_names(predictions, true_class, predicted) and shown
    assert clip_filter.names_label == (f"true {true_class.replace('_', ' ')} → "
                                       f"predicted {predicted.replace('_', ' ')}")


def test_one_folds_matrix_and_its_cells(view, qtbot, flac_dataset, predictions):
    view.fold_combo.setCurrentIndex(view.fold_combo.findText("Fold 2"))
    fold_2 = predictions[predictions["fold"] == 2]
    counts = pd.crosstab(fold_2["class"], fold_2["predicted"]).reindex(
        index=list(CLASS_NAMES), columns=list(CLASS_NAMES), fill_value=0)
    shown = [[int(view.item_for(t, p).text()) for p in CLASS_NAMES] for t in CLASS_NAMES]
    assert shown == counts.to_numpy().tolist()
    with qtbot.waitSignal(view.cell_clicked) as clicked:
        click(qtbot, view, "engine_idling", "air_conditioner")
    clip_filter = clicked.args[0]
    table = flac_dataset.table
    shown = set(table["slice_file_name"][clip_filter.mask(table)])
    assert shown == expected_names(predictions, "engine_idling", "air_conditioner", fold=2)
    pooled = expected_names(predictions, "engine_idling", "air_conditioner")
    assert 0 < len(shown) == counts.loc["engine_idling", "air_conditioner"] < len(pooled)
    assert clip_filter.names_label.endswith(", fold 2")


def test_row_normalised_matrix_shows_shares_of_the_true_class_and_still_lists_clips(view, qtbot, card,
                                                                                   predictions):
    view.scale_combo.setCurrentIndex(view.scale_combo.findText("Row %"))
    matrix = card["cross_validation"]["confusion_matrix"]
    for t in CLASS_NAMES:
        row = matrix[CLASS_NAMES.index(t)]
        for p in CLASS_NAMES:
            n = row[CLASS_NAMES.index(p)]
            assert view.item_for(t, p).text() == (f"{n / sum(row) * 100:.1f} %" if n else "0")
    with qtbot.waitSignal(view.cell_clicked) as clicked:
        click(qtbot, view, "siren", "children_playing")
    assert set(clicked.args[0].names) == expected_names(predictions, "siren", "children_playing")
    view.scale_combo.setCurrentIndex(view.scale_combo.findText("Counts"))
    assert int(view.item_for("siren", "siren").text().split()[0]) == card_count(card, "siren", "siren")


def test_per_class_scores_and_fold_macro_f1_are_scikit_learns(view, predictions):
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    precision, recall, f1, support = precision_recall_fscore_support(
        predictions["class"], predictions["predicted"], labels=list(CLASS_NAMES), zero_division=0)
    for i, name in enumerate(CLASS_NAMES):
        assert view.per_class.value(name, "precision") == pytest.approx(precision[i])
        assert view.per_class.value(name, "recall") == pytest.approx(recall[i])
        assert view.per_class.value(name, "f1") == pytest.approx(f1[i])
        assert view.per_class.value(name, "support") == support[i]
    for fold in (1, 2):
        rows = predictions[predictions["fold"] == fold]
        assert view.bars.values[(f"Fold {fold}", "macro_f1")].text() == \
            f"{f1_score(rows['class'], rows['predicted'], average='macro'):.3f}"
    assert not view.disagreement.a_only.isEnabled() and view.disagreement.note.isVisibleTo(view.disagreement)


def test_an_empty_cell_emits_nothing(view, qtbot):
    assert view.item_for("air_conditioner", "car_horn").text() == "0"
    with qtbot.assertNotEmitted(view.cell_clicked):
        click(qtbot, view, "air_conditioner", "car_horn")


def test_cells_count_the_clips_on_disk_in_the_open_dataset(view, originals_root, predictions):
    originals = load_dataset(originals_root).table
    view.set_dataset(load_dataset(originals_root))
    on_disk = set(originals["slice_file_name"][originals["available"]])
    cell = expected_names(predictions, "dog_bark", "dog_bark")
    assert view.item_for("dog_bark", "dog_bark").text() == f"{len(cell)}\n{len(cell & on_disk)} on disk"
    assert len(cell & on_disk) > 0
    in_evaluation = len(set(predictions["slice_file_name"]) & on_disk)
    assert f"{in_evaluation} of these clips are on disk" in view.summary.text()
    view.set_dataset(None)
    assert view.item_for("dog_bark", "dog_bark").text() == str(len(cell))
    assert "on disk" not in view.summary.text()


def test_a_bundle_without_predictions_shows_why(qtbot, tmp_path):
    view = EvaluationView(model_dir=tmp_path)
    qtbot.addWidget(view)
    view.show()
    assert view.evaluation is None
    assert "cv_predictions.csv: not found" in view.summary.text() and not view.table.isVisible()


def test_a_bundle_without_report_shows_no_baseline(qtbot, tmp_path):
    shutil.copy(bundled_model_dir() / "cv_predictions.csv", tmp_path)
    view = EvaluationView(model_dir=tmp_path)
    qtbot.addWidget(view)
    view.show()
    assert ("Fold 1", "model") in view.bars.values
    assert not any(kind == "baseline" for _, kind in view.bars.values)


def test_filter_bar_shows_combines_and_removes_the_clip_set(view, qtbot, flac_dataset, predictions, card):
    bar = FilterBar()
    proxy = ClipFilterProxy()
    proxy.setSourceModel(ClipTableModel(flac_dataset))
    bar.filter_changed.connect(proxy.set_filter)
    qtbot.addWidget(bar)
    bar.show()
    assert not bar.names_chip.isVisible()
    view.cell_clicked.connect(lambda f: bar.set_filter(f, notify=True))  # as the browser does
    with qtbot.waitSignal(bar.filter_changed):
        click(qtbot, view, "siren", "children_playing")
    n = card_count(card, "siren", "children_playing")
    in_fold_1 = len(expected_names(predictions, "siren", "children_playing", fold=1))
    assert 0 < in_fold_1 < n, "the cell must have clips in both folds"
    assert bar.names_chip.isVisible()
    assert bar.names_text.text() == f"{n} clips: true siren → predicted children playing"
    assert proxy.rowCount() == n
    assert {proxy.row_record(r)["slice_file_name"] for r in range(n)} == \
        expected_names(predictions, "siren", "children_playing")
    with qtbot.waitSignal(bar.filter_changed) as changed:  # other controls combine with it
        bar.fold_button.choice_actions[1].trigger()
    assert changed.args[0].names and changed.args[0].folds == {1}
    assert proxy.rowCount() == in_fold_1
    with qtbot.waitSignal(bar.filter_changed) as changed:
        qtbot.mouseClick(bar.names_clear_button, Qt.MouseButton.LeftButton)
    assert changed.args[0] == ClipFilter(folds={1})
    assert not bar.names_chip.isVisible() and proxy.rowCount() == int((flac_dataset.table["fold"] == 1).sum())
    bar.set_filter(view.cell_filter("siren", "siren"), notify=True)
    assert bar.names_chip.isVisible()
    qtbot.mouseClick(bar.clear_button, Qt.MouseButton.LeftButton)
    assert not bar.names_chip.isVisible() and bar.current_filter() == ClipFilter()


def test_screenshot_fits_a_typical_size(view, qtbot):
    assert not view.table.verticalScrollBar().isVisible()
    assert not view.table.horizontalScrollBar().isVisible()
    out = REPO / "test-artifacts"
    out.mkdir(exist_ok=True)
    assert view.grab().save(str(out / "evaluation_view.png"))
