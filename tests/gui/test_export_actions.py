"""File → Export from a real window: views (PNG, SVG), the filtered table, selected clips' features."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtGui import QImage

from audioscope.core.batch.vectors import vectors_for_files
from audioscope.core.dataset.clip_filter import ClipFilter

WAIT_MS = 30_000


def test_views_table_and_features_are_exported_as_shown(qtbot, window, flac_root, tmp_path):
    with qtbot.waitSignal(window.dataset_opened, timeout=WAIT_MS):
        window.open_dataset(flac_root)
    window.browser.filter_bar.set_filter(ClipFilter(classes={"car_horn"}, availability=True), notify=True)
    window.browser.proxy.sort(4)                                   # by duration, as a user might
    with qtbot.waitSignal(window.current.inspected, timeout=WAIT_MS) as got:
        window.browser.select_row(2)
    shown_name = got.args[0].request.row["slice_file_name"]

    with qtbot.waitSignal(window.exports.exported, timeout=WAIT_MS):
        window.exports.export_views(tmp_path / "views.png")
    image = QImage(str(tmp_path / "views.png"))
    assert not image.isNull() and image.width() == window.current.views.width()
    with qtbot.waitSignal(window.exports.exported, timeout=WAIT_MS):
        window.exports.export_views(tmp_path / "views.svg")
    svg = ET.parse(tmp_path / "views.svg").getroot()
    assert svg.tag.endswith("svg") and (tmp_path / "views.svg").read_text().count("<image") >= 2  # both heatmaps

    with qtbot.waitSignal(window.exports.exported, timeout=WAIT_MS):
        window.exports.export_table(tmp_path / "clips.csv")
    table = pd.read_csv(tmp_path / "clips.csv")
    proxy = window.browser.proxy
    assert len(table) == proxy.rowCount() == proxy.shown_count
    assert table["slice_file_name"].tolist() == [proxy.row_record(i)["slice_file_name"] for i in range(len(table))]
    assert set(table["class"]) == {"car_horn"} and table["duration"].is_monotonic_increasing

    selection = window.browser.table.selectionModel()
    for row in (5, 7):                                              # Ctrl+click two more rows
        selection.select(proxy.index(row, 0), QItemSelectionModel.SelectionFlag.Select
                         | QItemSelectionModel.SelectionFlag.Rows)
    names = [proxy.row_record(r)["slice_file_name"] for r in (2, 5, 7)]
    with qtbot.waitSignal(window.exports.exported, timeout=WAIT_MS):
        window.exports.export_features(tmp_path / "features.npz")
    with np.load(tmp_path / "features.npz") as saved:
        assert saved["slice_file_name"].tolist() == names and names[0] == shown_name
        expected = vectors_for_files([proxy.row_record(r)["path"] for r in (2, 5, 7)])
        np.testing.assert_array_equal(saved["vectors"], np.array(expected))
        np.testing.assert_array_equal(saved["mel_db_0"], got.args[0].analysis.features.mel_db)


def test_exporting_with_nothing_to_export_explains_why(qtbot, window, tmp_path):
    with qtbot.waitSignal(window.exports.failed, timeout=WAIT_MS) as why:
        window.exports.export_views(tmp_path / "views.png")
    assert "no clip is shown" in why.args[0]
    with qtbot.waitSignal(window.exports.failed, timeout=WAIT_MS) as why:
        window.exports.export_features(tmp_path / "f.npz")
    assert "Select one or more clips" in why.args[0]
    assert list(tmp_path.iterdir()) == [tmp_path / "settings.ini"] or not list(tmp_path.glob("*.png"))


def test_exports_never_go_into_the_dataset_folder(qtbot, window, flac_root, tmp_path):
    before = sorted(p.name for p in (flac_root / "metadata").iterdir())
    with qtbot.waitSignal(window.dataset_opened, timeout=WAIT_MS):
        window.open_dataset(flac_root)
    with qtbot.waitSignal(window.exports.failed, timeout=WAIT_MS) as why:
        window.exports.export_table(flac_root / "metadata" / "UrbanSound8K.csv")
    assert "refusing to write inside the dataset folder" in why.args[0]
    window.browser.filter_bar.set_filter(ClipFilter(availability=True), notify=True)
    with qtbot.waitSignal(window.current.inspected, timeout=WAIT_MS):
        window.browser.select_row(0)
    with qtbot.waitSignal(window.exports.failed, timeout=WAIT_MS) as why:
        window.exports.export_features(flac_root / "features.npz")
    assert "refusing to write inside the dataset folder" in why.args[0]
    assert sorted(p.name for p in (flac_root / "metadata").iterdir()) == before
    assert not (flac_root / "features.npz").exists()
