"""``audioscope evaluate``: accuracy, macro-F1, per fold and per class scores and the confusion
matrix of the bundled model's out-of-fold predictions, or of predictions files from any
framework, against a dataset's metadata."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from audioscope.cli.common import open_dataset


def add_evaluate_command(commands) -> None:
    evaluate = commands.add_parser(
        "evaluate", help="score the bundled model or your own predictions on a dataset's folds",
        description="Score predictions against the dataset's metadata (clips whose audio is not on "
                    "disk count too). Without --predictions: the bundled model's out-of-fold "
                    "predictions, each clip by the model that never saw its fold. A predictions "
                    "file (CSV, or Parquet with pyarrow) has slice_file_name and either 'predicted' "
                    "(class name or classID) or one probability column per class name.")
    evaluate.add_argument("--dataset", metavar="PATH", type=Path, required=True, dest="evaluate_dataset",
                          help="UrbanSound8K folder (its metadata gives each clip's class and fold)")
    evaluate.add_argument("--predictions", metavar="FILE", type=Path, action="append", default=[],
                          help="a predictions file; repeat for several models")
    evaluate.add_argument("--label-issues", action="store_true", dest="label_issues",
                          help="also list the clips whose label is probably wrong (confident learning, "
                               "cleanlab), most likely first; needs probabilities")
    evaluate.add_argument("--json", action="store_true", help='print {"models": [...]} as JSON')
    evaluate.set_defaults(handler=run_evaluate)


def run_evaluate(args: argparse.Namespace) -> int:
    """0 with the scores printed; 1 when the dataset cannot be opened; 2 for a file that cannot
    be used (the reason on stderr, nothing on stdout)."""
    from audioscope.core.model.evaluation import EvaluationError
    from audioscope.core.model.model_scores import bundled_predictions, model_scores
    from audioscope.core.model.predictions_file import PredictionsFileError, read_predictions

    dataset = open_dataset(args.evaluate_dataset)
    if dataset is None:
        return 1
    try:
        models = ([read_predictions(path, dataset.table, name=str(path)) for path in args.predictions]
                  or [bundled_predictions(dataset.table)])
    except (PredictionsFileError, EvaluationError) as exc:
        print(f"audioscope: {exc}", file=sys.stderr)
        return 2
    scores = [model_scores(m) for m in models]
    if args.label_issues:
        from audioscope.core.model.label_issues import label_issues

        try:
            for entry, model in zip(scores, models):
                entry["label_issues"] = label_issues(model).to_dict("records")
        except ValueError as exc:
            print(f"audioscope: {exc}", file=sys.stderr)
            return 2
    if args.json:
        print(json.dumps({"models": scores}, indent=2))
    else:
        for entry in scores:
            _print_scores(entry)
    return 0


def _print_scores(entry: dict) -> None:
    missing = f"; {entry['missing']} clips of the metadata have no prediction" if entry["missing"] else ""
    print(f"{entry['name']}: {entry['clips']} clips{missing}")
    print(f"  accuracy {entry['accuracy']:.3f}   macro-F1 {entry['macro_f1']:.3f}")
    for fold, numbers in entry["per_fold"].items():
        print(f"  fold {fold:>2}   accuracy {numbers['accuracy']:.3f}   macro-F1 {numbers['macro_f1']:.3f}"
              f"   ({numbers['clips']} clips)")
    print(f"  {'class':<18}{'precision':>10}{'recall':>10}{'F1':>10}{'clips':>8}")
    for name, numbers in entry["per_class"].items():
        print(f"  {name:<18}{numbers['precision']:>10.3f}{numbers['recall']:>10.3f}{numbers['f1']:>10.3f}"
              f"{numbers['support']:>8d}")
    if "label_issues" in entry:
        issues = entry["label_issues"]
        print(f"  likely label errors: {len(issues)} (given → suggested, probability of the given class)")
        for issue in issues:
            print(f"    {issue['slice_file_name']:<22} fold {issue['fold']:>2}  {issue['given']} → "
                  f"{issue['suggested']}  {issue['score']:.3f}")
    print()
