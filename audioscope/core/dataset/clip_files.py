"""Resolve each UrbanSound8K metadata row to its file under ``audio/fold{N}/``.

Nothing outside the dataset folder is opened: a name with a path in it, and a folder or file
whose real path (symbolic links followed) lies outside the root, are left unused. Rows that
reach one file on disk (the same device and inode) are opened once, by the first of them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:                  # imported where used: the window paints before pandas loads
    import pandas as pd

# Extensions tried, in order, after the name given in the CSV.
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".aiff", ".aif", ".mp3")

FileId = tuple[int, int]    # (st_dev, st_ino)


def resolve_files(table: pd.DataFrame, root: Path) -> tuple[np.ndarray, list[str]]:
    """The file of every row (absolute path, "" when unavailable) and notes on what was left out.

    ``root`` is the resolved dataset root; each fold folder is listed once.
    """
    paths = np.full(len(table), "", dtype=object)
    files: list[FileId | None] = [None] * len(table)
    names = table["slice_file_name"].to_numpy()
    notes = []
    escaping = [i for i, n in enumerate(names) if not _is_plain_name(n)]
    if escaping:
        notes.append(f"{len(escaping)} row(s) name a file outside their fold folder and were not opened "
                     f"(first: row {escaping[0] + 1}, {names[escaping[0]]!r})")
    audio = root / "audio"
    target = _outside(audio, root)
    if target is not None:
        notes.append(f"{audio}: leads to {target}, outside the dataset folder {root} — not listed; "
                     f"all {len(table)} clips are unavailable")
        return paths, notes
    missing_folds: dict[int, int] = {}
    outside = 0
    for fold, rows in table.groupby("fold", observed=True).groups.items():
        folder = audio / f"fold{fold}"
        target = _outside(folder, root)
        if target is not None:
            notes.append(f"{folder}: leads to {target}, outside the dataset folder {root} — not listed; "
                         f"the {len(rows)} clips of fold {fold} are unavailable")
            continue
        try:
            device = os.stat(folder).st_dev
            entries = {e.name: e for e in os.scandir(folder)}
        except FileNotFoundError:
            missing_folds[int(fold)] = len(rows)
            continue
        except OSError as exc:
            notes.append(f"{folder}: cannot be listed ({exc.strerror or exc}) — "
                         f"{len(rows)} clips of fold {fold} are unavailable")
            continue
        for i in rows:
            if not _is_plain_name(names[i]):
                continue
            for candidate in _candidates(names[i]):
                entry = entries.get(candidate)
                file = _file_id(entry, device) if entry is not None else None
                if file is None:
                    continue
                if entry.is_symlink() and _outside(entry.path, root) is not None:
                    outside += 1
                    continue
                paths[i], files[i] = entry.path, file
                break
    if missing_folds:
        folds = ", ".join(str(f) for f in sorted(missing_folds))
        notes.append(f"{audio}: no folder for fold(s) {folds} — their "
                     f"{sum(missing_folds.values())} clips are unavailable")
    if outside:
        notes.append(f"{outside} file(s) are symbolic links to places outside {root} and were not opened")
    clash = _drop_repeated_files(paths, files, root)
    if clash:
        notes.append(clash)
    return paths, notes


def missing_file_text(name: str, fold: int) -> str:
    """What the clip view says for a row whose file is not on disk, naming the formats tried."""
    others = [ext for ext in AUDIO_EXTENSIONS if ext != ".wav"]
    return (f"File missing: {name} is not in audio/fold{fold}/ of the dataset folder "
            f"(nor a {', '.join(others[:-1])} or {others[-1]} copy of it).")


def _candidates(name: str) -> list[str]:
    stem, dot, _ = name.rpartition(".")
    stem = stem if dot else name
    return [name] + [stem + ext for ext in AUDIO_EXTENSIONS if stem + ext != name]


def _is_plain_name(name: str) -> bool:
    return (name not in (".", "..") and "/" not in name and "\\" not in name
            and not os.path.isabs(name))


def _outside(path: str | Path, root: Path) -> str | None:
    """The real path of ``path`` when it lies outside ``root`` (resolved), else None."""
    real = os.path.realpath(path)
    return None if Path(real).is_relative_to(root) else real


def _file_id(entry: os.DirEntry, device: int) -> FileId | None:
    """(st_dev, st_ino) of the regular file ``entry`` is or links to; None for anything else.

    A plain entry costs no system call on Linux (its inode comes with the listing and its
    device is its folder's); a symbolic link's target is stat-ed.
    """
    try:
        if entry.is_symlink():
            info = entry.stat()
            return (info.st_dev, info.st_ino) if entry.is_file() else None
        return (device, entry.inode()) if entry.is_file() else None
    except OSError:
        return None


def _drop_repeated_files(paths: np.ndarray, files: list[FileId | None], root: Path) -> str | None:
    """Unset every row whose file an earlier row already has; a note on the first clash."""
    first_row: dict[FileId, int] = {}
    clashes = []
    for i, file in enumerate(files):
        if file is not None and first_row.setdefault(file, i) != i:
            clashes.append((first_row[file], i, paths[i]))
            paths[i] = ""
    if not clashes:
        return None
    first, later, later_path = clashes[0]
    kept, dropped = (Path(p).relative_to(root).as_posix() for p in (paths[first], later_path))
    where = f"both resolve to {kept}" if kept == dropped else f"resolve to one file ({kept} and {dropped})"
    more = (f" ({len(clashes) - 1} more rows reach a file an earlier row uses and were not opened)"
            if len(clashes) > 1 else "")
    return f"rows {first + 1} and {later + 1} {where}; row {later + 1} was not opened{more}"


_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple:
    """Sort key reading runs of digits as numbers: ``100032-3-0-2.wav`` before
    ``100032-3-0-10.wav`` (fsID, class, occurrence and slice compared as numbers)."""
    parts = _DIGITS.split(name.casefold())
    return tuple(int(part) if i % 2 else part for i, part in enumerate(parts))
