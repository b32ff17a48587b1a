"""Which clips of a dataset table to show: class, fold, salience, availability, free text, an
explicit set of clips (e.g. one cell of the model's confusion matrix), and — given a model's
predictions aligned to the table — correct or misclassified clips and a confidence range.

A ``ClipFilter`` is an immutable value; ``mask`` turns it into a boolean array over a
``Dataset.table`` with whole-column numpy operations (a few milliseconds for 8732 rows).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:                  # imported where used: the window paints before pandas loads
    import pandas as pd

SALIENCE_VALUES = (1, 2)  # 1 = foreground, 2 = background
_INTEGER_CHARS = frozenset("-0123456789")


@dataclass(frozen=True)
class ClipFilter:
    """Criteria a clip must meet to be shown; an empty set or ``None`` means "any".

    ``text`` is matched case-insensitively as a substring of the file name, the class name
    or the fsID; surrounding whitespace is ignored. ``names`` is a set of slice_file_names
    (empty = any) and ``names_label`` says in words where it came from, e.g.
    ``"true siren → predicted children playing"``.
    """

    classes: frozenset[str] = frozenset()
    folds: frozenset[int] = frozenset()
    salience: int | None = None
    availability: bool | None = None
    text: str = ""
    names: frozenset[str] = frozenset()
    names_label: str = ""
    correct: bool | None = None                     # True: correct only, False: misclassified only
    confidence: tuple[float, float] | None = None   # (low, high), both included, 0 … 1

    def __post_init__(self) -> None:
        # accept any iterable (lists, sets, generators) and normalise to frozensets
        object.__setattr__(self, "classes", frozenset(str(c) for c in self.classes))
        object.__setattr__(self, "folds", frozenset(int(f) for f in self.folds))
        if self.salience is not None and self.salience not in SALIENCE_VALUES:
            raise ValueError(f"salience must be None, 1 (foreground) or 2 (background), "
                             f"not {self.salience!r}")
        if self.availability is not None and not isinstance(self.availability, (bool, np.bool_)):
            raise ValueError(f"availability must be None, True or False, not {self.availability!r}")
        if self.availability is not None:
            object.__setattr__(self, "availability", bool(self.availability))
        object.__setattr__(self, "text", str(self.text))
        if isinstance(self.names, str):
            raise TypeError("names must be a collection of file names, not one string")
        object.__setattr__(self, "names", frozenset(str(n) for n in self.names))
        object.__setattr__(self, "names_label", str(self.names_label) if self.names else "")
        if self.correct is not None:
            object.__setattr__(self, "correct", bool(self.correct))
        if self.confidence is not None:
            low, high = (float(v) for v in self.confidence)
            if not 0.0 <= low <= high <= 1.0:
                raise ValueError(f"confidence must be (low, high), 0 <= low <= high <= 1, "
                                 f"not {self.confidence!r}")
            object.__setattr__(self, "confidence", None if (low, high) == (0.0, 1.0) else (low, high))

    @property
    def is_active(self) -> bool:
        """True when the filter hides anything at all."""
        return bool(self.classes or self.folds or self.salience is not None
                    or self.availability is not None or self.needle or self.names
                    or self.uses_predictions)

    @property
    def uses_predictions(self) -> bool:
        """True when the filter needs a model's predictions (clips without one are hidden)."""
        return self.correct is not None or self.confidence is not None

    @property
    def needle(self) -> str:
        """The text criterion as it is matched: stripped and case-folded."""
        return self.text.strip().casefold()

    def with_cell(self, class_name: str, fold: int) -> ClipFilter:
        """This filter restricted to one class and one fold; other criteria are kept."""
        return replace(self, classes=frozenset({class_name}), folds=frozenset({int(fold)}))

    def describe_names(self) -> str:
        """``"17 clips: true siren → predicted dog bark"``, or "" without a names criterion."""
        if not self.names:
            return ""
        count = f"{len(self.names)} clip{'s' if len(self.names) != 1 else ''}"
        return f"{count}: {self.names_label}" if self.names_label else f"{count} chosen"

    def describe(self) -> str:
        """A short human-readable summary, e.g. ``siren · fold 2 · "dog"``."""
        parts = []
        if self.classes:
            parts.append(", ".join(sorted(self.classes)))
        if self.folds:
            word = "fold" if len(self.folds) == 1 else "folds"
            parts.append(f"{word} {', '.join(str(f) for f in sorted(self.folds))}")
        if self.salience is not None:
            parts.append("foreground" if self.salience == 1 else "background")
        if self.availability is not None:
            parts.append("on disk" if self.availability else "missing")
        if self.needle:
            parts.append(f'"{self.text.strip()}"')
        if self.names:
            parts.append(self.describe_names())
        if self.correct is not None:
            parts.append("correct" if self.correct else "misclassified")
        if self.confidence is not None:
            low, high = self.confidence
            parts.append(f"confidence {low:.0%}–{high:.0%}")
        return " · ".join(parts) if parts else "all clips"

    def mask(self, table: pd.DataFrame, predictions: pd.DataFrame | None = None) -> np.ndarray:
        """Boolean array, one entry per row of ``table`` (positional), True = shown.
        ``predictions``: a model's, aligned to ``table`` (``ModelPredictions.aligned``)."""
        keep = np.ones(len(table), dtype=bool)
        if self.uses_predictions:
            keep &= self._prediction_mask(len(table), predictions)
        if self.classes:
            keep &= _class_mask(table["class"], self.classes)
        if self.folds:
            keep &= np.isin(table["fold"].to_numpy(), np.fromiter(self.folds, dtype=np.int64))
        if self.salience is not None:
            keep &= table["salience"].to_numpy() == self.salience
        if self.availability is not None:
            keep &= table["available"].to_numpy(dtype=bool) == self.availability
        if self.names:
            keep &= table["slice_file_name"].isin(self.names).to_numpy(dtype=bool)
        needle = self.needle
        if needle:
            rows = np.flatnonzero(keep)  # match text only where the other criteria passed
            keep[rows] = _text_mask(table, needle, rows)
        return keep

    def _prediction_mask(self, n: int, predictions: pd.DataFrame | None) -> np.ndarray:
        if predictions is None:
            return np.zeros(n, dtype=bool)         # no model: no clip is correct or wrong
        keep = predictions["predicted"].to_numpy(dtype=object) != ""
        if self.correct is not None:
            keep &= predictions["correct"].to_numpy(dtype=bool) == self.correct
        if self.confidence is not None:
            confidence = predictions["confidence"].to_numpy(dtype=float)
            low, high = self.confidence
            keep &= (confidence >= low) & (confidence <= high)    # NaN (not given): never
        return keep


def _class_mask(column: pd.Series, classes: frozenset[str]) -> np.ndarray:
    import pandas as pd
    if isinstance(column.dtype, pd.CategoricalDtype):
        wanted = np.array([str(c) in classes for c in column.cat.categories] + [False])
        return wanted[column.cat.codes.to_numpy()]  # code −1 (missing) picks the final False
    return column.astype(str).isin(classes).to_numpy()


def _text_mask(table: pd.DataFrame, needle: str, rows: np.ndarray) -> np.ndarray:
    """Substring hits of ``needle`` (already case-folded) in the given positional rows."""
    import pandas as pd
    names = table["slice_file_name"].to_numpy(dtype=object)[rows]
    hits = np.fromiter((needle in name.casefold() for name in names), dtype=bool, count=len(rows))
    classes = table["class"]
    if isinstance(classes.dtype, pd.CategoricalDtype):
        # ten categories instead of thousands of strings
        category_hits = np.array([needle in str(c).casefold() for c in classes.cat.categories]
                                 + [False])
        hits |= category_hits[classes.cat.codes.to_numpy()[rows]]
    else:
        values = classes.to_numpy(dtype=object)[rows]
        hits |= np.fromiter((needle in str(v).casefold() for v in values), dtype=bool,
                            count=len(rows))
    if set(needle) <= _INTEGER_CHARS:  # only digits (or a minus) can occur in an fsID's text
        ids, position = np.unique(table["fsID"].to_numpy()[rows], return_inverse=True)
        id_hits = np.fromiter((needle in str(i) for i in ids.tolist()), dtype=bool,
                              count=len(ids))
        hits |= id_hits[position.reshape(-1)]
    return hits
