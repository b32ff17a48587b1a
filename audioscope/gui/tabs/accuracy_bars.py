"""Accuracy per fold and their mean as bars, each fold's macro-F1 beside it, and the tutorial
baseline's accuracies when the training run measured them."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QSizePolicy, QWidget

from audioscope.core.model.evaluation import Evaluation

MODEL_COLOUR, MEAN_COLOUR, BASELINE_COLOUR = "#58a6ff", "#2f7fd8", "#a0a0a0"
BAR_STEPS = 1000
MIN_BAR_WIDTH = 40                  # bars give way first when the window is narrow (1024 px)
_BAR_STYLE = ("QProgressBar {{ border: none; border-radius: 3px; background: rgba(128, 128, 128, 40); }}"
              "QProgressBar::chunk {{ border-radius: 3px; background: {colour}; }}")


def percent(fraction: float) -> str:
    return f"{fraction * 100:.1f} %"


class AccuracyBars(QWidget):
    """``values[(row name, "model" | "macro_f1" | "baseline")]`` is the label showing that number."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(8)
        self.grid.setVerticalSpacing(4)
        self.values: dict[tuple[str, str], QLabel] = {}

    def show_evaluation(self, evaluation: Evaluation, title: str, macro_f1: dict[str, float]) -> None:
        """``macro_f1``: per fold number as text, and ``"mean"`` for the mean of the folds."""
        while self.grid.count():
            widget = self.grid.takeAt(0).widget()
            widget.hide()                # not drawn until it is deleted, on the next loop
            widget.deleteLater()
        self.values.clear()
        baseline = evaluation.baseline
        self.grid.addWidget(QLabel(f"<b>{title}</b>", wordWrap=True), 0, 1, 1, 2)   # wraps in a small window
        self.grid.addWidget(QLabel("<b>macro-F1</b>", toolTip="unweighted mean of the per-class F1"), 0, 3)
        if baseline is not None:
            self.grid.addWidget(QLabel(f"<b>{baseline.label}, same clips and folds</b>", wordWrap=True),
                                0, 4, 1, 2)
        rows = [(f"Fold {f}", f"({evaluation.fold_counts[f]} clips)", evaluation.fold_accuracy[f],
                 macro_f1.get(str(f)), baseline.fold_accuracy.get(f) if baseline else None)
                for f in evaluation.folds]
        rows.append(("Mean of folds", f"± {evaluation.std_accuracy * 100:.1f}", evaluation.mean_accuracy,
                     macro_f1.get("mean"), baseline.mean_accuracy if baseline else None))
        for r, (name, note, value, f1, base) in enumerate(rows, start=1):
            mean = r == len(rows)
            self.grid.addWidget(QLabel(f"<b>{name}</b>" if mean else name), r, 0)
            self._bar(r, 1, name, "model", value, MEAN_COLOUR if mean else MODEL_COLOUR, note)
            f1_label = QLabel("—" if f1 is None else f"{f1:.3f}")
            self.grid.addWidget(f1_label, r, 3)
            self.values[(name, "macro_f1")] = f1_label
            if baseline is not None:
                self._bar(r, 4, name, "baseline", base, BASELINE_COLOUR, "")
        for column in (1, 4):
            self.grid.setColumnStretch(column, 1)

    def _bar(self, row: int, column: int, name: str, kind: str, value: float | None, colour: str,
             note: str) -> None:
        bar = QProgressBar(minimum=0, maximum=BAR_STEPS, textVisible=False)
        bar.setFixedHeight(14)
        bar.setMinimumWidth(MIN_BAR_WIDTH)
        bar.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        bar.setStyleSheet(_BAR_STYLE.format(colour=colour))
        bar.setValue(round((value or 0.0) * BAR_STEPS))
        text = "—" if value is None else f"{percent(value)}  {note}".rstrip()
        label = QLabel(text)
        tip = f"{name}: accuracy {text}" if value is not None else f"{name}: not measured"
        bar.setToolTip(tip)
        label.setToolTip(tip)
        self.grid.addWidget(bar, row, column)
        self.grid.addWidget(label, row, column + 1)
        self.values[(name, kind)] = label
