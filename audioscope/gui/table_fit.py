"""Column widths that fit a table's texts: header labels in full and cells without wrapping.

A stretched table grows its columns with the window but never below the minimum section size set
here, so at small windows it scrolls instead of cutting "jackhammer" to "ackhammer" or wrapping
"1000 / 6 on disk" over three lines.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QHeaderView, QStyle, QTableWidget


def _widest_line(metrics: QFontMetrics, texts: Iterable[str]) -> int:
    return max((metrics.horizontalAdvance(line) for text in texts for line in text.split("\n")),
               default=0)


def header_text_width(header: QHeaderView, texts: Iterable[str]) -> int:
    """Pixels a header section needs for the widest line of ``texts`` between the style's header
    margins; in bold when the header highlights the current cell's sections (Qt draws them bold)."""
    font = header.font()
    font.setBold(header.highlightSections())
    margin = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    return _widest_line(QFontMetrics(font), texts) + 2 * margin


def cell_text_width(table: QTableWidget, texts: Iterable[str]) -> int:
    """Pixels a column needs so that no line of ``texts`` wraps or is elided in a cell."""
    style = table.style()
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1
    return _widest_line(QFontMetrics(table.font()), texts) + 2 * margin + 1  # + grid line


def header_labels(table: QTableWidget, orientation: Qt.Orientation) -> list[str]:
    """The texts of a table's column (horizontal) or row (vertical) header."""
    count = table.columnCount() if orientation == Qt.Orientation.Horizontal else table.rowCount()
    model = table.model()
    return [str(model.headerData(i, orientation, Qt.ItemDataRole.DisplayRole) or "")
            for i in range(count)]


def fit_columns(table: QTableWidget) -> int:
    """Keep every column at least as wide as its widest header line and cell line; returns the
    minimum section size set."""
    cells = [table.item(r, c).text() for r in range(table.rowCount())
             for c in range(table.columnCount()) if table.item(r, c) is not None]
    header = table.horizontalHeader()
    width = max(header_text_width(header, header_labels(table, Qt.Orientation.Horizontal)),
                cell_text_width(table, cells))
    header.setMinimumSectionSize(width)
    return width
