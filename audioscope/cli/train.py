"""``audioscope train``: cross-validate the classifier on a dataset and write a model bundle."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from audioscope.cli.common import job_count, open_dataset, progress_printer, stage_printer


def add_train_command(commands) -> None:
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


def run_train(args: argparse.Namespace) -> int:
    """0 with a bundle written, 1 when training or writing failed, 2 when --out is refused;
    only a new folder, an empty one or an earlier bundle is ever replaced (core.model.bundle_folder)."""
    from audioscope.core.model.bundle_folder import DestinationRefused, check_destination
    from audioscope.core.model.embedding.runtime import EmbeddingModelError, read_manifest
    from audioscope.core.model.recipes import recipe_named
    from audioscope.core.store.cache import FeatureCache
    from audioscope.core.training.report import format_report
    from audioscope.core.training.train import train

    dataset = open_dataset(args.train_dataset)
    if dataset is None:
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

    print(f"{dataset.shown_root}: {dataset.n_available} of {dataset.n_clips} clips available", file=sys.stderr)
    try:
        result = train(dataset, out, jobs=args.jobs, cache=FeatureCache(), recipe=recipe,
                       progress=progress_printer(f"extracting {recipe.name}"), report=format_report,
                       reliability_png=_reliability_png, baseline=args.compare_baseline,
                       stage=stage_printer())
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
        from audioscope.charts.reliability_plot import reliability_png

        return reliability_png(calibration)
    except Exception as exc:  # no Qt libraries on a headless server: the card has the numbers
        print(f"audioscope: warning: no reliability.png ({type(exc).__name__}: {exc})", file=sys.stderr)
        return None
