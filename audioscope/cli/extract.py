"""``audioscope extract``: clip vectors of a whole dataset into the cache and a features file,
on local cores or a Dask cluster."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from audioscope.cli.common import job_count, open_dataset, progress_printer


def add_extract_command(commands) -> None:
    extract = commands.add_parser(
        "extract", help="compute the classifier's features of a whole dataset (locally or on Dask)",
        description="Compute the clip vector of every available clip of a dataset: fills the "
                    "feature cache (so train and the explorer find them) and, with --out, writes "
                    "them with each clip's metadata to a .npz or .csv file. With --scheduler the "
                    "work runs on an existing Dask cluster, whose workers must have audioscope "
                    "installed and see the audio files at the same paths.")
    extract.add_argument("--dataset", metavar="PATH", type=Path, required=True, dest="extract_dataset",
                         help="UrbanSound8K folder")
    extract.add_argument("--jobs", metavar="N", type=job_count, default=-1,
                         help="parallel tasks (default: all local cores, or all Dask worker threads)")
    extract.add_argument("--scheduler", metavar="ADDRESS",
                         help="address of a Dask scheduler, e.g. tcp://10.0.0.5:8786 "
                              "(needs pip install 'audioscope[cluster]')")
    extract.add_argument("--recipe", choices=("embeddings", "stats"), default="embeddings",
                         help="which clip vectors: BirdNET + aiSFX embeddings (default, 3072 "
                              "values) or the 807 clip statistics")
    extract.add_argument("--connect-timeout", metavar="SECONDS", type=float, default=10.0,
                         help="give up reaching --scheduler after this long (default 10)")
    extract.add_argument("--out", metavar="FILE", type=Path,
                         help="also write the vectors and metadata to FILE (.npz or .csv)")
    extract.set_defaults(handler=run_extract)


def run_extract(args: argparse.Namespace) -> int:
    """0 when every clip has its vector, 1 when any file was unreadable or a step failed, 2 for
    usage errors."""
    from audioscope.core.batch.extraction import (
        FEATURE_FILE_SUFFIXES,
        ExtractionError,
        extract_dataset,
        write_feature_file,
    )
    from audioscope.core.dataset.write_guard import refusal_to_write
    from audioscope.core.model.embedding.runtime import EmbeddingModelError
    from audioscope.core.model.recipes import recipe_named
    from audioscope.core.store.cache import FeatureCache

    dataset = open_dataset(args.extract_dataset)
    if dataset is None:
        return 1
    out = args.out.resolve() if args.out is not None else None
    if out is not None:
        if out.suffix.lower() not in FEATURE_FILE_SUFFIXES:
            print(f"audioscope: {out}: the features file must end in .npz or .csv", file=sys.stderr)
            return 2
        refusal = refusal_to_write(out, dataset.root, "another --out")
        if refusal is not None:
            print(f"audioscope: {refusal}", file=sys.stderr)
            return 2
        if out.is_dir():
            print(f"audioscope: {out}: is a folder; --out names a file", file=sys.stderr)
            return 2
    where = f"the Dask cluster at {args.scheduler}" if args.scheduler else "this machine"
    print(f"{dataset.shown_root}: {dataset.n_available} of {dataset.n_clips} clips available; "
          f"extracting on {where}", file=sys.stderr)
    try:
        recipe = recipe_named(args.recipe)
        extraction = extract_dataset(dataset, FeatureCache(), jobs=args.jobs, scheduler=args.scheduler,
                                     progress=progress_printer(f"extracting {recipe.name}"),
                                     recipe=recipe, connect_timeout=args.connect_timeout)
        for error in extraction.errors:
            print(f"audioscope: {error}", file=sys.stderr)
        print(extraction.summary())
        if out is not None:
            write_feature_file(extraction, out)
            print(f"features written to {out}", file=sys.stderr)
    except (ExtractionError, EmbeddingModelError) as exc:
        print(f"audioscope: {exc}", file=sys.stderr)
        return 1
    return 1 if extraction.errors else 0
