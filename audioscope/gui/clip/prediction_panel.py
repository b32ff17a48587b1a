"""The classifier's verdict on one clip: a sentence, ten probability bars and which model spoke.

Bars are plain Qt widgets (a name, a QProgressBar, a percentage and a tag per row), sorted
highest first. The clip's true class, when known, gets a bar of its own colour and a
"true class" tag, so a wrong prediction shows at a glance how far down the truth was.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from audioscope.core.dataset.metadata import CLASS_NAMES, readable_class
from audioscope.core.model.classifier import Prediction
from audioscope.gui.clip.clip_header import ClipHeader

BAR_STEPS = 1000                      # progress bar resolution: 0.1 %
BAR_COLOUR = "#58a6ff"                # the waveform's blue
TRUE_CLASS_COLOUR = "#e8912d"         # amber: readable on light and dark themes
CORRECT_COLOUR = "#2e9e4f"
WRONG_COLOUR = "#d64545"
TRUE_TAG = "true class"
UNFAMILIAR_TEXT = "unlike any training clip: this prediction means little"
COMPACT_ROWS = 3                      # classes shown when the window is short of height
MIN_BAR_WIDTH = 40                    # the bars give way first in a narrow pane
_BAR_STYLE = ("QProgressBar {{ border: none; border-radius: 3px; background: rgba(128, 128, 128, 45); }}"
              "QProgressBar::chunk {{ border-radius: 3px; background: {colour}; }}")


def percent(probability: float) -> str:
    """``0.834`` → ``"83 %"``; a small but non-zero probability reads ``"<1 %"``."""
    if 0 < probability < 0.005:
        return "<1 %"
    return f"{probability * 100:.0f} %"


def _nowrap(text: str) -> str:
    """HTML-escaped ``text`` that a word-wrapping label keeps on one line."""
    return html.escape(text).replace(" ", "&nbsp;")


def _mute(label: QLabel) -> None:
    """Draw ``label`` in a colour between text and background (readable in any theme)."""
    palette = label.palette()
    text, window = palette.color(QPalette.ColorRole.WindowText), palette.color(QPalette.ColorRole.Window)
    mixed = QColor.fromRgbF(*(0.65 * a + 0.35 * b for a, b in zip(text.getRgbF()[:3], window.getRgbF()[:3])))
    palette.setColor(QPalette.ColorRole.WindowText, mixed)
    label.setPalette(palette)


class _BarRow:
    """The widgets of one class's row in the grid."""

    def __init__(self, grid: QGridLayout, row: int, small: QFont) -> None:
        self.name = QLabel()
        self.bar = QProgressBar(minimum=0, maximum=BAR_STEPS, textVisible=False)
        self.bar.setFixedHeight(12)
        self.bar.setMinimumWidth(MIN_BAR_WIDTH)
        self.bar.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.value = QLabel(alignment=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.tag = QLabel()                          # always in the grid, empty unless true class
        self.tag.setFont(small)
        self.tag.setStyleSheet(f"color: {TRUE_CLASS_COLOUR}; font-weight: bold;")
        for col, widget in enumerate((self.name, self.bar, self.value, self.tag)):
            grid.addWidget(widget, row, col)
        self._colour = ""

    def show(self, class_name: str, probability: float, is_true: bool) -> None:
        self.name.setText(readable_class(class_name))
        self.bar.setValue(round(probability * BAR_STEPS))
        self.value.setText(percent(probability))
        self.tag.setText(TRUE_TAG if is_true else "")
        colour = TRUE_CLASS_COLOUR if is_true else BAR_COLOUR
        if colour != self._colour:                  # restyling is the slow part: only on change
            self._colour = colour
            self.bar.setStyleSheet(_BAR_STYLE.format(colour=colour))
        tip = f"{readable_class(class_name)}: {probability * 100:.1f} %" + (f" ({TRUE_TAG})" if is_true else "")
        for widget in (self.name, self.bar, self.value):
            widget.setToolTip(tip)
        self.bar.setAccessibleName(tip)


class PredictionPanel(QWidget):
    """Shows a Prediction: verdict on top, probability bars sorted highest first, model below."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bar_values: list[tuple[str, float, bool]] = []
        self._verdict_plain = ""
        self._row_limit = COMPACT_ROWS       # resizeEvent: as many as fit
        small = QFont(self.font())
        small.setPointSizeF(max(self.font().pointSizeF() * 0.85, 6.0))
        big = QFont(self.font())
        big.setPointSizeF(self.font().pointSizeF() * 1.15)

        self.verdict = QLabel(textFormat=Qt.TextFormat.RichText, wordWrap=True)
        self.verdict.setFont(big)
        self.model_note = ClipHeader(separator=" — ")   # one line, so A and B stay level
        self.model_note.setFont(small)
        self.message = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        for label in (self.model_note, self.message):
            _mute(label)

        bars_page = QWidget()
        grid = QGridLayout(bars_page)
        grid.setContentsMargins(0, 4, 0, 4)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(5)
        grid.setColumnStretch(1, 1)
        # reserve the tag's width so the bars keep their length whether or not it shows
        grid.setColumnMinimumWidth(3, self._tag_width(small))
        # and the widest class name's, so two panes side by side ask for the same width
        grid.setColumnMinimumWidth(0, max(self.fontMetrics().horizontalAdvance(readable_class(c))
                                          for c in CLASS_NAMES))
        self._rows = [_BarRow(grid, row, small) for row in range(len(CLASS_NAMES))]
        grid.setRowStretch(len(CLASS_NAMES), 1)
        self._grid = grid
        self._pages = QStackedWidget()
        self._pages.addWidget(bars_page)
        self._pages.addWidget(self.message)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(2)
        layout.addWidget(self.verdict)
        layout.addWidget(self._pages, 1)
        layout.addWidget(self.model_note)
        self.clear("No clip selected")

    @staticmethod
    def _tag_width(font: QFont) -> int:
        probe = QLabel(TRUE_TAG)
        probe.setFont(font)
        probe.setStyleSheet("font-weight: bold;")
        return probe.sizeHint().width()

    # -- public API ---------------------------------------------------------------------
    def set_prediction(self, prediction: Prediction, true_class: str | None = None) -> None:
        """Draw ``prediction``; ``true_class`` is the clip's label when it is known."""
        true_class = true_class if isinstance(true_class, str) and true_class else None  # not NaN
        ranked = prediction.ranked()
        self._bar_values = [(name, p, name == true_class) for name, p in ranked]
        for row, (name, p, is_true) in zip(self._rows, self._bar_values):
            row.show(name, p, is_true)
        self._show_rows()
        self._set_verdict(prediction, true_class)
        note = [html.escape(f"by {prediction.describe_model()}")]
        if prediction.model != "final":
            note.append("it never saw this clip's fold")
        self.model_note.set_parts(note)
        self._pages.setCurrentIndex(0)
        self._pages.setEnabled(True)

    def set_waiting(self) -> None:
        """A new clip is shown and its prediction is on its way: grey out the old bars (the
        layout stays; clearing and redrawing at each step through clips would flicker)."""
        if not self._bar_values:
            return
        self._pages.setEnabled(False)
        self.verdict.setText("<span style='color:gray'>predicting…</span>")
        self._verdict_plain = "predicting…"

    def clear(self, message: str = "") -> None:
        """Show no prediction, only ``message`` (e.g. "No prediction: file missing")."""
        self._bar_values = []
        self._verdict_plain = message
        self.verdict.clear()
        self.model_note.clear()
        self.message.setText(message)
        self._pages.setCurrentIndex(1)
        self._pages.setEnabled(True)

    def set_pending(self) -> None:
        """Show that a prediction is being computed."""
        self.clear("Predicting…")

    def verdict_text(self) -> str:
        """The verdict as plain text, or the message shown in its place."""
        return self._verdict_plain

    def shown_rows(self) -> int:
        """How many probability bars are drawn (the top classes that fit the panel's height)."""
        return min(self._row_limit, len(self._bar_values))

    # the panel asks for room for all ten classes but can shrink to the top COMPACT_ROWS: a short
    # window gives the plots their room first (Qt's height-for-width would pin it at full height)
    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt override)
        return False

    def sizeHint(self):  # noqa: N802 (Qt override)
        hint = super().sizeHint()
        hint.setHeight(self._height_for_rows(len(CLASS_NAMES), self._laid_out_height()))
        return hint

    def minimumSizeHint(self):  # noqa: N802 (Qt override)
        hint = super().minimumSizeHint()
        hint.setHeight(self._height_for_rows(COMPACT_ROWS, self._laid_out_height()))
        return hint

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self.updateGeometry()              # wrapped texts: the height it needs has changed
        compact = self._height_for_rows(COMPACT_ROWS, self._laid_out_height())
        fit = COMPACT_ROWS + (self.height() - compact) // self._row_height()
        limit = max(COMPACT_ROWS, min(len(CLASS_NAMES), fit))
        if limit != self._row_limit:
            self._row_limit = limit
            self._show_rows()

    def bar_values(self) -> list[tuple[str, float, bool]]:
        """(class, probability, is_true_class) per drawn bar, top to bottom."""
        return list(self._bar_values)

    # -- internals ----------------------------------------------------------------------
    def _row_height(self) -> int:
        return max(self._rows[0].name.sizeHint().height(), 12) + self._grid.verticalSpacing()

    def _laid_out_height(self) -> int:
        """The height the layout needs as now shown, at the panel's width: the verdict and the
        footnote wrap to two lines in a narrow Compare pane."""
        layout, natural = self.layout(), super().sizeHint().height()
        if layout is not None and layout.hasHeightForWidth() and self.width() > 0:
            return max(natural, layout.totalHeightForWidth(self.width()))
        return natural

    def _height_for_rows(self, rows: int, laid_out: int) -> int:
        """The panel's height with ``rows`` bars, from ``laid_out``: its height as now laid out."""
        visible = sum(not row.name.isHidden() for row in self._rows)
        return laid_out + (rows - visible) * self._row_height()

    def _show_rows(self) -> None:
        shown = self.shown_rows()
        for i, row in enumerate(self._rows):
            for widget in (row.name, row.bar, row.value, row.tag):
                widget.setVisible(i < shown)

    def _set_verdict(self, prediction: Prediction, true_class: str | None) -> None:
        head = f"predicted {readable_class(prediction.predicted)}, {percent(prediction.confidence)}"
        rich = (f"predicted <b>{_nowrap(readable_class(prediction.predicted))}</b>, "
                f"{_nowrap(percent(prediction.confidence))}")
        if true_class is None:
            tail = rich_tail = ""
        elif true_class == prediction.predicted:
            tail = " — correct"
            rich_tail = f" — <span style='color:{CORRECT_COLOUR}'><b>correct</b></span>"
        else:
            tail = f" — wrong (true class: {readable_class(true_class)})"
            rich_tail = (f" — <span style='color:{WRONG_COLOUR}'><b>wrong</b></span> "
                         f"{_nowrap(f'(true class: {readable_class(true_class)})')}")
        if prediction.unfamiliar:
            tail += f"\n{UNFAMILIAR_TEXT}"
            rich_tail += (f"<br><span style='color:{TRUE_CLASS_COLOUR}'>⚠ <b>unlike any training clip</b>"
                          f": this prediction means little</span>")
        self._verdict_plain = head + tail
        self.verdict.setText(rich + rich_tail)
        self.verdict.setToolTip("Farther from every training clip than 99 % of the training clips are "
                                "from the nearest clip of another fold (aiSFX embedding)"
                                if prediction.unfamiliar else "")
