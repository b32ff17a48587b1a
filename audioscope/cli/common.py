"""What the commands share: --jobs, progress on stderr, opening the dataset, one result per file."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from audioscope.core.dataset.metadata import Dataset


def job_count(text: str) -> int:
    """``--jobs``: a number of parallel tasks; -1 means all cores (joblib's convention)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value == 0:
        raise argparse.ArgumentTypeError("0 jobs would do nothing: use 1 or more, or -1 for all cores")
    return value


def progress_printer(label: str) -> Callable[[int, int], None]:
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


def stage_printer() -> Callable[[str], None]:
    """Prints each stage of a long command on stderr, with the seconds since it began."""
    started = time.perf_counter()

    def say(text: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {text}…", file=sys.stderr, flush=True)

    return say


def open_dataset(root: Path) -> Dataset | None:
    """The dataset at ``root``, or None with the reason printed on stderr."""
    from audioscope.core.dataset.metadata import DatasetError, load_dataset

    try:
        return load_dataset(root)
    except DatasetError as exc:
        print(f"audioscope: {exc}", file=sys.stderr)
        return None


def each_file(files: list[Path], handle: Callable[[Path], tuple[dict, object]]) -> list[tuple[dict, object]]:
    """``handle(file)`` for each file, in order; a file that fails in any way becomes its
    ``{"file", "error"}`` entry (with None) and the others are still handled."""
    from audioscope.core.signal.audio import AudioLoadError

    results = []
    for file in files:
        try:
            results.append(handle(file))
        except AudioLoadError as exc:
            results.append(({"file": shown(file), "error": exc.reason}, None))
        except OSError as exc:
            results.append(({"file": shown(file), "error": f"cannot be read ({exc.strerror or exc})"}, None))
        except Exception as exc:    # one bad file must not lose the others' results
            logging.getLogger(__name__).error("%s failed", shown(file), exc_info=True)
            results.append(({"file": shown(file), "error": f"{type(exc).__name__}: {exc}"}, None))
    return results


def row_or_none(lookup: Callable[[Path], object], file: Path):
    """The file's metadata row, or None when there is none or its folders cannot be read."""
    try:
        return lookup(file)
    except OSError:
        return None


def shown(file: Path) -> str:
    """The path as text that can always be printed and put in JSON (a file name that is not
    UTF-8 keeps its undecodable bytes as \\xNN escapes)."""
    text = str(file)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", errors="backslashreplace")
