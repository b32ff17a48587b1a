"""Small real datasets cut from the 22 kHz UrbanSound8K copy, for tests that need every class."""

from __future__ import annotations

from pathlib import Path

from audioscope.core.dataset import Dataset, load_dataset


def clips_per_class_and_fold(root: Path, n: int) -> Dataset:
    """The first ``n`` available clips of each class in each fold of ``root``, as a Dataset."""
    full = load_dataset(root)
    table = full.table[full.table["available"]]
    subset = table.groupby(["fold", "class"], observed=True).head(n).reset_index(drop=True)
    assert len(subset) == n * 10 * subset["fold"].nunique()
    return Dataset(root=full.root, table=subset)
