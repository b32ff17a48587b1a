"""UrbanSound8K metadata: load, validate, and resolve each row to a file on disk.

A dataset root holds ``metadata/UrbanSound8K.csv`` and ``audio/fold{N}/``. Each row resolves
to ``audio/fold{N}/{slice_file_name}`` or to the same stem with another extension
libsndfile reads (users convert the dataset to FLAC to save space). Missing files are
normal: the row is kept and marked unavailable. Nothing outside the dataset folder is read:
see ``dataset_files`` for how rows are resolved.
"""

from __future__ import annotations

import functools
import io
import os
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from audioscope.core.dataset.clip_files import resolve_files

if TYPE_CHECKING:                  # imported where used: the window paints before pandas loads
    import pandas as pd

CLASS_NAMES: tuple[str, ...] = (
    "air_conditioner", "car_horn", "children_playing", "dog_bark", "drilling",
    "engine_idling", "gun_shot", "jackhammer", "siren", "street_music",
)
FOLDS: tuple[int, ...] = tuple(range(1, 11))
SALIENCE_NAMES = {1: "foreground", 2: "background"}
REQUIRED_COLUMNS = ("slice_file_name", "fsID", "start", "end", "salience", "fold", "classID", "class")
METADATA_PATH = Path("metadata") / "UrbanSound8K.csv"
# Integer columns are parsed through float64 when they hold a large or decimal value; beyond
# this a float64 cannot hold every integer exactly (and int64 wraps), so larger values are refused.
MAX_INTEGER = 2**53 - 1


def readable_class(class_name: str) -> str:
    """A class name for display: ``children_playing`` → ``children playing``."""
    return class_name.replace("_", " ")


class DatasetError(Exception):
    """The dataset folder or its metadata cannot be used; the message says where and why."""


@dataclass(eq=False)
class Dataset:
    """A loaded UrbanSound8K folder.

    ``table`` has the CSV's columns (typed) plus ``duration`` (end − start, s),
    ``salience_name``, ``path`` (absolute path of the resolved file, "" when missing)
    and ``available``.
    """

    root: Path
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    typed_root: str | None = None      # the folder as the user gave it (``shown_root``)

    @property
    def shown_root(self) -> str:
        """The folder as the user typed it (or a dataset found in it): what titles and
        listings show; ``root`` (symbolic links resolved) is what is read."""
        return self.typed_root if self.typed_root is not None else str(self.root)

    @property
    def csv_path(self) -> Path:
        return self.root / METADATA_PATH

    @property
    def n_clips(self) -> int:
        return len(self.table)

    @property
    def n_available(self) -> int:
        return int(self.table["available"].sum())

    def class_fold_counts(self, available_only: bool = False) -> pd.DataFrame:
        """Clips per class (rows, in classID order) and fold (columns 1–10)."""
        import pandas as pd
        rows = self.table[self.table["available"]] if available_only else self.table
        counts = pd.crosstab(rows["class"], rows["fold"])
        return counts.reindex(index=list(CLASS_NAMES), columns=list(FOLDS), fill_value=0)

    @functools.cached_property
    def _rows_by_real_path(self) -> dict[str, int]:
        available = self.table[self.table["available"]]
        return {os.path.realpath(p): i for i, p in zip(available.index, available["path"])}

    def row_for_file(self, path: str | Path) -> pd.Series | None:
        """The metadata row whose resolved file is ``path``, if any."""
        index = self._rows_by_real_path.get(os.path.realpath(path))
        return self.table.loc[index] if index is not None else None


def find_dataset_root(path: str | Path) -> Path | None:
    """The dataset root containing ``path`` (a file under audio/foldN/), if there is one;
    folders that cannot be looked into (too long a path, no permission) count as none."""
    try:
        for parent in Path(path).resolve().parents:
            if (parent / METADATA_PATH).is_file():
                return parent
    except (OSError, ValueError):
        pass
    return None


_known_datasets: dict[Path, Dataset | None] = {}
_known_lock = threading.Lock()


def row_of_file(path: str | Path) -> pd.Series | None:
    """The metadata row of ``path`` when it lies in an UrbanSound8K folder, else None.

    Each dataset folder is loaded once per process (thread-safe); a folder whose metadata
    cannot be used counts as no dataset.
    """
    root = find_dataset_root(path)
    if root is None:
        return None
    with _known_lock:
        if root not in _known_datasets:
            try:
                _known_datasets[root] = load_dataset(root)
            except DatasetError:
                _known_datasets[root] = None
        dataset = _known_datasets[root]
    return dataset.row_for_file(path) if dataset is not None else None


def load_dataset(root: str | Path) -> Dataset:
    """Load and validate the metadata under ``root`` and resolve every row to a file.

    A folder that is no dataset itself but holds exactly one (a downloads folder with the
    UrbanSound8K folder in it) opens that one; one holding several is refused, naming them.
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DatasetError(f"{root}: not a folder")
    if not (root / METADATA_PATH).is_file():
        root = _the_dataset_inside(root)
    csv_path = root / METADATA_PATH
    if not csv_path.is_file():
        raise DatasetError(f"{csv_path}: not found — an UrbanSound8K folder contains "
                           f"{METADATA_PATH.as_posix()} and audio/fold1 … audio/fold10")
    real_root, real_csv = root.resolve(), Path(os.path.realpath(csv_path))
    if not real_csv.is_relative_to(real_root):
        raise DatasetError(f"{csv_path}: leads to {real_csv}, outside the dataset folder {real_root} "
                           f"— not read")
    table = _validated(_read_csv(csv_path, real_csv), csv_path)
    paths, notes = resolve_files(table, real_root)
    table["path"] = paths
    table["available"] = paths != ""
    return Dataset(root=real_root, table=table, notes=notes, typed_root=str(root))


def _the_dataset_inside(folder: Path) -> Path:
    """The one dataset folder directly inside ``folder``, else ``folder`` (whose missing
    metadata is then explained); several are refused, by name."""
    try:
        inside = sorted(child.name for child in folder.iterdir()
                        if child.is_dir() and (child / METADATA_PATH).is_file())
    except OSError:
        return folder
    if len(inside) > 1:
        raise DatasetError(f"{folder}: holds {len(inside)} UrbanSound8K folders ({', '.join(inside)}) "
                           f"— open one of them")
    return folder / inside[0] if inside else folder


def _read_csv(csv_path: Path, real_path: Path) -> pd.DataFrame:
    """The table as text; ``real_path`` (the checked target) is read once and parsed from memory."""
    import pandas as pd
    try:
        raw = real_path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"{csv_path}: cannot be read ({exc.strerror or exc})") from None
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise DatasetError(f"{csv_path}: line {line}: not UTF-8 text "
                           f"(byte 0x{raw[exc.start]:02x} at offset {exc.start})") from None
    if not raw.strip():
        raise DatasetError(f"{csv_path}: the file is empty")
    try:
        # header=None: the header line fixes the field count, so longer rows are errors
        frame = pd.read_csv(io.BytesIO(raw), header=None, dtype=str, keep_default_na=False,
                            encoding="utf-8", skipinitialspace=True, index_col=False)
    except (pd.errors.ParserError, ValueError) as exc:
        raise DatasetError(f"{csv_path}: not a valid CSV table ({str(exc).strip()})") from None
    frame.columns = [str(c).strip() for c in frame.iloc[0]]
    frame = frame.iloc[1:].fillna("").reset_index(drop=True)
    repeated = [f"column {name!r} appears {n} times" for name, n in Counter(frame.columns).items() if n > 1]
    if repeated:
        raise DatasetError(f"{csv_path}: {', '.join(repeated)} in the header")
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise DatasetError(f"{csv_path}: missing column(s) {', '.join(repr(c) for c in missing)}"
                           f" (the header has {', '.join(repr(c) for c in frame.columns)})")
    if frame.empty:
        raise DatasetError(f"{csv_path}: the table has a header but no rows")
    return frame


def _fail(csv_path: Path, bad: pd.Series, column: str, problem: str) -> None:
    """Raise for the first flagged row; ``bad`` is a boolean mask over the table."""
    positions = np.flatnonzero(bad.to_numpy())
    if len(positions) == 0:
        return
    first = int(positions[0])
    more = f" ({len(positions) - 1} more rows have this problem)" if len(positions) > 1 else ""
    raise DatasetError(f"{csv_path}: row {first + 1} (line {first + 2}), column '{column}': "
                       f"{problem}{more}")


def _numbers(frame: pd.DataFrame, csv_path: Path, column: str, integer: bool) -> pd.Series:
    import pandas as pd
    text = frame[column].str.strip()
    values = pd.to_numeric(text, errors="coerce")
    bad = values.isna() | ~np.isfinite(values)
    if integer:
        bad |= values.ne(values.round())
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        kind = "an integer" if integer else "a number"
        _fail(csv_path, bad, column, f"{text.iloc[first]!r} is not {kind}")
    if integer:
        big = values.astype(np.float64).abs() > MAX_INTEGER     # float first: abs(int64 min) wraps
        if big.any():
            first = int(np.flatnonzero(big.to_numpy())[0])
            _fail(csv_path, big, column, f"{text.iloc[first]!r} is out of range (integers must lie "
                                         f"between -{MAX_INTEGER} and {MAX_INTEGER})")
    return values.astype(np.int64) if integer else values.astype(np.float64)


def _validated(frame: pd.DataFrame, csv_path: Path) -> pd.DataFrame:
    import pandas as pd
    names = frame["slice_file_name"].str.strip()
    _fail(csv_path, names.eq(""), "slice_file_name", "the file name is empty")
    dup = names.duplicated(keep="first")
    if dup.any():
        first = int(np.flatnonzero(dup.to_numpy())[0])
        earlier = int(np.flatnonzero(names.eq(names.iloc[first]).to_numpy())[0])
        _fail(csv_path, dup, "slice_file_name",
              f"{names.iloc[first]!r} already appears in row {earlier + 1} (line {earlier + 2})")

    fs_id = _numbers(frame, csv_path, "fsID", integer=True)
    start = _numbers(frame, csv_path, "start", integer=False)
    end = _numbers(frame, csv_path, "end", integer=False)
    _fail(csv_path, start.lt(0), "start", "the start time is negative")
    _fail(csv_path, end.lt(start), "end", "the end time is before the start time")
    salience = _numbers(frame, csv_path, "salience", integer=True)
    _fail(csv_path, ~salience.isin([1, 2]), "salience",
          "salience must be 1 (foreground) or 2 (background)")
    fold = _numbers(frame, csv_path, "fold", integer=True)
    _fail(csv_path, ~fold.isin(FOLDS), "fold", "fold must be between 1 and 10")
    class_id = _numbers(frame, csv_path, "classID", integer=True)
    _fail(csv_path, ~class_id.isin(range(len(CLASS_NAMES))), "classID", "classID must be between 0 and 9")
    classes = frame["class"].str.strip()
    unknown = ~classes.isin(CLASS_NAMES)
    if unknown.any():
        first = int(np.flatnonzero(unknown.to_numpy())[0])
        _fail(csv_path, unknown, "class", f"unknown class {classes.iloc[first]!r}; UrbanSound8K's "
                                          f"classes are {', '.join(CLASS_NAMES)}")
    expected = class_id.map(lambda i: CLASS_NAMES[i])
    mismatch = expected.ne(classes)
    if mismatch.any():
        first = int(np.flatnonzero(mismatch.to_numpy())[0])
        _fail(csv_path, mismatch, "class",
              f"classID {class_id.iloc[first]} is {expected.iloc[first]!r} in UrbanSound8K, "
              f"but this row says {classes.iloc[first]!r}")

    return pd.DataFrame({
        "slice_file_name": names,
        "fsID": fs_id,
        "start": start,
        "end": end,
        "salience": salience.astype(np.int8),
        "fold": fold.astype(np.int8),
        "classID": class_id.astype(np.int8),
        "class": pd.Categorical(classes, categories=CLASS_NAMES),
        "duration": end - start,
        "salience_name": salience.map(SALIENCE_NAMES),
        "path": "",
        "available": False,
    }).reset_index(drop=True)
