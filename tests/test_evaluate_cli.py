"""``audioscope evaluate``: the bundled model's out-of-fold scores, or any framework's predictions
file, against a dataset's metadata; a malformed file is refused naming its line and column."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from audioscope.core.dataset.metadata import CLASS_NAMES, load_dataset
from audioscope.core.model.classifier import bundled_model_dir
from audioscope.core.model.predictions_file import PredictionsFileError, read_predictions

OOF = pd.read_csv(bundled_model_dir() / "cv_predictions.csv")   # real out-of-fold predictions


def audioscope(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "audioscope", *args], capture_output=True, text=True,
                          timeout=300)


def evaluate_json(dataset: Path, *files: Path) -> dict:
    done = audioscope("evaluate", "--dataset", str(dataset), "--json",
                      *[a for f in files for a in ("--predictions", str(f))])
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def assert_scores_are_sklearns(entry: dict, true, predicted, folds) -> None:
    true, predicted, folds = np.asarray(true), np.asarray(predicted), np.asarray(folds)
    assert set(entry) == {"name", "clips", "missing", "accuracy", "macro_f1", "per_fold", "per_class", "confusion"}
    assert entry["clips"] == len(true)
    assert entry["accuracy"] == pytest.approx(accuracy_score(true, predicted), abs=1e-12)
    assert entry["macro_f1"] == pytest.approx(f1_score(true, predicted, average="macro"), abs=1e-12)
    assert set(entry["per_fold"]) == {str(f) for f in np.unique(folds)}
    for fold, numbers in entry["per_fold"].items():
        rows = folds == int(fold)
        assert numbers == pytest.approx({"clips": rows.sum(), "accuracy": accuracy_score(true[rows], predicted[rows]),
                                         "macro_f1": f1_score(true[rows], predicted[rows], average="macro")})
    p, r, f, s = precision_recall_fscore_support(true, predicted, labels=list(CLASS_NAMES), zero_division=0)
    for i, name in enumerate(CLASS_NAMES):
        assert entry["per_class"][name] == pytest.approx({"precision": p[i], "recall": r[i], "f1": f[i],
                                                          "support": s[i]})
    assert entry["confusion"]["labels"] == list(CLASS_NAMES)
    assert entry["confusion"]["matrix"] == confusion_matrix(true, predicted, labels=list(CLASS_NAMES)).tolist()


def test_without_predictions_the_bundled_models_out_of_fold_scores(originals_root):
    # the official folder holds 44 files of 8732: evaluation needs only the metadata
    [entry] = evaluate_json(originals_root)["models"]
    assert entry["name"] == "bundled model (out-of-fold)"
    assert entry["missing"] == 8732 - len(OOF)
    assert_scores_are_sklearns(entry, OOF["class"], OOF["predicted"], OOF["fold"])
    card = json.loads((bundled_model_dir() / "model_card.json").read_text())
    assert entry["per_fold"]["1"]["accuracy"] == pytest.approx(card["cross_validation"]["folds"]["1"]["accuracy"])


def test_predictions_files_of_any_framework_one_entry_each(originals_root, tmp_path):
    # a framework's labels as classIDs for some clips, another's probabilities for all
    ids = OOF.sample(frac=0.6, random_state=1)[["slice_file_name", "predicted"]].copy()
    ids["predicted"] = ids["predicted"].map(CLASS_NAMES.index)
    ids.to_csv(tmp_path / "ids.csv", index=False)
    rest = (1 - OOF["confidence"].to_numpy()) / 9
    probabilities = pd.DataFrame({name: np.where(OOF["predicted"] == name, OOF["confidence"], rest)
                                  for name in reversed(CLASS_NAMES)})        # any column order
    probabilities.insert(0, "slice_file_name", OOF["slice_file_name"])
    probabilities.to_csv(tmp_path / "probabilities.csv", index=False)
    first, second = evaluate_json(originals_root, tmp_path / "ids.csv", tmp_path / "probabilities.csv")["models"]
    assert first["name"] == str(tmp_path / "ids.csv") and first["missing"] == 8732 - len(ids)
    truth = OOF.set_index("slice_file_name").loc[ids["slice_file_name"]]
    assert_scores_are_sklearns(first, truth["class"], truth["predicted"], truth["fold"])
    assert second["name"] == str(tmp_path / "probabilities.csv")
    assert_scores_are_sklearns(second, OOF["class"], OOF["predicted"], OOF["fold"])


def test_the_text_report_names_each_model_and_its_folds(originals_root, tmp_path):
    done = audioscope("evaluate", "--dataset", str(originals_root))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"bundled model (out-of-fold): {len(OOF)} clips; {8732 - len(OOF)} clips")
    card = json.loads((bundled_model_dir() / "model_card.json").read_text())
    fold_1 = card["cross_validation"]["folds"]["1"]["accuracy"]
    assert f"fold  1   accuracy {fold_1:.3f}" in done.stdout and "jackhammer" in done.stdout


BAD_FILES = {
    "unknown clip": ("slice_file_name,predicted\n100032-3-0-0.wav,dog_bark\nno-such-clip.wav,siren\n",
                     "line 3, column 'slice_file_name': 'no-such-clip.wav' is not a clip of the dataset's metadata"),
    "listed twice": ("slice_file_name,predicted\n100032-3-0-0.wav,dog_bark\n100032-3-0-0.wav,siren\n",
                     "line 3, column 'slice_file_name': '100032-3-0-0.wav' is listed twice"),
    "unknown class": ("slice_file_name,predicted\n100032-3-0-0.wav,dog_bark\n100263-2-0-117.wav,cat\n",
                      "line 3, column 'predicted': 'cat' is neither an UrbanSound8K class name nor a classID"),
    "classID out of range": ("slice_file_name,predicted\n100032-3-0-0.wav,10\n",
                             "line 2, column 'predicted': '10' is neither"),
    "no prediction column": ("slice_file_name,siren\n100032-3-0-0.wav,1\n", "needs a 'predicted' column"),
    # blank lines still count; a trailing comma is an extra field, not a shift of the columns
    "after blank lines": ("slice_file_name,predicted\n\n100032-3-0-0.wav,dog_bark\n\nnope.wav,siren\n",
                          "line 5, column 'slice_file_name': 'nope.wav' is not a clip"),
    "trailing comma": ("slice_file_name,predicted\n100032-3-0-0.wav,dog_bark,\n",
                       "cannot be read as a table (Error tokenizing data. C error: Expected 2 fields in line 2, saw 3)"),
    "a column twice": ("slice_file_name,predicted, predicted\n100032-3-0-0.wav,dog_bark,siren\n",
                       "column 'predicted' appears twice in the header"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_malformed_file_is_refused_naming_its_line(originals_root, tmp_path, case):
    content, reason = BAD_FILES[case]
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    good = tmp_path / "good.csv"
    OOF[["slice_file_name", "predicted"]].to_csv(good, index=False)
    done = audioscope("evaluate", "--dataset", str(originals_root), "--json",
                      "--predictions", str(good), "--predictions", str(bad))
    assert done.returncode == 2 and done.stdout == "", done.stdout
    assert f"audioscope: {bad}: {reason}" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def probabilities_file(tmp_path: Path, cell: str) -> Path:
    """Two clips with one probability column per class; the second row's siren value is ``cell``."""
    header = "slice_file_name," + ",".join(CLASS_NAMES)
    ones = ",".join("0.1" for _ in CLASS_NAMES)
    second = ",".join(cell if name == "siren" else "0.1" for name in CLASS_NAMES)
    path = tmp_path / "p.csv"
    path.write_text(f"{header}\n100032-3-0-0.wav,{ones}\n100263-2-0-117.wav,{second}\n")
    return path


@pytest.mark.parametrize("cell, reason", [("high", "'high' is not a number"), ("", "'' is not a number"),
                                          ("-0.2", "-0.2 is negative")])
def test_probabilities_must_be_numbers_and_not_negative(originals_root, tmp_path, cell, reason):
    table = load_dataset(originals_root).table
    path = probabilities_file(tmp_path, cell)
    with pytest.raises(PredictionsFileError) as why:
        read_predictions(path, table)
    assert str(why.value) == f"{path}: line 3, column 'siren': {reason}" + (
        " (a probability is not)" if "negative" in reason else "")


def test_probabilities_give_the_argmax_and_sum_to_one(originals_root, tmp_path):
    table = load_dataset(originals_root).table
    read = read_predictions(probabilities_file(tmp_path, "0.9"), table)
    assert read.table["predicted"].tolist()[1] == "siren"
    assert np.allclose(read.probabilities.sum(axis=1), 1.0)
    assert read.table["true"].tolist() == ["dog_bark", "children_playing"] and read.missing == 8732 - 2


def test_parquet_without_pyarrow_says_what_to_do(originals_root, tmp_path):
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        path = tmp_path / "p.parquet"
        path.write_bytes(b"PAR1")
        with pytest.raises(PredictionsFileError, match=r"p\.parquet: reading Parquet needs pyarrow"):
            read_predictions(path, load_dataset(originals_root).table)
    else:
        path = tmp_path / "p.parquet"
        OOF[["slice_file_name", "predicted"]].to_parquet(path)
        read = read_predictions(path, load_dataset(originals_root).table)
        assert read.table["predicted"].tolist() == OOF["predicted"].tolist()


def test_likely_label_errors_are_cleanlabs_confident_learning_ranked(originals_root):
    from cleanlab.filter import find_label_issues

    done = audioscope("evaluate", "--dataset", str(originals_root), "--label-issues", "--json")
    assert done.returncode == 0, done.stderr
    [entry] = json.loads(done.stdout)["models"]
    probabilities = OOF[list(CLASS_NAMES)].to_numpy()          # the bundle's out-of-fold distribution
    labels = OOF["class"].map(CLASS_NAMES.index).to_numpy()
    expected = find_label_issues(labels, probabilities, return_indices_ranked_by="self_confidence", n_jobs=1)
    issues = entry["label_issues"]
    assert [i["slice_file_name"] for i in issues] == OOF["slice_file_name"].to_numpy()[expected].tolist()
    assert 0 < len(issues) < len(OOF) / 4
    scores = [i["score"] for i in issues]
    assert scores == sorted(scores)                               # least confident in its label first
    for issue, row in zip(issues, expected):
        assert issue["given"] == OOF["class"][row] and issue["fold"] == OOF["fold"][row]
        assert issue["suggested"] == CLASS_NAMES[int(probabilities[row].argmax())] != issue["given"]
        assert issue["score"] == pytest.approx(probabilities[row, labels[row]])
    text = audioscope("evaluate", "--dataset", str(originals_root), "--label-issues")
    first = issues[0]
    assert f"likely label errors: {len(issues)}" in text.stdout
    assert f"{first['slice_file_name']:<22} fold {first['fold']:>2}  {first['given']} → {first['suggested']}" in text.stdout


def test_label_errors_need_probabilities(originals_root, tmp_path):
    OOF[["slice_file_name", "predicted"]].to_csv(tmp_path / "labels.csv", index=False)
    done = audioscope("evaluate", "--dataset", str(originals_root), "--label-issues",
                      "--predictions", str(tmp_path / "labels.csv"))
    assert done.returncode == 2 and done.stdout == ""
    assert "labels.csv: gives predicted classes only; finding likely label errors needs one probability " \
           "column per class" in done.stderr
