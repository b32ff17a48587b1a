"""Where the tests find real UrbanSound8K audio, and small real datasets cut from it.

A plain module (not a conftest), so test modules can import it whatever else is collected.
"""

from __future__ import annotations

import os
from pathlib import Path

from audioscope.core.dataset.metadata import Dataset, load_dataset

REPO = Path(__file__).resolve().parents[1]
US8K = Path(os.environ.get("AUDIOSCOPE_US8K", REPO.parent / "shared" / "us8k")).resolve()
ORIGINALS = US8K / "UrbanSound8K"
FLAC_22K = US8K / "UrbanSound8K-22k"


def clips_per_class_and_fold(root: Path, n: int) -> Dataset:
    """The first ``n`` available clips of each class in each fold of ``root``, as a Dataset."""
    full = load_dataset(root)
    table = full.table[full.table["available"]]
    subset = table.groupby(["fold", "class"], observed=True).head(n).reset_index(drop=True)
    assert len(subset) == n * 10 * subset["fold"].nunique()
    return Dataset(root=full.root, table=subset)


def copy_small_dataset(source: Path, destination: Path, n: int = 2) -> Path:
    """A real UrbanSound8K folder at ``destination``: the first ``n`` available clips of each
    class in each fold of ``source``, copied (not linked), with their metadata rows."""
    import shutil

    import pandas as pd

    subset = clips_per_class_and_fold(source, n).table
    rows = pd.read_csv(source / "metadata" / "UrbanSound8K.csv")
    (destination / "metadata").mkdir(parents=True)
    rows[rows["slice_file_name"].isin(subset["slice_file_name"])].to_csv(
        destination / "metadata" / "UrbanSound8K.csv", index=False)
    for path in subset["path"]:
        folder = destination / "audio" / Path(path).parent.name
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, folder / Path(path).name)
    return destination
