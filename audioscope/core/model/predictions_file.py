"""A model's predictions from any framework, read from a file and checked against the metadata.

One row per clip, named by ``slice_file_name``, with either ``predicted`` (a class name or a
classID) or one probability column per class name (``air_conditioner`` … ``street_music``),
or both. CSV always; Parquet when pyarrow is installed. The clip's true class and fold come
from the dataset's metadata, so clips whose audio is not on disk are evaluated too. Anything
wrong (an unknown clip, a clip listed twice, an unknown class, a probability that is not a
number or is negative) refuses the whole file with a message naming the file, the line and
the column: nothing is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from audioscope.core.dataset.metadata import CLASS_NAMES

if TYPE_CHECKING:                  # imported where used: the window paints before pandas loads
    import pandas as pd

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")


class PredictionsFileError(ValueError):
    """The file cannot be used; the message names the file, the line and the column."""


@dataclass(frozen=True, eq=False)
class ModelPredictions:
    """``table``: slice_file_name, fold, true, predicted (class names), confidence (the
    predicted class's probability; NaN when the file gave none), one row per predicted clip
    in the file's order; ``probabilities`` (n, 10) in CLASS_NAMES order when the file gave
    them; ``missing``: metadata clips the file has no prediction for. A model bundle's
    out-of-fold predictions also carry its folder (``bundle_dir``), a ``title`` naming its
    model and the tutorial ``baseline`` its training measured (``evaluation.Baseline``)."""

    name: str
    source: Path | None
    table: pd.DataFrame
    probabilities: np.ndarray | None
    missing: int
    bundle_dir: Path | None = None
    title: str = ""
    baseline: object | None = None

    @property
    def display_name(self) -> str:
        """What a selector or a header calls the model."""
        return self.title or self.name

    def aligned(self, table: pd.DataFrame) -> pd.DataFrame:
        """One row per row of the dataset ``table`` (positional): predicted ("" for none),
        confidence (NaN for none), correct (False for none)."""
        import pandas as pd
        found = self.table.set_index("slice_file_name")
        names = table["slice_file_name"]
        predicted = names.map(found["predicted"]).fillna("").to_numpy(dtype=object)
        confidence = names.map(found["confidence"]).to_numpy(dtype=float)
        correct = (predicted == table["class"].astype(str).to_numpy(dtype=object)) & (predicted != "")
        return pd.DataFrame({"predicted": predicted, "confidence": confidence, "correct": correct})


def read_predictions(path: str | Path, metadata: pd.DataFrame, name: str | None = None) -> ModelPredictions:
    """The predictions in ``path`` of the clips of ``metadata`` (a dataset table), or
    PredictionsFileError."""
    import pandas as pd
    path = Path(path)
    frame, line_of = _read_table(path)
    frame.columns = [str(c).strip() for c in frame.columns]
    twice = frame.columns[frame.columns.duplicated()]
    if len(twice):
        raise PredictionsFileError(f"{path}: column {twice[0]!r} appears twice in the header")

    def where(row: int, column: str | None = None) -> str:
        return f"{path}: {line_of(row)}" + (f", column {column!r}" if column else "")

    if "slice_file_name" not in frame.columns:
        raise PredictionsFileError(f"{path}: no 'slice_file_name' column (found: {', '.join(frame.columns)})")
    has_probabilities = all(c in frame.columns for c in CLASS_NAMES)
    if "predicted" not in frame.columns and not has_probabilities:
        absent = [c for c in CLASS_NAMES if c not in frame.columns]
        raise PredictionsFileError(f"{path}: needs a 'predicted' column or one probability column per "
                                   f"class (missing: {', '.join(absent)})")
    if frame.empty:
        raise PredictionsFileError(f"{path}: holds no predictions")
    names = frame["slice_file_name"].astype(str).str.strip()
    rows = pd.Series(np.arange(len(metadata)), index=metadata["slice_file_name"].to_numpy())
    unknown = np.flatnonzero(~names.isin(rows.index).to_numpy())
    if unknown.size:
        i = int(unknown[0])
        raise PredictionsFileError(f"{where(i, 'slice_file_name')}: {names.iloc[i]!r} is not a clip of the "
                                   f"dataset's metadata")
    twice = np.flatnonzero(names.duplicated().to_numpy())
    if twice.size:
        i = int(twice[0])
        raise PredictionsFileError(f"{where(i, 'slice_file_name')}: {names.iloc[i]!r} is listed twice")
    probabilities = _probabilities(frame, where) if has_probabilities else None
    if "predicted" in frame.columns:
        predicted = _class_names(frame["predicted"], lambda i: where(i, "predicted"))
    else:
        predicted = np.array(CLASS_NAMES, dtype=object)[probabilities.argmax(axis=1)]
    meta = metadata.iloc[rows[names].to_numpy()]
    confidence = (probabilities[np.arange(len(names)), [CLASS_NAMES.index(p) for p in predicted]]
                  if probabilities is not None else np.full(len(names), np.nan))
    table = pd.DataFrame({"slice_file_name": names.to_numpy(dtype=object),
                          "fold": meta["fold"].to_numpy(dtype=np.int64),
                          "true": meta["class"].astype(str).to_numpy(dtype=object),
                          "predicted": predicted,
                          "confidence": confidence})
    return ModelPredictions(name or path.name, path, table, probabilities, len(metadata) - len(table))


def _read_table(path: Path):
    """(frame of text cells, line_of(row index) -> "line N" / "row N")."""
    import pandas as pd
    suffix = path.suffix.lower()
    try:
        if suffix in PARQUET_SUFFIXES:
            try:
                import pyarrow  # noqa: F401 (pandas' Parquet engine)
            except ImportError:
                raise PredictionsFileError(f"{path}: reading Parquet needs pyarrow (pip install pyarrow); "
                                           f"or save the predictions as CSV") from None
            frame = pd.read_parquet(path)
            return frame, lambda i: f"row {i + 1}"
        separator = "\t" if suffix == ".tsv" else ","
        # header=None: the header line fixes the number of fields, so a longer row (a trailing
        # comma, a stray value) is refused naming its line; blank lines are kept while reading
        # so that a row's position gives its line, then dropped
        frame = pd.read_csv(path, sep=separator, header=None, dtype=str, keep_default_na=False,
                            encoding="utf-8", skip_blank_lines=False, index_col=False)
    except PredictionsFileError:
        raise
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).strip()
        raise PredictionsFileError(f"{path}: cannot be read as a table ({reason})") from None
    header = [str(c) for c in frame.iloc[0]]
    frame = frame.iloc[1:].set_axis(header, axis=1)
    frame = frame[~(frame == "").all(axis=1)]
    lines = frame.index.to_numpy() + 1          # row 0 was the header, line 1
    return frame, lambda i: f"line {lines[i]}"


def _class_names(column: pd.Series, where) -> np.ndarray:
    """Class names from names or classIDs (0-9)."""
    text = column.astype(str).str.strip()
    by_id = {str(i): name for i, name in enumerate(CLASS_NAMES)}
    names = text.map(lambda v: v if v in CLASS_NAMES else by_id.get(v.removesuffix(".0")))
    bad = np.flatnonzero(names.isna().to_numpy())
    if bad.size:
        i = int(bad[0])
        raise PredictionsFileError(f"{where(i)}: {text.iloc[i]!r} is neither an UrbanSound8K class name "
                                   f"nor a classID from 0 to 9")
    return names.to_numpy(dtype=object)


def _probabilities(frame: pd.DataFrame, where) -> np.ndarray:
    import pandas as pd
    values = np.empty((len(frame), len(CLASS_NAMES)))
    for j, name in enumerate(CLASS_NAMES):
        column = pd.to_numeric(frame[name].astype(str).str.strip(), errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(column))
        if bad.size:
            i = int(bad[0])
            raise PredictionsFileError(f"{where(i, name)}: {frame[name].iloc[i]!r} is not a number")
        negative = np.flatnonzero(column < 0)
        if negative.size:
            i = int(negative[0])
            raise PredictionsFileError(f"{where(i, name)}: {column[i]:g} is negative (a probability is not)")
        values[:, j] = column
    totals = values.sum(axis=1)
    empty = np.flatnonzero(totals <= 0)
    if empty.size:
        i = int(empty[0])
        raise PredictionsFileError(f"{where(i)}: every probability is 0")
    return values / totals[:, None]          # scores that do not sum to 1 are normalised

