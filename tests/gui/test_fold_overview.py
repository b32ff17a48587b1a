"""FoldOverview: counts equal Dataset.class_fold_counts(); clicks name the right class and fold."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from audioscope.core.dataset.metadata import CLASS_NAMES, FOLDS, load_dataset
from audioscope.gui.browser.fold_overview import FoldOverview, cell_text


@pytest.fixture(scope="module")
def dataset(originals_root):
    return load_dataset(originals_root)


@pytest.fixture
def overview(qtbot, dataset):
    overview = FoldOverview()
    qtbot.addWidget(overview)
    overview.set_dataset(dataset)
    overview.resize(1000, 600)
    overview.show()
    qtbot.waitExposed(overview)
    return overview


def shown_numbers(item) -> tuple[int, int]:
    """(total, on disk) read back from a cell's text."""
    lines = item.text().split("\n")
    total = int(lines[0])
    return total, int(lines[1].removesuffix(" on disk")) if len(lines) > 1 else total


def test_cells_show_the_dataset_counts_and_files_on_disk(overview, dataset):
    counts = dataset.class_fold_counts()
    on_disk = dataset.class_fold_counts(available_only=True)
    for class_name in CLASS_NAMES:
        for fold in FOLDS:
            item = overview.item_for(class_name, fold)
            assert shown_numbers(item) == (counts.loc[class_name, fold], on_disk.loc[class_name, fold])
            assert class_name in item.toolTip() and f"fold {fold}" in item.toolTip()
    assert overview.item_for("siren", 2).text() == "91\n0 on disk"
    assert shown_numbers(overview.item_for(None, None)) == (8732, 44)
    for class_name in CLASS_NAMES:
        assert shown_numbers(overview.item_for(class_name, None)) == (
            counts.loc[class_name].sum(), on_disk.loc[class_name].sum())
    for fold in FOLDS:
        assert shown_numbers(overview.item_for(None, fold)) == (counts[fold].sum(), on_disk[fold].sum())
    assert overview.counts.equals(counts)


def test_headers_name_classes_and_folds(overview):
    table = overview.table
    rows = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
    columns = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert rows == [n.replace("_", " ") for n in CLASS_NAMES] + ["Total"]
    assert columns == [f"Fold {f}" for f in FOLDS] + ["Total"]


def test_colour_follows_the_count(overview, dataset):
    counts = dataset.class_fold_counts()
    low = counts.stack().idxmin()
    high = counts.stack().idxmax()
    lightness = {cell: overview.item_for(*cell).background().color().lightness() for cell in (low, high)}
    assert lightness[low] > lightness[high]


def test_a_fully_downloaded_cell_shows_one_number(qtbot, flac_root):
    overview = FoldOverview()
    qtbot.addWidget(overview)
    overview.set_dataset(load_dataset(flac_root))
    counts = load_dataset(flac_root).class_fold_counts()
    assert overview.item_for("siren", 1).text() == str(counts.loc["siren", 1])
    assert overview.item_for("siren", 3).text() == f"{counts.loc['siren', 3]}\n0 on disk"
    assert cell_text(5, 5) == "5" and cell_text(5, 2) == "5\n2 on disk"


@pytest.mark.parametrize("class_name, fold", [("siren", 2), ("air_conditioner", 1), ("street_music", 10)])
def test_clicking_a_cell_emits_its_class_and_fold(overview, qtbot, class_name, fold):
    table = overview.table
    rect = table.visualItemRect(overview.item_for(class_name, fold))
    assert table.viewport().rect().contains(rect.center())
    with qtbot.waitSignal(overview.cell_clicked) as clicked:
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert clicked.args == [class_name, fold]


def test_clicking_totals_emits_the_class_or_the_fold(overview, qtbot):
    table = overview.table
    with qtbot.waitSignal(overview.class_clicked) as clicked:
        rect = table.visualItemRect(overview.item_for("dog_bark", None))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert clicked.args == ["dog_bark"]
    with qtbot.waitSignal(overview.fold_clicked) as clicked:
        rect = table.visualItemRect(overview.item_for(None, 7))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert clicked.args == [7]
    with qtbot.assertNotEmitted(overview.cell_clicked):
        rect = table.visualItemRect(overview.item_for(None, None))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_clearing_the_dataset_shows_zeros(overview):
    overview.set_dataset(None)
    assert overview.item_for("siren", 2).text() == "0" and overview.item_for(None, None).text() == "0"


def test_every_cell_fits_in_the_explorers_clip_area(qtbot, dataset):
    overview = FoldOverview()
    qtbot.addWidget(overview)
    overview.set_dataset(dataset)
    overview.resize(880, 640)  # the right-hand area of the default 1440 x 900 window
    overview.show()
    qtbot.waitExposed(overview)
    assert not overview.table.verticalScrollBar().isVisible()
    assert not overview.table.horizontalScrollBar().isVisible()
