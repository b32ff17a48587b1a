"""One key for "these clips, unchanged on disk": what the gallery and the map cache their
results under, so an unchanged dataset reopens without reading its audio."""

from __future__ import annotations

import hashlib
import os
from typing import TYPE_CHECKING

import numpy as np

from audioscope.core.store.cache import FeatureCache

if TYPE_CHECKING:                  # imported where used: the window paints before pandas loads
    import pandas as pd


def clips_state_key(clips: pd.DataFrame, params_key: str, kind: str) -> str | None:
    """A cache key from each clip's metadata (name, fold, class, salience), its file's path,
    size and modification time, and ``params_key``; None if a file cannot be stat'ed. Hashing
    the audio of 8732 files would cost seconds on every opening."""
    digest = hashlib.blake2b(digest_size=20)
    columns = zip(clips["slice_file_name"], clips["fold"], clips["classID"], clips["salience"], clips["path"])
    try:
        for name, fold, class_id, salience, path in columns:
            st = os.stat(path)
            digest.update(f"{name}\0{fold}\0{class_id}\0{salience}\0{path}\0{st.st_size}\0"
                          f"{st.st_mtime_ns}\n".encode())
    except OSError:
        return None
    return FeatureCache.key(digest.hexdigest(), params_key, kind=kind)


def complete_rows(vectors: np.ndarray) -> np.ndarray:
    """True for each row whose vector was computed (no NaN: unreadable files give NaN rows)."""
    vectors = np.asarray(vectors)
    if not vectors.shape[1]:
        return np.zeros(len(vectors), dtype=bool)
    return ~np.isnan(vectors).any(axis=1)
