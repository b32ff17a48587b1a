"""core.model.evaluation: out-of-fold predictions → fold accuracies, confusion matrix and its cells;
and ClipFilter's names criterion, which shows one cell's clips in the clip table."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from audioscope.core.dataset.clip_filter import ClipFilter
from audioscope.core.dataset.metadata import CLASS_NAMES, load_dataset
from audioscope.core.model.classifier import ModelLoadError, bundled_model_dir
from audioscope.core.model.evaluation import EvaluationError, load_evaluation

HEADER = "slice_file_name,fold,classID,class,predicted,confidence\n"
# fold 1: 3 sirens right, 1 siren as dog_bark, 2 dog barks right; fold 2: 1 siren as dog_bark,
# 1 dog bark as siren, 1 gun shot right  →  fold 1: 5/6, fold 2: 1/3
TINY = [("a.wav", 1, "siren", "siren"), ("b.wav", 1, "siren", "siren"), ("c.wav", 1, "siren", "siren"),
        ("d.wav", 1, "siren", "dog_bark"), ("e.wav", 1, "dog_bark", "dog_bark"),
        ("f.wav", 1, "dog_bark", "dog_bark"), ("g.wav", 2, "siren", "dog_bark"),
        ("h.wav", 2, "dog_bark", "siren"), ("i.wav", 2, "gun_shot", "gun_shot")]


def write_predictions(directory: Path, rows=TINY, header: str = HEADER) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    lines = [f"{n},{f},{CLASS_NAMES.index(c)},{c},{p},0.5\n" for n, f, c, p in rows]
    (directory / "cv_predictions.csv").write_text(header + "".join(lines), encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def card() -> dict:
    return json.loads((bundled_model_dir() / "model_card.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def table(flac_root):
    return load_dataset(flac_root).table


def test_known_predictions_give_known_matrix_accuracies_and_cells(tmp_path):
    evaluation = load_evaluation(write_predictions(tmp_path))
    siren, dog, gun = (CLASS_NAMES.index(c) for c in ("siren", "dog_bark", "gun_shot"))
    expected = np.zeros((10, 10), dtype=int)
    expected[siren, siren], expected[siren, dog], expected[dog, dog] = 3, 2, 2
    expected[dog, siren], expected[gun, gun] = 1, 1
    assert np.array_equal(evaluation.confusion, expected)
    assert evaluation.folds == (1, 2) and evaluation.fold_counts == {1: 6, 2: 3}
    assert evaluation.fold_accuracy == pytest.approx({1: 5 / 6, 2: 1 / 3})
    assert evaluation.accuracy == pytest.approx(6 / 9)
    assert evaluation.mean_accuracy == pytest.approx((5 / 6 + 1 / 3) / 2)
    assert evaluation.std_accuracy == pytest.approx(abs(5 / 6 - 1 / 3) / 2)
    assert evaluation.n_clips == 9 and evaluation.baseline is None and evaluation.model_name == ""
    assert evaluation.clips("siren", "dog_bark") == ["d.wav", "g.wav"]
    assert evaluation.clips("siren", "dog_bark", folds=[2]) == ["g.wav"]
    assert evaluation.clips("siren", "siren") == ["a.wav", "b.wav", "c.wav"]
    assert evaluation.clips("dog_bark", "siren", folds=[1]) == []
    assert evaluation.clips("car_horn", "siren") == []
    fold_2 = evaluation.confusion_for([2])
    assert fold_2.sum() == 3 and fold_2[siren, dog] == 1 and fold_2[dog, siren] == 1
    among = evaluation.confusion_for(among={"a.wav", "d.wav", "h.wav"})
    assert among.sum() == 3 and among[siren, siren] == 1 and among[siren, dog] == 1


def test_the_bundled_predictions_equal_the_model_cards_cross_validation(card):
    cv = card["cross_validation"]
    evaluation = load_evaluation()
    assert evaluation.source == bundled_model_dir() / "cv_predictions.csv"
    assert evaluation.confusion.tolist() == cv["confusion_matrix"]
    assert [str(f) for f in evaluation.folds] == sorted(cv["folds"])
    for fold, numbers in cv["folds"].items():
        assert evaluation.fold_accuracy[int(fold)] == pytest.approx(numbers["accuracy"], abs=1e-12)
        assert evaluation.fold_counts[int(fold)] == numbers["n_clips"]
    assert evaluation.mean_accuracy == pytest.approx(cv["mean_accuracy"], abs=1e-12)
    assert evaluation.std_accuracy == pytest.approx(cv["std_accuracy"], abs=1e-12)
    assert evaluation.accuracy == pytest.approx(cv["per_class"]["accuracy"], abs=1e-12)
    assert evaluation.model_name == card["model"] and evaluation.model_name
    # one cell, counted independently from the csv
    raw = pd.read_csv(evaluation.source)
    siren, children = CLASS_NAMES.index("siren"), CLASS_NAMES.index("children_playing")
    pair = raw[(raw["class"] == "siren") & (raw["predicted"] == "children_playing")]
    assert sorted(evaluation.clips("siren", "children_playing")) == sorted(pair["slice_file_name"])
    assert len(pair) == cv["confusion_matrix"][siren][children] > 0


def test_the_tutorial_baseline_is_read_from_the_model_card():
    baseline = load_evaluation().baseline
    card = json.loads((bundled_model_dir() / "model_card.json").read_text(encoding="utf-8"))
    cv = card["baseline"]["cross_validation"]
    assert baseline is not None and baseline.label == "tutorial (MFCC mean, MLP)"
    assert baseline.fold_accuracy == {1: cv["folds"]["1"]["accuracy"], 2: cv["folds"]["2"]["accuracy"]}
    assert baseline.mean_accuracy == cv["mean_accuracy"]
    # the report's line says the same, rounded
    report = (bundled_model_dir() / "report.txt").read_text(encoding="utf-8")
    line = next(l for l in report.splitlines() if l.startswith("tutorial"))
    assert f"fold 1: {baseline.fold_accuracy[1]:.3f}  fold 2: {baseline.fold_accuracy[2]:.3f}  " \
           f"mean {baseline.mean_accuracy:.3f}" in line


def test_a_card_without_the_baseline_gives_none(tmp_path):
    directory = write_predictions(tmp_path)
    card = json.loads((bundled_model_dir() / "model_card.json").read_text(encoding="utf-8"))
    (directory / "model_card.json").write_text(json.dumps({k: v for k, v in card.items() if k != "baseline"}),
                                               encoding="utf-8")
    assert load_evaluation(directory).baseline is None
    shutil.copy(bundled_model_dir() / "model_card.json", directory / "model_card.json")
    assert load_evaluation(directory).baseline.mean_accuracy == card["baseline"]["cross_validation"]["mean_accuracy"]


@pytest.mark.parametrize("content, reason", [
    (None, "not found"),
    ("", "cannot be read as a CSV table"),
    ("slice_file_name,fold,class\nx.wav,1,siren\n", "missing column(s) predicted"),
    (HEADER, "holds no predictions"),
    (HEADER + "x.wav,1,8,siren,sirens,0.5\n", "line 2: 'sirens' is not an UrbanSound8K class"),
    (HEADER + "x.wav,1,8,siren,siren,0.5\ny.wav,eleven,8,siren,siren,0.5\n",
     "line 3: fold 'eleven' is not a number from 1 to 10"),
    (HEADER + "x.wav,11,8,siren,siren,0.5\n", "line 2: fold '11'"),
    (HEADER + "x.wav,1,8,siren,siren,0.5\nx.wav,2,8,siren,siren,0.5\n", "x.wav is listed more than once"),
    (HEADER + "x.wav,1,8,siren,siren,0.5,extra,fields\n", "cannot be read as a CSV table"),
])
def test_a_missing_or_damaged_csv_is_refused_with_file_and_reason(tmp_path, content, reason):
    if content is not None:
        (tmp_path / "cv_predictions.csv").write_text(content, encoding="utf-8")
    with pytest.raises(EvaluationError) as raised:
        load_evaluation(tmp_path)
    assert isinstance(raised.value, ModelLoadError)
    assert str(tmp_path / "cv_predictions.csv") in str(raised.value) and reason in str(raised.value)


def test_binary_garbage_is_refused(tmp_path):
    (tmp_path / "cv_predictions.csv").write_bytes(b"\xff\xfe\x00garbage\x00\x81" * 50)
    with pytest.raises(EvaluationError, match="cv_predictions.csv"):
        load_evaluation(tmp_path)


def test_every_predicted_clip_is_a_dataset_row_of_the_same_fold_and_class(table):
    evaluation = load_evaluation()
    rows = table.set_index("slice_file_name").loc[evaluation.table["slice_file_name"]]
    assert np.array_equal(rows["fold"].to_numpy(), evaluation.table["fold"].to_numpy())
    assert np.array_equal(rows["class"].astype(str).to_numpy(), evaluation.table["true"].to_numpy())
    assert len(evaluation.table) == int(table["fold"].isin([1, 2]).sum()) == 1761


def test_names_filter_selects_exactly_a_cells_rows(table, card):
    evaluation = load_evaluation()
    names = evaluation.clips("engine_idling", "air_conditioner")
    n = card["cross_validation"]["confusion_matrix"][CLASS_NAMES.index("engine_idling")][
        CLASS_NAMES.index("air_conditioner")]
    f = ClipFilter(names=names, names_label="true engine idling → predicted air conditioner")
    assert f.is_active and f.names == frozenset(names) and len(names) == n > 1
    assert f.describe() == f"{n} clips: true engine idling → predicted air conditioner"
    mask = f.mask(table)
    assert set(table["slice_file_name"][mask]) == set(names) and mask.sum() == n
    # combined with other criteria, both must hold
    fold_2 = replace(f, folds=frozenset({2})).mask(table)
    raw = pd.read_csv(evaluation.source)
    expected = raw[(raw["class"] == "engine_idling") & (raw["predicted"] == "air_conditioner")
                   & (raw["fold"] == 2)]["slice_file_name"]
    assert set(table["slice_file_name"][fold_2]) == set(expected)
    assert 0 < fold_2.sum() == len(expected) < n, "the cell must have clips in both folds"
    assert not ClipFilter(names=["no-such-clip.wav"]).mask(table).any()


def test_names_filter_construction():
    f = ClipFilter(classes={"siren"}, names=["b.wav", "a.wav", "a.wav"], names_label="two clips")
    assert f.names == {"a.wav", "b.wav"} and f.describe() == "siren · 2 clips: two clips"
    assert ClipFilter(names=["a.wav"]).describe_names() == "1 clip chosen"
    assert ClipFilter(names_label="ignored without names") == ClipFilter()
    assert not ClipFilter(names=()).is_active
    with pytest.raises(TypeError, match="not one string"):
        ClipFilter(names="a.wav")
