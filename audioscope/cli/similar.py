"""``audioscope similar FILE``: the dataset clips nearest to a file in the classifier's vector space."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from audioscope.cli.common import job_count, open_dataset, progress_printer


def add_similar_command(commands) -> None:
    similar = commands.add_parser(
        "similar", help="the dataset clips that sound most like a file",
        description="The clips of the dataset nearest to FILE by cosine distance between the "
                    "classifier's standardised clip vectors (BirdNET + aiSFX embeddings), nearest "
                    "first. Vectors are cached: after the first run, only FILE is computed.")
    similar.add_argument("file", metavar="FILE", type=Path, help="an audio file (a dataset clip or any other)")
    similar.add_argument("--dataset", metavar="PATH", type=Path, dest="similar_dataset",
                         help="UrbanSound8K folder to search (default: the one FILE lies in)")
    similar.add_argument("-k", metavar="N", type=int, default=10, help="how many clips (default: 10)")
    similar.add_argument("--jobs", metavar="N", type=job_count, default=-1,
                         help="parallel processes for vectors not yet cached (default: all cores)")
    similar.add_argument("--json", action="store_true",
                         help='print {"file", "dataset", "similar": [{"slice_file_name", "class", "fold", '
                              '"distance"}, ...]}')
    similar.set_defaults(handler=run_similar)


def run_similar(args: argparse.Namespace) -> int:
    """0 with the clips printed; 1 when the dataset cannot be opened; 2 for a file that cannot
    be compared (the reason on stderr, nothing on stdout)."""
    from audioscope.core.batch.similar_clips import SimilarClipsError, build_index, similar_to_file
    from audioscope.core.dataset.metadata import find_dataset_root
    from audioscope.core.store.cache import FeatureCache

    if args.k < 1:
        print("audioscope: -k must be 1 or more", file=sys.stderr)
        return 2
    root = args.similar_dataset or find_dataset_root(args.file)
    if root is None:
        print(f"audioscope: {args.file} is not in an UrbanSound8K folder: name one with --dataset PATH",
              file=sys.stderr)
        return 2
    if not args.file.is_file():
        print(f"audioscope: {args.file}: no such file", file=sys.stderr)
        return 2
    dataset = open_dataset(root)
    if dataset is None:
        return 1
    cache = FeatureCache()
    try:
        index = build_index(dataset, cache, progress_printer("clip vectors"), args.jobs)
        row = dataset.row_for_file(args.file)
        nearest = similar_to_file(args.file, index, cache, args.k,
                                  itself=None if row is None else str(row["slice_file_name"]))
    except SimilarClipsError as exc:
        print(f"audioscope: {exc}", file=sys.stderr)
        return 2
    rows = [{"slice_file_name": str(r["slice_file_name"]), "class": str(r["class"]), "fold": int(r["fold"]),
             "distance": float(r["distance"])} for r in nearest.to_dict("records")]
    if args.json:
        print(json.dumps({"file": str(args.file), "dataset": dataset.shown_root, "similar": rows}, indent=2))
        return 0
    print(f"{args.file}: the {len(rows)} nearest of {len(index.names)} clips in {dataset.shown_root}")
    for row in rows:
        print(f"  {row['distance']:.3f}  {row['slice_file_name']:<22} fold {row['fold']:>2}  {row['class']}")
    return 0
