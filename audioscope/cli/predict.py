"""``audioscope predict FILE…``: the class of audio files, by the bundled model or one made with train."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from audioscope.cli.common import each_file, job_count, row_or_none, shown


def add_predict_command(commands) -> None:
    predict = commands.add_parser(
        "predict", help="predict the class of audio files with the bundled model",
        description="Predict the UrbanSound8K class of each file. A file inside an UrbanSound8K "
                    "folder is predicted by the model that never saw its fold.")
    predict.add_argument("files", nargs="+", metavar="FILE", type=Path)
    predict.add_argument("--json", action="store_true",
                         help="print exactly one JSON array, one object per file")
    predict.add_argument("--top", metavar="K", type=int, default=3,
                         help="classes listed per file in the table (default 3)")
    predict.add_argument("--model", metavar="DIR", type=Path,
                         help="a model bundle made by `audioscope train` (needs --trust-model)")
    predict.add_argument("--trust-model", action="store_true",
                         help="allow loading --model: model files are pickles and run code")
    predict.add_argument("--jobs", metavar="N", type=job_count, default=-1,
                         help="parallel processes computing the clip vectors of more than 32 files "
                              "(default: all cores); they fill the feature cache extract uses")
    predict.set_defaults(handler=run_predict)


def run_predict(args: argparse.Namespace) -> int:
    import warnings

    from audioscope.core.batch.vectors import CLIPS_PER_TASK

    from audioscope.core.dataset.metadata import row_of_file
    from audioscope.core.model.classifier import ModelLoadError, load_bundle
    from audioscope.core.store.cache import FeatureCache

    if args.top < 1:
        print("audioscope predict: --top must be at least 1", file=sys.stderr)
        return 2
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            bundle = load_bundle(args.model, trust=args.trust_model)
        for w in caught:
            print(f"audioscope: warning: {w.message}", file=sys.stderr)
    except ModelLoadError as exc:
        print(f"audioscope: {exc}", file=sys.stderr)
        return 2
    cache = FeatureCache()
    if len(args.files) > CLIPS_PER_TASK and args.jobs != 1:    # more than one task: a pool
        vectors_in_parallel(bundle, args.files, cache, args.jobs)

    def predict(file: Path) -> tuple[dict, object]:
        row = row_or_none(row_of_file, file)
        fold = int(row["fold"]) if row is not None else None
        prediction, analysis = bundle.predict_file_analysis(file, fold=fold, cache=cache)
        entry = {"file": shown(file), "predicted": prediction.predicted,
                 "probabilities": prediction.probabilities, "unfamiliar": prediction.unfamiliar}
        if analysis.clip.warnings:
            entry["warnings"] = list(analysis.clip.warnings)
        return entry, prediction

    results = each_file(args.files, predict)
    if args.json:
        print(json.dumps([entry for entry, _ in results], indent=2))
    else:
        for entry, prediction in results:
            if prediction is None:
                print(f"{entry['file']}: error: {entry['error']}", file=sys.stderr)
                continue
            ranked = ", ".join(f"{name} {p:.0%}" for name, p in prediction.ranked()[:args.top])
            print(f"{entry['file']}\n  {prediction.predicted}  ({ranked}; {prediction.describe_model()})")
            if prediction.unfamiliar:
                print("  unlike any training clip: this prediction means little")
            for warning in entry.get("warnings", ()):
                print(f"  warning: {warning}")
    return 1 if any(prediction is None for _, prediction in results) else 0


def vectors_in_parallel(bundle, files: list[Path], cache, jobs: int) -> None:
    """Compute the files' clip vectors on the worker pool, as ``extract`` does, into ``cache``,
    where each file's prediction then finds its vector (the embeddings are most of a
    prediction's cost). Unreadable files are left to the prediction, which reports them."""
    import time

    from audioscope.core.batch.vectors import extract_vectors

    started, stats = time.perf_counter(), {}
    _vectors, errors = extract_vectors([str(f) for f in files], bundle.feature_params, jobs, cache,
                                       stats=stats, recipe=bundle.recipe)
    seconds = time.perf_counter() - started
    computed = len(files) - stats.get("from_cache", 0) - len(errors)
    rate = f" ({computed / seconds:.3g} clips/s on {stats['pool']})" if computed and stats.get("pool") else ""
    print(f"audioscope: vectors of {len(files)} files: {computed} computed{rate}, "
          f"{stats.get('from_cache', 0)} from the cache, {len(errors)} unreadable; {seconds:.1f} s",
          file=sys.stderr)
