"""Writing what the explorer shows to files: the filtered table (CSV) and the features of
chosen clips (CSV or NPZ). Files are written to a temporary name first and then renamed, so
a failed export never leaves a half-written file under the chosen name.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from audioscope.core.batch.extraction import Extraction, ExtractionError, write_feature_file
from audioscope.core.batch.vectors import extract_vectors
from audioscope.core.dataset.write_guard import refusal_to_write
from audioscope.core.model.recipes import DEFAULT_RECIPE
from audioscope.core.signal.audio import AudioLoadError
from audioscope.core.signal.features import FeatureParams
from audioscope.core.store import atomic_file
from audioscope.core.store.cache import FeatureCache
from audioscope.core.store.cached_analysis import analyse_file

if TYPE_CHECKING:                  # imported where used: the window paints before pandas loads
    import pandas as pd

# The official metadata columns, then what audioscope adds.
TABLE_COLUMNS = ("slice_file_name", "fsID", "start", "end", "salience", "fold", "classID", "class",
                 "duration", "available", "path", "predicted", "confidence", "correct")


class ExportError(Exception):
    """The export could not be written; the message names the file and the reason."""


@contextlib.contextmanager
def atomic_path(out: Path) -> Iterator[Path]:
    """``core.store.atomic_file.atomic_path``, with failures reported as ExportError."""
    try:
        with atomic_file.atomic_path(out) as tmp:
            yield tmp
    except OSError as exc:
        raise ExportError(f"{out}: cannot be written ({exc.strerror or exc})") from None


def refuse_inside(out: Path, dataset_root: Path | None) -> None:
    """ExportError if ``out`` lies inside the open dataset's folder: audioscope never writes there."""
    refusal = refusal_to_write(out, dataset_root)
    if refusal is not None:
        raise ExportError(refusal)


def write_table_csv(table: pd.DataFrame, out: Path) -> int:
    """The rows of ``table`` (as shown: filtered and sorted) with the metadata columns; returns
    the number of rows written."""
    columns = [c for c in TABLE_COLUMNS if c in table.columns]
    with atomic_path(out) as tmp:
        table[columns].to_csv(tmp, index=False)
    return len(table)


def export_clip_features(rows: pd.DataFrame, out: Path, cache: FeatureCache | None = None,
                         params: FeatureParams = FeatureParams(),
                         progress: Callable[[int, int], None] | None = None, cache_from_s: float = 0.0) -> list[str]:
    """Features of the clips in ``rows`` (dataset rows with a ``path``) to ``out``:

    * ``.csv``: one row per clip, metadata then the clip-vector values (v000 …) of the
      default recipe (``core.model.recipes``: the 3072 embedding values);
    * ``.npz``: the same vectors and metadata, plus each clip's mel dB spectrogram and MFCCs
      (``mel_db_<i>``, ``mfcc_<i>``, in row order) and the feature parameters.

    Clips shorter than ``cache_from_s`` bypass the feature cache (the window's policy).
    Returns the messages of clips that could not be read (their vector row is NaN).
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".npz"):
        raise ExportError(f"{out}: features are exported as .csv or .npz")
    rows = rows.reset_index(drop=True)
    if suffix == ".csv":
        vectors, errors = extract_vectors(rows["path"].tolist(), params, jobs=1, cache=cache,
                                          progress=progress)
        try:
            write_feature_file(Extraction(rows, vectors, errors, 0, 0.0, params), out)
        except ExtractionError as exc:
            raise ExportError(str(exc)) from None
        return errors
    # .npz: one pass gives each clip's vector and the spectrograms drawn for it
    recipe = DEFAULT_RECIPE
    vectors = np.full((len(rows), recipe.vector_length), np.nan)
    arrays: dict[str, np.ndarray] = {}
    errors = []
    for i, path in enumerate(rows["path"]):
        try:
            analysis = analyse_file(path, params, cache, keep_samples=False, cache_from_s=cache_from_s)
        except AudioLoadError as exc:
            errors.append(str(exc))
        else:
            features = analysis.features
            vectors[i] = recipe.vectors([analysis.clip.signal], params.sample_rate)[0]
            arrays[f"mel_db_{i}"], arrays[f"mfcc_{i}"] = features.mel_db, features.mfcc
        if progress is not None:
            progress(i + 1, len(rows))
    arrays.update({
        "vectors": vectors, "slice_file_name": np.array(rows["slice_file_name"].tolist(), dtype=str),
        "fold": rows["fold"].to_numpy(dtype=np.int64), "class": np.array(rows["class"].astype(str).tolist(), dtype=str),
        "recipe": np.array(recipe.version), "feature_params": np.array(params.key())})
    with atomic_path(out) as tmp, open(tmp, "wb") as f:
        np.savez_compressed(f, **arrays)
    return errors
