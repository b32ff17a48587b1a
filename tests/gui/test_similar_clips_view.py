"""The Similar clips tab, clicked as a user would: it lists the 10 clips nearest to the clip shown
(cosine distance of the standardised clip vectors, checked with scikit-learn), a click auditions a
neighbour with the tab still in view and the list kept, and P keeps the clip as A beside them."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer
from sklearn.metrics.pairwise import cosine_distances
from us8k_subsets import copy_small_dataset

from audioscope.core.batch.vectors import extract_vectors

WAIT_MS = 120_000
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_the_nearest_clips_are_listed_auditioned_and_compared(qtbot, window, flac_root, tmp_path):
    small = copy_small_dataset(flac_root, tmp_path / "home" / "UrbanSound8K")
    with qtbot.waitSignal(window.dataset_opened, timeout=WAIT_MS):
        window.open_dataset(small)
    with qtbot.waitSignal(window.current.inspected, timeout=WAIT_MS) as got:
        window.browser.select_row(0)
    query = got.args[0].request.row["slice_file_name"]
    view = window.similar
    bar = window.right_tabs.tabBar()
    seen = []                                # the progress while the dataset's vectors are read
    poll = QTimer(interval=5)
    poll.timeout.connect(lambda: seen.append((view.progress.isVisible(), view.progress.text(),
                                              view.progress.bar.value(), view.progress.bar.maximum())))
    poll.start()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(window.right_tabs.indexOf(view)).center())
    qtbot.waitUntil(lambda: view.table.rowCount() == 10, timeout=WAIT_MS)
    poll.stop()
    n = len(window.dataset.table)
    counted = [(v, top) for visible, text, v, top in seen
               if visible and re.fullmatch(rf"Reading clip vectors: \d+ of {n} · \d+ s", text)]
    assert counted and all(top == n for _v, top in counted)
    assert not view.progress.isVisible()                 # gone once the list is shown
    table = window.dataset.table
    X, _ = extract_vectors(table["path"].tolist(), jobs=1)
    z = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1)
    i = int(np.flatnonzero(table["slice_file_name"] == query)[0])
    d = cosine_distances(z[i:i + 1], z)[0]
    d[i] = np.inf
    order = np.argsort(d, kind="stable")[:10]
    assert view.shown_names() == table["slice_file_name"].to_numpy()[order].tolist()
    assert view.table.item(0, 3).text() == f"{d[order[0]]:.3f}"
    assert Path(query).stem in view.status.text()

    window.pin_current()                                   # P: the clip shown becomes A
    with qtbot.waitSignal(window.current.inspected, timeout=WAIT_MS) as heard:
        rect = view.table.visualItemRect(view.table.item(2, 0))
        qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert heard.args[0].request.row["slice_file_name"] == view.shown_names()[2]
    assert window.right_tabs.currentWidget() is view
    assert view.shown_names() == table["slice_file_name"].to_numpy()[order].tolist()   # the list stays
    assert window.panes.comparing and window.pinned.inspection.request.row["slice_file_name"] == query
    ARTIFACTS.mkdir(exist_ok=True)
    window.resize(1440, 900)
    window.grab().save(str(ARTIFACTS / "similar_clips.png"))
