"""Command-line interface: argument parsing and the headless subcommands.

Nothing here imports Qt; ``audioscope.app`` starts the window when no subcommand is given.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
from pathlib import Path
from typing import Callable

from audioscope import __version__

DESCRIPTION = """\
audioscope — explore the UrbanSound8K dataset: waveform, mel spectrogram and MFCCs of
every clip, playback, and a bundled classifier's predictions.

Without a command it opens the explorer window."""


def job_count(text: str) -> int:
    """``--jobs``: a number of parallel tasks; -1 means all cores (joblib's convention)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value == 0:
        raise argparse.ArgumentTypeError("0 jobs would do nothing: use 1 or more, or -1 for all cores")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="audioscope", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"audioscope {__version__}")
    parser.add_argument("--dataset", metavar="PATH", type=Path,
                        help="open this UrbanSound8K folder (the one holding metadata/ and audio/)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages to stderr")
    parser.add_argument("--self-test", nargs="?", const="", metavar="FILE", dest="self_test",
                        help="check the installation headless: open the window offscreen, show FILE "
                             "(default: a generated test tone), predict, print one line; exit 1 on failure")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    info = commands.add_parser("info", help="print format, duration and levels of audio files",
                               description="Print format, duration, peak/RMS level of each file and, "
                                           "when it belongs to an UrbanSound8K folder, its metadata row.")
    info.add_argument("files", nargs="+", metavar="FILE", type=Path)
    info.add_argument("--dataset", metavar="PATH", type=Path, dest="info_dataset",
                      help="look the files up in this dataset (default: the dataset folder "
                           "a file lies in, if any)")
    info.add_argument("--json", action="store_true", help="print one JSON array instead of text")
    info.set_defaults(handler=run_info)
    add_model_commands(commands)
    from audioscope.extract_command import add_extract_command

    add_extract_command(commands)
    return parser


def run_info(args: argparse.Namespace) -> int:
    """``audioscope info FILE…``: 0 when every file was read, 1 when any failed."""
    from audioscope.core.audio import read_levels
    from audioscope.core.dataset import DatasetError, load_dataset, row_of_file

    explicit = None
    root = args.info_dataset or args.dataset
    if root is not None:
        try:
            explicit = load_dataset(root)
        except DatasetError as exc:
            print(f"audioscope: {exc}", file=sys.stderr)
            return 1

    def describe(file: Path) -> dict:
        levels = read_levels(file)           # block by block: no samples held
        fmt = levels.format
        entry = {"file": _shown(file), "container": fmt.container, "subtype": fmt.subtype,
                 "sample_rate": fmt.sample_rate, "channels": fmt.channels, "frames": fmt.frames,
                 "bit_depth": fmt.bit_depth, "duration": fmt.duration,
                 "peak_dbfs": _finite_or_none(levels.peak_dbfs),
                 "rms_dbfs": _finite_or_none(levels.rms_dbfs), "summary": fmt.describe()}
        if levels.warnings:
            entry["warnings"] = list(levels.warnings)
        row = _row_or_none(explicit.row_for_file if explicit is not None else row_of_file, file)
        if row is not None:
            entry["dataset"] = {"root": str(Path(row["path"]).parents[2]),
                                "slice_file_name": row["slice_file_name"],
                                "fsID": int(row["fsID"]), "start": float(row["start"]),
                                "end": float(row["end"]), "salience": row["salience_name"],
                                "fold": int(row["fold"]), "classID": int(row["classID"]),
                                "class": str(row["class"])}
        return entry

    results = [entry for entry, _ in each_file(args.files, lambda file: (describe(file), None))]
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for entry in results:
            _print_info(entry)
    return 1 if any("error" in entry for entry in results) else 0


def each_file(files: list[Path], handle: Callable[[Path], tuple[dict, object]]) -> list[tuple[dict, object]]:
    """``handle(file)`` for each file, in order; a file that fails in any way becomes its
    ``{"file", "error"}`` entry (with None) and the others are still handled."""
    from audioscope.core.audio import AudioLoadError

    results = []
    for file in files:
        try:
            results.append(handle(file))
        except AudioLoadError as exc:
            results.append(({"file": _shown(file), "error": exc.reason}, None))
        except OSError as exc:
            results.append(({"file": _shown(file), "error": f"cannot be read ({exc.strerror or exc})"}, None))
        except Exception as exc:    # one bad file must not lose the others' results
            logging.getLogger(__name__).error("%s failed", _shown(file), exc_info=True)
            results.append(({"file": _shown(file), "error": f"{type(exc).__name__}: {exc}"}, None))
    return results


def _row_or_none(lookup: Callable[[Path], object], file: Path):
    """The file's metadata row, or None when there is none or its folders cannot be read."""
    try:
        return lookup(file)
    except OSError:
        return None


def _shown(file: Path) -> str:
    """The path as text that can always be printed and put in JSON (a file name that is not
    UTF-8 keeps its undecodable bytes as \\xNN escapes)."""
    text = str(file)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", errors="backslashreplace")


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _level(value: float | None) -> str:
    return "-inf dBFS (silent)" if value is None else f"{value:.1f} dBFS"


def _print_info(entry: dict) -> None:
    if "error" in entry:
        print(f"{entry['file']}: error: {entry['error']}", file=sys.stderr)
        return
    print(entry["file"])
    print(f"  format    {entry['container']}, {entry['subtype']}")
    print(f"  audio     {entry['summary']} ({entry['frames']} frames)")
    print(f"  level     peak {_level(entry['peak_dbfs'])}, RMS {_level(entry['rms_dbfs'])}")
    for warning in entry.get("warnings", ()):
        print(f"  warning   {warning}")
    row = entry.get("dataset")
    if row:
        print(f"  dataset   {row['root']}")
        print(f"  row       {row['slice_file_name']}: {row['class']} (classID {row['classID']}), "
              f"fold {row['fold']}, {row['salience']}, fsID {row['fsID']}, "
              f"{row['start']:.3f}–{row['end']:.3f} s of the source recording")


def run_command(args: argparse.Namespace) -> int:
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


def add_model_commands(commands) -> None:
    """``train`` and ``predict``."""
    train = commands.add_parser(
        "train", help="train and cross-validate the classifier on a dataset",
        description="Extract features of every available clip, evaluate by leave-one-fold-out "
                    "cross-validation over the folds present, and write a model bundle.")
    train.add_argument("--dataset", metavar="PATH", type=Path, required=True, dest="train_dataset",
                       help="UrbanSound8K folder to train on")
    train.add_argument("--out", metavar="DIR", type=Path, default=Path("audioscope-model"),
                       help="folder for the model bundle and reports (default: ./audioscope-model)")
    train.add_argument("--jobs", metavar="N", type=job_count, default=-1,
                       help="parallel feature extraction processes (default: all cores)")
    train.add_argument("--recipe", choices=("embeddings", "stats"), default="embeddings",
                       help="clip vectors to train on: BirdNET + aiSFX embeddings (default) or "
                            "the 807 clip statistics (faster, less accurate)")
    train.add_argument("--compare-baseline", action="store_true",
                       help="also cross-validate the tutorial's recipe (mean of 40 MFCCs, MLP 256-256)")
    train.set_defaults(handler=run_train)

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
    predict.set_defaults(handler=run_predict)


def _progress_printer(label: str) -> Callable[[int, int], None]:
    interactive = sys.stderr.isatty()
    state = {"last": -1}

    def show(done: int, total: int) -> None:
        percent = 100 * done // max(total, 1)
        if interactive:
            bar = "#" * (percent // 4)
            print(f"\r{label} [{bar:<25}] {done}/{total}", end="" if done < total else "\n",
                  file=sys.stderr, flush=True)
        elif percent // 10 != state["last"] // 10 or done == total:
            print(f"{label}: {done}/{total} ({percent} %)", file=sys.stderr, flush=True)
        state["last"] = percent

    return show


def run_train(args: argparse.Namespace) -> int:
    """0 with a bundle written, 1 when training or writing failed, 2 when --out is refused;
    only a new folder, an empty one or an earlier bundle is ever replaced (core.bundle_folder)."""
    from audioscope.core.bundle_folder import DestinationRefused, check_destination
    from audioscope.core.cache import FeatureCache
    from audioscope.core.dataset import DatasetError, load_dataset
    from audioscope.core.embedding.runtime import EmbeddingModelError, read_manifest
    from audioscope.core.recipes import recipe_named
    from audioscope.core.training import train
    from audioscope.core.training_report import baseline_row, format_report

    try:
        dataset = load_dataset(args.train_dataset)
    except DatasetError as exc:
        print(f"audioscope: {exc}", file=sys.stderr)
        return 1
    try:
        out = check_destination(args.out, dataset.root)
    except DestinationRefused as exc:
        print(f"audioscope: {exc}", file=sys.stderr)
        return 2
    recipe = recipe_named(args.recipe)
    try:
        if recipe.uses_embeddings:
            read_manifest()
    except EmbeddingModelError as exc:
        print(f"audioscope: {exc}", file=sys.stderr)
        return 1

    def report(result) -> str:
        return format_report(result, baseline_row(result.clips) if args.compare_baseline else None)

    print(f"{dataset.root}: {dataset.n_available} of {dataset.n_clips} clips available", file=sys.stderr)
    try:
        result = train(dataset, out, jobs=args.jobs, cache=FeatureCache(), recipe=recipe,
                       progress=_progress_printer(f"extracting {recipe.name}"), report=report,
                       reliability_png=_reliability_png)
    except DestinationRefused as exc:       # something was put there while training ran
        print(f"audioscope: {exc}", file=sys.stderr)
        return 2
    except (ValueError, OSError, EmbeddingModelError) as exc:
        print(f"audioscope: {exc}", file=sys.stderr)
        return 1
    print(result.report)
    print(f"model bundle and report written to {out}", file=sys.stderr)
    return 0


def _reliability_png(calibration: dict) -> bytes | None:
    """The bundle's reliability diagram, or None (with a warning) where Qt cannot draw."""
    try:
        from audioscope.gui.reliability_plot import reliability_png

        return reliability_png(calibration)
    except Exception as exc:  # no Qt libraries on a headless server: the card has the numbers
        print(f"audioscope: warning: no reliability.png ({type(exc).__name__}: {exc})", file=sys.stderr)
        return None


def run_predict(args: argparse.Namespace) -> int:
    import warnings

    from audioscope.core.cache import FeatureCache
    from audioscope.core.classifier import ModelLoadError, load_bundle
    from audioscope.core.dataset import row_of_file

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

    def predict(file: Path) -> tuple[dict, object]:
        row = _row_or_none(row_of_file, file)
        fold = int(row["fold"]) if row is not None else None
        prediction, analysis = bundle.predict_file_analysis(file, fold=fold, cache=cache)
        entry = {"file": _shown(file), "predicted": prediction.predicted,
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
