"""``audioscope info FILE…``: format, duration, levels and the metadata row of audio files."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from audioscope.cli.common import each_file, open_dataset, row_or_none, shown


def add_info_command(commands) -> None:
    """``info FILE…``."""
    info = commands.add_parser("info", help="print format, duration and levels of audio files",
                               description="Print format, duration, peak/RMS level of each file and, "
                                           "when it belongs to an UrbanSound8K folder, its metadata row.")
    info.add_argument("files", nargs="+", metavar="FILE", type=Path)
    info.add_argument("--dataset", metavar="PATH", type=Path, dest="info_dataset",
                      help="look the files up in this dataset (default: the dataset folder "
                           "a file lies in, if any)")
    info.add_argument("--json", action="store_true", help="print one JSON array instead of text")
    info.set_defaults(handler=run_info)


def run_info(args: argparse.Namespace) -> int:
    """``audioscope info FILE…``: 0 when every file was read, 1 when any failed."""
    from audioscope.core.dataset.metadata import row_of_file
    from audioscope.core.signal.audio import read_levels

    explicit = None
    root = args.info_dataset or args.dataset
    if root is not None:
        explicit = open_dataset(root)
        if explicit is None:
            return 1

    def describe(file: Path) -> dict:
        levels = read_levels(file)           # block by block: no samples held
        fmt = levels.format
        entry = {"file": shown(file), "container": fmt.container, "subtype": fmt.subtype,
                 "sample_rate": fmt.sample_rate, "channels": fmt.channels, "frames": fmt.frames,
                 "bit_depth": fmt.bit_depth, "duration": fmt.duration,
                 "peak_dbfs": _finite_or_none(levels.peak_dbfs),
                 "rms_dbfs": _finite_or_none(levels.rms_dbfs), "summary": fmt.describe()}
        if levels.warnings:
            entry["warnings"] = list(levels.warnings)
        row = row_or_none(explicit.row_for_file if explicit is not None else row_of_file, file)
        if row is not None:
            entry["dataset"] = {"root": explicit.shown_root if explicit is not None else _typed_root(file, row),
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


def _typed_root(file: Path, row) -> str:
    """The dataset folder of ``file`` as the user typed the file's path (…/audio/foldN/ up)."""
    from audioscope.core.dataset.metadata import METADATA_PATH

    typed = Path(file).parents
    if len(typed) > 2 and (typed[2] / METADATA_PATH).is_file():
        return shown(typed[2])
    return shown(Path(row["path"]).parents[2])


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
