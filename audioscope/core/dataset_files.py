"""Resolve each UrbanSound8K metadata row to its file under ``audio/fold{N}/``.

Nothing outside the dataset folder is opened: a name with a path in it, and a folder or file
whose real path (symbolic links followed) lies outside the root, are left unused.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

# Extensions tried, in order, after the name given in the CSV.
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".aiff", ".aif", ".mp3")


def resolve_files(table: pd.DataFrame, root: Path) -> tuple[np.ndarray, list[str]]:
    """The file of every row (absolute path, "" when unavailable) and notes on what was left out.

    ``root`` is the resolved dataset root; each fold folder is listed once.
    """
    paths = np.full(len(table), "", dtype=object)
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
                if entry is None:
                    continue
                if _is_inside_file(entry, root):
                    paths[i] = entry.path
                    break
                outside += entry.is_symlink()
    if missing_folds:
        folds = ", ".join(str(f) for f in sorted(missing_folds))
        notes.append(f"{audio}: no folder for fold(s) {folds} — their "
                     f"{sum(missing_folds.values())} clips are unavailable")
    if outside:
        notes.append(f"{outside} file(s) are symbolic links to places outside {root} and were not opened")
    return paths, notes


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


def _is_inside_file(entry: os.DirEntry, root: Path) -> bool:
    """A regular file, and — if it is a symlink — one that stays inside the dataset root."""
    try:
        if not entry.is_file():
            return False
        if entry.is_symlink():
            return _outside(entry.path, root) is None
        return True
    except OSError:
        return False
