"""PredictionPanel: sorted bars, the true-class mark, verdict wording, model note, empty states."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QProgressBar

from audioscope.core.dataset.metadata import CLASS_NAMES, load_dataset
from audioscope.core.model.classifier import Prediction, load_bundle
from audioscope.gui.clip.prediction_panel import (
    BAR_STEPS,
    TRUE_CLASS_COLOUR,
    TRUE_TAG,
    PredictionPanel,
    percent,
)

# siren first, then drilling, jackhammer, … ; street_music is exactly 0
PROBABILITIES = {"air_conditioner": 0.02, "car_horn": 0.004, "children_playing": 0.03, "dog_bark": 0.01,
                 "drilling": 0.05, "engine_idling": 0.016, "gun_shot": 0.0, "jackhammer": 0.04,
                 "siren": 0.83, "street_music": 0.0}


@pytest.fixture
def panel(qtbot):
    widget = PredictionPanel()
    qtbot.addWidget(widget)
    widget.resize(350, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def siren() -> Prediction:
    return Prediction(probabilities=dict(PROBABILITIES), model="without_fold_1")


def drawn_rows(panel: PredictionPanel) -> list[tuple[str, int, str, str]]:
    """(name, bar value, percentage, tag) of each visible row, top to bottom, read from the widgets."""
    grid = panel.findChild(QProgressBar).parentWidget().layout()
    rows = []
    for r in range(len(CLASS_NAMES)):
        name, bar, value, tag = (grid.itemAtPosition(r, c).widget() for c in range(4))
        if bar.isVisible():
            rows.append((name.text(), bar.value(), value.text(), tag.text()))
    return rows


def test_bars_are_sorted_highest_first_with_readable_names(panel, siren):
    panel.set_prediction(siren, None)
    values = panel.bar_values()
    assert [p for _, p, _ in values] == sorted(PROBABILITIES.values(), reverse=True)
    assert [name for name, _, _ in values][:3] == ["siren", "drilling", "jackhammer"]
    assert sorted(name for name, _, _ in values) == sorted(CLASS_NAMES)
    assert not any(is_true for _, _, is_true in values)
    rows = drawn_rows(panel)
    assert [row[0] for row in rows] == [name.replace("_", " ") for name, _, _ in values]
    assert rows[0] == ("siren", 830, "83 %", "")
    assert [row[2] for row in rows][-3:] == ["<1 %", "0 %", "0 %"]  # 0.004 is not "0 %"
    assert "children playing" in [row[0] for row in rows]


def test_correct_prediction_marks_the_true_class(panel, siren):
    panel.set_prediction(siren, "siren")
    assert panel.verdict_text() == "predicted siren, 83 % — correct"
    assert panel.bar_values()[0] == ("siren", 0.83, True)
    assert [is_true for _, _, is_true in panel.bar_values()].count(True) == 1
    assert drawn_rows(panel)[0][3] == TRUE_TAG


def test_wrong_prediction_names_the_true_class_and_marks_its_bar(panel, siren):
    panel.set_prediction(siren, "jackhammer")
    assert panel.verdict_text() == "predicted siren, 83 % — wrong (true class: jackhammer)"
    marked = [(i, name) for i, (name, _, is_true) in enumerate(panel.bar_values()) if is_true]
    assert marked == [(2, "jackhammer")]
    rows = drawn_rows(panel)
    assert rows[2][3] == TRUE_TAG and all(row[3] == "" for i, row in enumerate(rows) if i != 2)
    bars = [grid_bar for grid_bar in panel.findChildren(QProgressBar) if grid_bar.isVisible()]
    coloured = [bar for bar in bars if TRUE_CLASS_COLOUR in bar.styleSheet()]
    assert [bar.value() for bar in coloured] == [40]


def test_unknown_true_class_gives_a_bare_verdict(panel, siren):
    panel.set_prediction(siren, "jackhammer")
    panel.set_prediction(siren, None)                 # the mark of the previous clip is gone
    assert panel.verdict_text() == "predicted siren, 83 %"
    assert not any(is_true for _, _, is_true in panel.bar_values())
    assert all(row[3] == "" for row in drawn_rows(panel))
    assert not any(TRUE_CLASS_COLOUR in bar.styleSheet() for bar in panel.findChildren(QProgressBar))
    panel.set_prediction(siren, float("nan"))          # a missing label read from a DataFrame
    assert panel.verdict_text() == "predicted siren, 83 %"


def test_multi_word_classes_read_with_spaces(panel):
    probs = dict.fromkeys(CLASS_NAMES, 0.01) | {"children_playing": 0.41, "street_music": 0.5}
    panel.set_prediction(Prediction(probs, "final"), "children_playing")
    assert panel.verdict_text() == "predicted street music, 50 % — wrong (true class: children playing)"


def test_model_note_says_which_model_spoke(panel, siren):
    panel.set_prediction(siren, None)
    assert panel.model_note.full_text() == "by the model trained without fold 1 — it never saw this clip's fold"
    panel.set_prediction(Prediction(dict(PROBABILITIES), "final"), None)
    assert panel.model_note.full_text() == "by the final model (all training folds)"


def test_clear_and_pending_replace_the_bars_with_a_message(panel, siren):
    panel.set_prediction(siren, "siren")
    panel.set_pending()
    assert panel.verdict_text() == "Predicting…" and panel.bar_values() == []
    assert panel.message.isVisible() and not panel.findChild(QProgressBar).isVisible()
    assert panel.model_note.full_text() == ""
    panel.clear("No prediction: file missing")
    assert panel.verdict_text() == "No prediction: file missing" and panel.message.isVisible()
    panel.set_prediction(siren, None)
    assert not panel.message.isVisible() and len(panel.bar_values()) == 10


def test_fits_a_small_pane(panel, siren):
    panel.set_prediction(siren, "children_playing")
    hint = panel.minimumSizeHint()
    assert hint.width() <= 350 and hint.height() <= 300
    visible_labels = [label for label in panel.findChildren(QLabel) if label.isVisible()]
    assert all(label.width() >= label.minimumSizeHint().width() for label in visible_labels)
    assert not panel.grab().isNull()


def test_prediction_from_the_bundled_model(panel, original_files, originals_root):
    dataset = load_dataset(originals_root)
    path = next(p for p in original_files if p.parent.name == "fold1")
    row = dataset.row_for_file(path)
    prediction = load_bundle().predict_file(path, fold=int(row["fold"]))
    true_class = str(row["class"])
    panel.set_prediction(prediction, true_class)

    values = panel.bar_values()
    assert [name for name, _, _ in values] == [name for name, _ in prediction.ranked()]
    assert values[0][0] == prediction.predicted
    assert [name for name, _, is_true in values if is_true] == [true_class]
    verdict = f"predicted {prediction.predicted.replace('_', ' ')}, {percent(prediction.confidence)}"
    if prediction.predicted == true_class:
        assert panel.verdict_text() == verdict + " — correct"
    else:
        assert panel.verdict_text() == f"{verdict} — wrong (true class: {true_class.replace('_', ' ')})"
    assert panel.model_note.full_text().startswith("by the model trained without fold 1")
    bars = [bar.value() for bar in panel.findChildren(QProgressBar) if bar.isVisible()]
    assert bars == [round(p * BAR_STEPS) for _, p, _ in values]
