"""The bundled model's leave-one-fold-out results: accuracy per fold and a clickable confusion matrix.

Clicking a matrix cell emits a ``ClipFilter`` naming exactly the clips of that cell (true class
X predicted as Y by the model that never saw their fold), ready for the clip table's filter bar.
The predictions are read on first show (a 110 kB csv, a few milliseconds).
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from audioscope.core.dataset.clip_filter import ClipFilter
from audioscope.core.dataset.metadata import CLASS_NAMES, Dataset, readable_class
from audioscope.core.model.evaluation import Evaluation, EvaluationError, load_evaluation
from audioscope.gui.browser.fold_overview import cell_text

CELL_ROLE = Qt.ItemDataRole.UserRole + 1  # (true class, predicted class) of a matrix cell
MODEL_COLOUR, MEAN_COLOUR, BASELINE_COLOUR = "#58a6ff", "#2f7fd8", "#a0a0a0"
BAR_STEPS = 1000
_BAR_STYLE = ("QProgressBar {{ border: none; border-radius: 3px; background: rgba(128, 128, 128, 40); }}"
              "QProgressBar::chunk {{ border-radius: 3px; background: {colour}; }}")
# light ramps with dark text, readable in light and dark themes: green = right, red = confused
_RIGHT_RAMP = (np.array([236, 248, 239]), np.array([105, 190, 125]))
_WRONG_RAMP = (np.array([255, 243, 236]), np.array([236, 120, 96]))
_ZERO_BACKGROUND = QBrush(QColor(250, 250, 250))
_TEXT, _TEXT_NONE_ON_DISK = QBrush(QColor(20, 20, 20)), QBrush(QColor(110, 110, 110))
_TEXT_ZERO = QBrush(QColor(150, 150, 150))


def percent(fraction: float) -> str:
    return f"{fraction * 100:.1f} %"


def folds_text(folds: tuple[int, ...]) -> str:
    """``(1, 2)`` → ``"folds 1–2"``; ``(3,)`` → ``"fold 3"``; gaps are listed."""
    if len(folds) == 1:
        return f"fold {folds[0]}"
    if folds == tuple(range(folds[0], folds[-1] + 1)):
        return f"folds {folds[0]}–{folds[-1]}"
    return "folds " + ", ".join(map(str, folds))


def cell_label(true_class: str, predicted: str, folds: tuple[int, ...] | None = None) -> str:
    """``"true siren → predicted dog bark"`` (plus ``", fold 1"`` for a single-fold matrix)."""
    label = f"true {readable_class(true_class)} → predicted {readable_class(predicted)}"
    return label + (f", {folds_text(folds)}" if folds else "")


class AccuracyBars(QWidget):
    """Accuracy per fold and their mean as bars; the tutorial baseline beside them when known."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(8)
        self.grid.setVerticalSpacing(4)
        self.values: dict[tuple[str, str], QLabel] = {}  # (row, "model" | "baseline") -> value

    def show_evaluation(self, evaluation: Evaluation) -> None:
        while self.grid.count():
            self.grid.takeAt(0).widget().deleteLater()
        self.values.clear()
        baseline = evaluation.baseline
        headers = [f"audioscope model ({evaluation.model_name or 'bundled'})"]
        if baseline is not None:
            headers.append(f"{baseline.label}, same clips and folds")
        for i, text in enumerate(headers):
            self.grid.addWidget(QLabel(f"<b>{text}</b>"), 0, 1 + 2 * i, 1, 2)
        rows = [(f"Fold {f}", f"({evaluation.fold_counts[f]} clips)", evaluation.fold_accuracy[f],
                 baseline.fold_accuracy.get(f) if baseline else None) for f in evaluation.folds]
        rows.append(("Mean of folds", f"± {evaluation.std_accuracy * 100:.1f}",
                     evaluation.mean_accuracy, baseline.mean_accuracy if baseline else None))
        for r, (name, note, value, base) in enumerate(rows, start=1):
            mean = r == len(rows)
            self.grid.addWidget(QLabel(f"<b>{name}</b>" if mean else name), r, 0)
            self._bar(r, 1, name, "model", value, MEAN_COLOUR if mean else MODEL_COLOUR, note)
            if baseline is not None:
                self._bar(r, 3, name, "baseline", base, BASELINE_COLOUR, "")
        for column in (1, 3):
            self.grid.setColumnStretch(column, 1)

    def _bar(self, row: int, column: int, name: str, kind: str, value: float | None, colour: str,
             note: str) -> None:
        bar = QProgressBar(minimum=0, maximum=BAR_STEPS, textVisible=False)
        bar.setFixedHeight(14)
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


class EvaluationView(QWidget):
    """Per-fold accuracy and the pooled (or one fold's) confusion matrix of the bundled model.

    ``cell_clicked(ClipFilter)`` carries ``names`` (the cell's slice_file_names) and
    ``names_label`` (e.g. "true siren → predicted dog bark"); empty cells emit nothing.
    """

    cell_clicked = Signal(object)

    def __init__(self, model_dir: str | Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model_dir = model_dir
        self._evaluation: Evaluation | None = None
        self._error = ""
        self._available: frozenset[str] | None = None  # file names on disk in the open dataset
        self._folds: tuple[int, ...] | None = None
        self.summary = QLabel(wordWrap=True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.bars = AccuracyBars()
        self.caption = QLabel("<b>Confusion matrix</b> — rows: true class, columns: predicted "
                              "class. Click a number to list those clips.", wordWrap=True)
        self.fold_combo = QComboBox(toolTip="Pool all folds, or show one fold's test clips")
        self.fold_combo.currentIndexChanged.connect(self._on_fold_chosen)
        self.table = self._build_table()
        caption_row = QHBoxLayout()
        caption_row.addWidget(self.caption, 1)
        caption_row.addWidget(self.fold_combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.summary)
        layout.addWidget(self.bars)
        layout.addSpacing(6)
        layout.addLayout(caption_row)
        layout.addWidget(self.table, 1)

    def _build_table(self) -> QTableWidget:
        table = QTableWidget(len(CLASS_NAMES), len(CLASS_NAMES))
        table.setHorizontalHeaderLabels([readable_class(n).replace(" ", "\n") for n in CLASS_NAMES])
        table.setVerticalHeaderLabels([readable_class(n) for n in CLASS_NAMES])
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        metrics = QFontMetrics(table.font())
        for header in (table.horizontalHeader(), table.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        table.horizontalHeader().setMinimumSectionSize(metrics.horizontalAdvance("conditioner") + 4)
        table.verticalHeader().setMinimumSectionSize(2 * metrics.lineSpacing() + 6)
        table.horizontalHeader().setToolTip("predicted class")
        table.verticalHeader().setToolTip("true class")
        table.cellClicked.connect(self._on_cell_clicked)
        return table

    # -- public API ---------------------------------------------------------------------
    @property
    def evaluation(self) -> Evaluation | None:
        """The loaded evaluation (loading it now if needed); None when it cannot be read."""
        self._ensure_loaded()
        return self._evaluation

    @property
    def error(self) -> str:
        self._ensure_loaded()
        return self._error

    def set_dataset(self, dataset: Dataset | None) -> None:
        """Count, per cell, the clips that are on disk in ``dataset`` (None: do not count)."""
        if dataset is None:
            self._available = None
        else:
            table = dataset.table
            self._available = frozenset(table.loc[table["available"].to_numpy(dtype=bool),
                                                  "slice_file_name"].astype(str))
        if self._evaluation is not None:
            self._fill()

    def item_for(self, true_class: str, predicted: str) -> QTableWidgetItem:
        self._ensure_loaded()
        return self.table.item(CLASS_NAMES.index(true_class), CLASS_NAMES.index(predicted))

    def cell_filter(self, true_class: str, predicted: str) -> ClipFilter:
        """The filter for one cell of the matrix as shown (pooled or one fold)."""
        names = self.evaluation.clips(true_class, predicted, self._folds) if self.evaluation else []
        return ClipFilter(names=names, names_label=cell_label(true_class, predicted, self._folds))

    # -- internals ----------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        self._ensure_loaded()
        super().showEvent(event)

    def _ensure_loaded(self) -> None:
        if self._evaluation is not None or self._error:
            return
        try:
            self._evaluation = load_evaluation(self._model_dir)
        except EvaluationError as exc:
            self._error = str(exc)
            self.summary.setText(f"<b>The model's evaluation cannot be shown.</b><br>"
                                 f"{html.escape(str(exc))}")
            for widget in (self.bars, self.caption, self.fold_combo, self.table):
                widget.hide()
            return
        self.bars.show_evaluation(self._evaluation)
        self.fold_combo.blockSignals(True)
        self.fold_combo.addItem("All folds", None)
        for fold in self._evaluation.folds:
            self.fold_combo.addItem(f"Fold {fold}", fold)
        self.fold_combo.blockSignals(False)
        self._fill()

    def _fill(self) -> None:
        evaluation = self._evaluation
        counts = evaluation.confusion_for(self._folds)
        on_disk = (evaluation.confusion_for(self._folds, self._available)
                   if self._available is not None else counts)
        for r, true_class in enumerate(CLASS_NAMES):
            row_total = max(int(counts[r].sum()), 1)
            for c, predicted in enumerate(CLASS_NAMES):
                count, disk = int(counts[r, c]), int(on_disk[r, c])
                item = QTableWidgetItem(cell_text(count, disk))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setData(CELL_ROLE, (true_class, predicted))
                share = count / row_total
                ramp = _RIGHT_RAMP if r == c else _WRONG_RAMP
                item.setBackground(QBrush(QColor(*_ramp(ramp, share if r == c else 2 * share)))
                                   if count else _ZERO_BACKGROUND)
                item.setForeground(_TEXT if disk else _TEXT_NONE_ON_DISK if count else _TEXT_ZERO)
                item.setToolTip(self._tip(true_class, predicted, count, share, disk))
                self.table.setItem(r, c, item)
        self.table.setCurrentCell(-1, -1)
        self._update_summary()

    def _tip(self, true_class: str, predicted: str, count: int, share: float, disk: int) -> str:
        tip = (f"true {readable_class(true_class)} predicted as {readable_class(predicted)}: "
               f"{count} clip{'' if count == 1 else 's'} ({share * 100:.1f} % of "
               f"{readable_class(true_class)})")
        if self._available is not None:
            tip += f", {disk} on disk"
        return tip + (" — click to list them" if count else "")

    def _update_summary(self) -> None:
        evaluation = self._evaluation
        whose = "Bundled model" if self._model_dir is None else f"Model in {self._model_dir}"
        text = (f"<b>{html.escape(whose)}, leave-one-fold-out:</b> each clip predicted by the model that "
                f"never saw its fold; {folds_text(evaluation.folds)}, {evaluation.n_clips} clips, "
                f"accuracy {percent(evaluation.accuracy)} over all of them.")
        if self._available is not None:
            on_disk = int(evaluation.table["slice_file_name"].isin(self._available).sum())
            text += f" {on_disk} of these clips are on disk in the open dataset."
        self.summary.setText(text)

    def _on_fold_chosen(self, _index: int) -> None:
        fold = self.fold_combo.currentData()
        self._folds = None if fold is None else (int(fold),)
        if self._evaluation is not None:
            self._fill()

    def _on_cell_clicked(self, row: int, column: int) -> None:
        true_class, predicted = self.table.item(row, column).data(CELL_ROLE)
        clip_filter = self.cell_filter(true_class, predicted)
        if clip_filter.names:
            self.cell_clicked.emit(clip_filter)


def _ramp(ramp: tuple[np.ndarray, np.ndarray], fraction: float) -> tuple[int, int, int]:
    low, high = ramp
    rgb = low + (high - low) * min(max(fraction, 0.0), 1.0)
    return tuple(int(round(v)) for v in rgb)
