"""The one rule for every file audioscope writes: never inside the dataset folder."""

from __future__ import annotations

from pathlib import Path


def refusal_to_write(out: str | Path, dataset_root: str | Path | None, choose: str = "another place",
                     folder: bool = False) -> str | None:
    """Why ``out`` may not be written, or None. It may not lie inside ``dataset_root``; a
    ``folder`` that is replaced as a whole may not contain it either."""
    if dataset_root is None:
        return None
    out = Path(out).expanduser().resolve()
    root = Path(dataset_root).resolve()
    if out.is_relative_to(root):
        return f"{out}: refusing to write inside the dataset folder {root}; choose {choose}"
    if folder and root.is_relative_to(out):
        return f"{out}: refusing to write there, it contains the dataset folder {root}; choose {choose}"
    return None
