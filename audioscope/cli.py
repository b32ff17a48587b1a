"""Command-line interface: argument parsing and the headless subcommands.

Nothing here imports Qt; ``audioscope.app`` starts the window when no subcommand is given.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Callable

from audioscope import __version__

DESCRIPTION = """\
audioscope — explore the UrbanSound8K dataset: waveform, mel spectrogram and MFCCs of
every clip, playback, and a bundled classifier's predictions.

Without a command it opens the explorer window."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="audioscope", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"audioscope {__version__}")
    parser.add_argument("--dataset", metavar="PATH", type=Path,
                        help="open this UrbanSound8K folder (the one holding metadata/ and audio/)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages to stderr")
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
    return parser


def run_info(args: argparse.Namespace) -> int:
    """``audioscope info FILE…``: 0 when every file was read, 1 when any failed."""
    from audioscope.core.audio import AudioLoadError, load_clip
    from audioscope.core.dataset import DatasetError, find_dataset_root, load_dataset

    datasets: dict[Path, object] = {}

    def dataset_for(file: Path):
        root = args.info_dataset or args.dataset or find_dataset_root(file)
        if root is None:
            return None
        if root not in datasets:
            try:
                datasets[root] = load_dataset(root)
            except DatasetError as exc:
                print(f"audioscope: {exc}", file=sys.stderr)
                datasets[root] = None
        return datasets[root]

    results, failed = [], False
    for file in args.files:
        try:
            clip = load_clip(file)
        except AudioLoadError as exc:
            failed = True
            results.append({"file": str(file), "error": exc.reason})
            continue
        fmt = clip.format
        entry = {"file": str(file), "container": fmt.container, "subtype": fmt.subtype,
                 "sample_rate": fmt.sample_rate, "channels": fmt.channels, "frames": fmt.frames,
                 "bit_depth": fmt.bit_depth, "duration": fmt.duration,
                 "peak_dbfs": _finite_or_none(clip.peak_dbfs), "rms_dbfs": _finite_or_none(clip.rms_dbfs),
                 "summary": fmt.describe()}
        dataset = dataset_for(file)
        row = dataset.row_for_file(file) if dataset is not None else None
        if row is not None:
            entry["dataset"] = {"root": str(dataset.root), "slice_file_name": row["slice_file_name"],
                                "fsID": int(row["fsID"]), "start": float(row["start"]),
                                "end": float(row["end"]), "salience": row["salience_name"],
                                "fold": int(row["fold"]), "classID": int(row["classID"]),
                                "class": str(row["class"])}
        results.append(entry)

    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for entry in results:
            _print_info(entry)
    return 1 if failed else 0


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
    row = entry.get("dataset")
    if row:
        print(f"  dataset   {row['root']}")
        print(f"  row       {row['slice_file_name']}: {row['class']} (classID {row['classID']}), "
              f"fold {row['fold']}, {row['salience']}, fsID {row['fsID']}, "
              f"{row['start']:.3f}–{row['end']:.3f} s of the source recording")


def run_command(args: argparse.Namespace) -> int:
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)
