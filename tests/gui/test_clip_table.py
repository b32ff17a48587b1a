"""ClipTableModel and ClipFilterProxy over the real 8732-row metadata, with a real QTableView."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTableView

from audioscope.core.dataset.clip_filter import ClipFilter
from audioscope.core.dataset.metadata import load_dataset
from audioscope.gui.browser.clip_filter_proxy import ClipFilterProxy
from audioscope.gui.browser.clip_table import COLUMNS, SORT_ROLE, ClipTableModel

FILE, CLASS, FOLD, SALIENCE, DURATION, FSID, AVAILABLE = range(7)
ASC, DESC = Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder


@pytest.fixture(scope="module")
def dataset(originals_root):
    return load_dataset(originals_root)


@pytest.fixture
def proxy(qtbot, dataset):
    """A proxy over the full metadata, shown in a real table view."""
    model = ClipTableModel(dataset)
    proxy = ClipFilterProxy()
    proxy.setSourceModel(model)
    view = QTableView()
    view.setModel(proxy)
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.show()
    proxy.view = view  # keep the view reachable from tests
    return proxy


def column(model, col: int, role=Qt.ItemDataRole.DisplayRole) -> list:
    return [model.index(r, col).data(role) for r in range(model.rowCount())]


def test_model_shows_every_metadata_row_and_marks_the_44_files_on_disk(dataset):
    model = ClipTableModel(dataset)
    assert model.rowCount() == 8732 and model.columnCount() == len(COLUMNS) == 11
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(7)] == [
        "File", "Class", "Fold", "Salience", "Duration (s)", "fsID", "Available"]
    available = column(model, AVAILABLE)
    assert available.count("yes") == 44 and available.count("missing") == 8732 - 44
    grey = [model.index(r, FILE).data(Qt.ItemDataRole.ForegroundRole) for r in range(8732)]
    missing_rows = {r for r, text in enumerate(available) if text == "missing"}
    assert {r for r, brush in enumerate(grey) if brush is not None} == missing_rows
    assert grey[min(missing_rows)].color() == QColor(128, 128, 128)
    row = dataset.table.iloc[0]
    assert column(model, FILE)[0] == row["slice_file_name"]
    assert model.index(0, SALIENCE).data() in ("foreground", "background")
    assert model.index(0, DURATION).data() == f"{row['duration']:.2f}"
    assert model.index(0, DURATION).data(SORT_ROLE) == pytest.approx(row["duration"])
    assert model.index(0, FSID).data() == str(row["fsID"])
    assert model.row_record(0)["slice_file_name"] == row["slice_file_name"]


def test_set_dataset_resets_the_model(qtbot, dataset, flac_root):
    model = ClipTableModel()
    assert model.rowCount() == 0
    with qtbot.waitSignals([model.modelAboutToBeReset, model.modelReset]):
        model.set_dataset(dataset)
    assert model.rowCount() == 8732
    model.set_dataset(load_dataset(flac_root))
    assert column(model, AVAILABLE).count("yes") == 1761
    model.set_dataset(None)
    assert model.rowCount() == 0


@pytest.mark.parametrize("col, raw", [(DURATION, "duration"), (FOLD, "fold"), (FSID, "fsID")])
def test_sorting_a_numeric_column_is_numeric_in_both_directions(proxy, dataset, col, raw):
    proxy.sort(col, ASC)
    values = column(proxy, col, SORT_ROLE)
    assert values == sorted(dataset.table[raw].tolist())
    # text order would put "10" before "2" and "0.05" after "0.32"
    assert all(isinstance(v, (int, float)) for v in values)
    proxy.sort(col, DESC)
    assert column(proxy, col, SORT_ROLE) == sorted(dataset.table[raw].tolist(), reverse=True)


def test_sorting_is_stable_and_text_columns_sort_by_name(proxy, dataset):
    proxy.sort(CLASS, ASC)
    classes = column(proxy, CLASS)
    assert classes == sorted(classes) and classes[0] == "air_conditioner"
    sirens = [proxy.row_record(r)["slice_file_name"] for r, c in enumerate(classes) if c == "siren"]
    table = dataset.table
    assert sirens == table.loc[table["class"] == "siren", "slice_file_name"].tolist()
    model = proxy.clip_model()
    first_siren = int(np.flatnonzero((table["class"] == "siren").to_numpy())[0])
    assert model.row_record(model.source_row_of(first_siren)).name == table.index[first_siren]
    assert model.source_row_of(first_siren) == classes.index("siren")
    proxy.sort(-1, ASC)
    assert column(proxy, FILE) == table["slice_file_name"].tolist()


def test_file_names_sort_naturally_fsid_class_occurrence_and_slice_as_numbers(proxy, dataset):
    proxy.sort(FILE, ASC)
    names = column(proxy, FILE)
    assert len(names) == 8732 and names[0] == "344-3-0-0.wav"          # fsID 344 before 100032
    numbers = [tuple(int(part) for part in name.split(".")[0].split("-")) for name in names]
    assert numbers == sorted(numbers)
    slices = [name for name in names if name.startswith("100852-0-0-")]
    assert slices[:3] == ["100852-0-0-0.wav", "100852-0-0-1.wav", "100852-0-0-2.wav"] and len(slices) > 10
    assert slices.index("100852-0-0-2.wav") < slices.index("100852-0-0-10.wav")
    proxy.sort(FILE, DESC)
    assert column(proxy, FILE) == names[::-1]


def test_header_click_sorts_the_view_and_keeps_the_selected_clip(proxy, qtbot):
    view = proxy.view
    view.setSortingEnabled(True)
    view.selectRow(3)
    chosen = proxy.row_record(view.currentIndex().row())["slice_file_name"]
    header = view.horizontalHeader()
    x = header.sectionViewportPosition(DURATION) + header.sectionSize(DURATION) // 2
    before = column(proxy, DURATION, SORT_ROLE)
    assert before not in (sorted(before), sorted(before, reverse=True))
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(x, header.height() // 2))
    durations = column(proxy, DURATION, SORT_ROLE)
    assert durations in (sorted(durations), sorted(durations, reverse=True))
    assert header.sortIndicatorSection() == DURATION
    assert proxy.row_record(view.currentIndex().row())["slice_file_name"] == chosen
    selected = view.selectionModel().selectedRows()
    assert len(selected) == 1 and proxy.row_record(selected[0].row())["slice_file_name"] == chosen


def test_filtering_fold_2_sirens_gives_exactly_the_pandas_rows(proxy, dataset, qtbot):
    table = dataset.table
    expected = table.loc[(table["fold"] == 2) & (table["class"] == "siren"), "slice_file_name"]
    with qtbot.waitSignal(proxy.count_changed) as counted:
        proxy.set_filter(ClipFilter(classes={"siren"}, folds={2}))
    assert counted.args == [len(expected), 8732] and len(expected) == 91
    assert proxy.rowCount() == 91
    assert column(proxy, FILE) == expected.tolist()
    assert proxy.view.model().rowCount() == 91
    # the filter survives a sort, and sorting only reorders the 91 rows
    proxy.sort(DURATION, DESC)
    durations = column(proxy, DURATION, SORT_ROLE)
    assert len(durations) == 91 and durations == sorted(durations, reverse=True)
    assert sorted(column(proxy, FILE)) == sorted(expected.tolist())


def test_text_filter_and_availability_filter(proxy, dataset):
    table = dataset.table
    proxy.set_filter(ClipFilter(text="GUN"))
    assert proxy.rowCount() == int((table["class"] == "gun_shot").sum())
    assert set(column(proxy, CLASS)) == {"gun_shot"}
    proxy.set_filter(ClipFilter(availability=True))
    assert proxy.rowCount() == 44 and set(column(proxy, AVAILABLE)) == {"yes"}
    for r in range(44):
        assert proxy.row_record(r)["available"]
    proxy.set_filter(ClipFilter())
    assert proxy.rowCount() == 8732


def test_count_follows_a_new_dataset(proxy, flac_root, qtbot):
    proxy.set_filter(ClipFilter(folds={1}))
    with qtbot.waitSignal(proxy.count_changed) as counted:
        proxy.clip_model().set_dataset(load_dataset(flac_root))
    assert counted.args == [873, 8732] and proxy.rowCount() == 873
    assert set(column(proxy, AVAILABLE)) == {"yes"}


def test_proxy_accepts_only_a_clip_table_model(qtbot):
    from PySide6.QtGui import QStandardItemModel
    with pytest.raises(TypeError):
        ClipFilterProxy().setSourceModel(QStandardItemModel())


class CountingModel(ClipTableModel):
    """A ClipTableModel that counts what the proxy and the view ask it for, per role."""

    def __init__(self, dataset) -> None:
        super().__init__(dataset)
        self.calls: dict[int, int] = {}

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        self.calls[role] = self.calls.get(role, 0) + 1
        return super().data(index, role)


def test_filter_and_sort_are_whole_column_work_on_8732_rows(qtbot, dataset, monkeypatch):
    # Their speed (the 0.2 s budget) is measured by `make bench`; here, the work that makes
    # them fast: one mask per filter change, none per sort, no per-row model data for either
    # (the proxy never sorts by itself), and a repaint reads only the rows on screen.
    masks = []
    real_mask = ClipFilter.mask
    monkeypatch.setattr(ClipFilter, "mask", lambda self, table, predictions=None: masks.append(self) or real_mask(self, table, predictions))
    model = CountingModel(dataset)
    proxy = ClipFilterProxy()
    proxy.setSourceModel(model)
    view = QTableView()
    view.setModel(proxy)
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.show()
    qtbot.waitExposed(view)
    view.grab()                                          # the first paint, done before counting
    table = dataset.table
    chosen = ClipFilter(classes={"siren", "dog_bark"}, folds={1, 2, 3}, text="1")
    masks.clear()
    model.calls.clear()
    proxy.set_filter(chosen)
    expected = (table["class"].isin(["siren", "dog_bark"]) & table["fold"].isin([1, 2, 3])
                & (table["slice_file_name"].str.contains("1") | table["fsID"].astype(str).str.contains("1")))
    assert proxy.rowCount() == int(expected.sum()) > 0
    assert masks == [chosen] and model.calls == {}
    proxy.set_filter(ClipFilter())
    assert proxy.rowCount() == 8732 and masks == [chosen, ClipFilter()] and model.calls == {}
    masks.clear()
    on_screen = view.viewport().height() // view.rowHeight(0) + 2
    for col in range(7):
        proxy.sort(col, DESC)
        assert model.calls.get(SORT_ROLE, 0) == 0, COLUMNS[col]
        model.calls.clear()
        view.grab()                                      # a full render of the view
        shown = model.calls.get(Qt.ItemDataRole.DisplayRole, 0)
        assert 0 < shown <= on_screen * len(COLUMNS), (COLUMNS[col], shown, on_screen)
    assert masks == []                                   # sorting reuses the mask
    assert column(proxy, AVAILABLE)[:45] == ["yes"] * 44 + ["missing"]  # last sort: Available


def test_model_rejects_rows_outside_the_table(dataset):
    model = ClipTableModel(dataset)
    with pytest.raises(IndexError):
        model.row_record(8732)
    assert model.rowCount(model.index(0, 0)) == 0 and not model.index(0, 0).parent().isValid()
    assert np.array_equal(model.table_rows(), np.arange(8732))
    assert model.rowCount(QModelIndex()) == 8732
