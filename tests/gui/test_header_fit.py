"""Issue 17, item 6: every header of the confusion matrix and the fold overview shows in full, and
no count of the fold overview wraps ("Total" column on three lines), at 1024×700 up to 1920×1080.

Text is measured as the user sees it: in the header's font, made bold when the header highlights
sections (Qt draws the header of the clicked cell's row and column in bold), plus the style's
header margins on both sides.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QHeaderView, QStyle, QTableWidget

SIZES = [(1024, 700), (1280, 800), (1920, 1080)]


def settle(qtbot) -> None:
    qtbot.wait(150)


def drawn_metrics(header: QHeaderView) -> QFontMetrics:
    font = header.font()
    font.setBold(header.highlightSections())
    return QFontMetrics(font)


def header_misfits(table: QTableWidget) -> list[str]:
    """Header labels whose text (widest line and all lines) does not fit their section."""
    misfits = []
    for header in (table.horizontalHeader(), table.verticalHeader()):
        metrics = drawn_metrics(header)
        margin = 2 * header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
        horizontal = header.orientation() == Qt.Orientation.Horizontal
        for i in range(header.count()):
            text = header.model().headerData(i, header.orientation(), Qt.ItemDataRole.DisplayRole)
            lines = text.split("\n")
            width = max(metrics.horizontalAdvance(line) for line in lines) + margin
            height = len(lines) * metrics.lineSpacing()
            room = (header.sectionSize(i), header.height()) if horizontal else \
                (header.width(), header.sectionSize(i))
            if width > room[0] or height > room[1]:
                misfits.append(f"{text!r}: needs {width}×{height}, has {room[0]}×{room[1]}")
    return misfits


def cell_misfits(table: QTableWidget) -> list[str]:
    """Cells with a line wider than their column (such a line wraps or is elided)."""
    metrics = QFontMetrics(table.font())
    margin = 2 * (table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1)
    misfits = []
    for r in range(table.rowCount()):
        for c in range(table.columnCount()):
            text = table.item(r, c).text()
            width = max(metrics.horizontalAdvance(line) for line in text.split("\n")) + margin
            room = table.columnWidth(c) - (1 if table.showGrid() else 0)
            if width > room:
                misfits.append(f"({r}, {c}) {text!r}: needs {width}, has {room}")
    return misfits


@pytest.mark.parametrize("size", SIZES)
def test_confusion_matrix_headers_show_every_class_name(window, qtbot, size):
    window.resize(*size)
    window.right_tabs.setCurrentWidget(window.evaluation)
    settle(qtbot)
    table = window.evaluation.table
    labels = [table.horizontalHeaderItem(c).text().replace("-\n", "").replace("\n", " ")
              for c in range(10)]
    assert "jackhammer" in labels and "air conditioner" in labels
    assert header_misfits(table) == []


@pytest.mark.parametrize("size", SIZES)
def test_fold_overview_headers_and_totals_fit_on_their_lines(window, qtbot, originals_root, size):
    with qtbot.waitSignal(window.dataset_opened, timeout=30_000):
        window.open_dataset(originals_root)
    window.resize(*size)
    window.right_tabs.setCurrentWidget(window.browser.overview)
    settle(qtbot)
    table = window.browser.overview.table
    total = table.columnCount() - 1
    assert table.horizontalHeaderItem(total).text() == "Total"
    assert table.item(table.rowCount() - 1, total).text() == "8732\n44 on disk"
    assert header_misfits(table) == []
    assert cell_misfits(table) == []
