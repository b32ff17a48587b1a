"""DatasetMapView (offscreen Qt, real clips): lazy background map with progress, filter, hover,
clicks, the current clip and dropped files."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from us8k_subsets import clips_per_class_and_fold

from audioscope.core.batch.dataset_map import N_NEIGHBOURS, compute_map
from audioscope.core.batch.vectors import vectors_for_files
from audioscope.core.dataset.clip_filter import ClipFilter
from audioscope.core.dataset.metadata import CLASS_NAMES, Dataset, load_dataset, readable_class
from audioscope.core.store.cache import FeatureCache
from audioscope.gui.tabs.dataset_map import DatasetMapView
from audioscope.gui.tabs.map_files import CLASS_COLOURS

REPO = Path(__file__).resolve().parents[2]

TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def subset(flac_root) -> Dataset:
    """Ten real clips per class in each of folds 1 and 2 (200 clips)."""
    return clips_per_class_and_fold(flac_root, 10)


@pytest.fixture(scope="module")
def warm_cache(subset) -> FeatureCache:
    """A cache that already holds the subset's map, so most tests do not wait for it: the run's
    private cache, where the class gallery's test (test_class_gallery_view, run before this
    module) left the vectors of all 1761 clips, so only the layout is computed here (10 s less)."""
    cache = FeatureCache()
    compute_map(subset, cache)
    return cache


def shown_view(qtbot, size=(900, 650)) -> DatasetMapView:
    view = DatasetMapView(jobs=2)
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    return view


@pytest.fixture
def view(qtbot, subset, warm_cache) -> DatasetMapView:
    view = shown_view(qtbot)
    with qtbot.waitSignal(view.map_ready, timeout=TIMEOUT_MS):
        view.set_dataset(subset, warm_cache)
    return view


def pixel(view: DatasetMapView, x: float, y: float) -> QPoint:
    """Viewport pixel of map coordinates (x, y)."""
    scene = view.plot.getViewBox().mapViewToScene(QPointF(x, y))
    return view.graphics.mapFromScene(scene)


def isolated_clip(view: DatasetMapView, among: list[str], clear_px: float = 12) -> tuple[str, QPoint]:
    """A clip of ``among`` whose nearest other point (coloured or grey) is ``clear_px`` away."""
    m = view.dataset_map
    screen = np.array([[p.x(), p.y()] for p in (pixel(view, x, y) for x, y in m.xy)], dtype=float)
    for name in among:
        i = m.index_of(name)
        others = np.delete(screen, i, axis=0)
        if np.hypot(*(others - screen[i]).T).min() > clear_px:
            return name, QPoint(int(screen[i, 0]), int(screen[i, 1]))
    raise AssertionError("no isolated point to click")


def test_the_map_is_computed_only_when_shown_with_progress_then_one_point_per_clip(qtbot, subset, tmp_path):
    view = DatasetMapView(jobs=2)
    qtbot.addWidget(view)
    view.resize(900, 650)
    view.set_dataset(subset, FeatureCache(tmp_path / "cache"))
    qtbot.wait(300)
    assert view.dataset_map is None and not list(tmp_path.rglob("*.npz"))   # hidden: no work
    assert "computed when shown" in view.status.text()
    seen = []
    poll = QTimer(interval=5)
    poll.timeout.connect(lambda: seen.append((view.progress.isVisible(), view.progress.bar.value(),
                                              view.progress.bar.maximum(), view.progress.text())))
    poll.start()
    with qtbot.waitSignal(view.map_ready, timeout=TIMEOUT_MS):
        view.show()
    poll.stop()
    reading = [(v, top) for visible, v, top, text in seen if visible and text.startswith("Reading clip vectors:")]
    assert reading and all(top == 200 for _v, top in reading)
    assert all(re.fullmatch(r"Reading clip vectors(: \d+ of 200)? · \d+ s", s[3]) for s in seen if s[0]
               and s[3].startswith("Reading"))                  # the stage, its count, the seconds
    assert any(0 < v < 200 for v, _ in reading)                  # the bar moved during extraction
    tsne = [top for visible, _v, top, text in seen if visible and "t-SNE" in text]
    assert tsne and tsne == [0] * len(tsne)                      # then a busy bar for t-SNE
    assert seen.index(next(s for s in seen if "t-SNE" in s[3])) > seen.index(
        next(s for s in seen if s[3].startswith("Reading")))
    assert not view.progress.isVisible() and view.status.text().startswith("200 clips")
    # one point per clip, coloured by its class
    m = view.dataset_map
    assert sorted(view.shown_names()) == sorted(subset.table["slice_file_name"])
    assert len(view.scatter.data) == 200 and len(view.context.data) == 0
    colours = [b.color().name() for b in view.scatter.data["brush"]]
    assert colours == [CLASS_COLOURS[c] for c in m.classes]
    np.testing.assert_array_equal(np.column_stack([view.scatter.data["x"], view.scatter.data["y"]]), m.xy)
    assert [label.text for _s, label in view.legend.items] == [readable_class(c) for c in CLASS_NAMES]


def test_class_colours_are_distinct_and_light_enough_for_the_dark_background():
    from PySide6.QtGui import QColor

    colours = [QColor(CLASS_COLOURS[c]) for c in CLASS_NAMES]
    assert len({c.name() for c in colours}) == 10
    assert all(c.lightness() >= 120 for c in colours)
    rgb = np.array([[c.red(), c.green(), c.blue()] for c in colours], dtype=float)
    gaps = np.linalg.norm(rgb[:, None] - rgb[None], axis=2) + np.eye(10) * 999
    assert gaps.min() > 60


def test_the_filter_colours_exactly_the_clips_the_table_shows(view, subset):
    table = subset.table
    for clip_filter in (ClipFilter(classes={"dog_bark", "siren"}, folds={2}), ClipFilter(salience=2),
                        ClipFilter(text="10"), ClipFilter(classes={"gun_shot"}, text="no such clip")):
        view.set_filter(clip_filter)
        expected = table["slice_file_name"][clip_filter.mask(table)]
        assert sorted(view.shown_names()) == sorted(expected)
        assert len(view.scatter.data) == len(expected) and len(view.context.data) == 200 - len(expected)
        assert f"{len(expected)} match the filter" in view.status.text()
    view.set_filter(ClipFilter())
    assert len(view.shown_names()) == 200 and len(view.context.data) == 0


def test_clicking_a_point_emits_its_clip_and_hovering_names_it(view, subset, qtbot):
    name, pos = isolated_clip(view, view.shown_names())
    row = subset.table.set_index("slice_file_name").loc[name]
    qtbot.wait(30)          # pyqtgraph drops mouse moves closer than 10 ms apart
    qtbot.mouseMove(view.graphics.viewport(), pos)
    qtbot.waitUntil(lambda: view.hover.text() != " ")
    assert view.hover.text() == f"{name} — {readable_class(row['class'])}, fold {row['fold']}"
    assert view.graphics.toolTip() == view.hover.text()
    with qtbot.waitSignal(view.clip_clicked, timeout=2000) as clicked:
        qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert clicked.args == [name]
    # empty space, and a clip the filter greyed out, are not clickable
    with qtbot.assertNotEmitted(view.clip_clicked, wait=100):
        qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(3, 3))
    row_class = str(row["class"])
    view.set_filter(ClipFilter(classes=set(CLASS_NAMES) - {row_class}))
    assert name not in view.shown_names()
    with qtbot.assertNotEmitted(view.clip_clicked, wait=100):
        qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_the_current_clip_is_ringed(view):
    m = view.dataset_map
    name = str(m.slice_file_names[42])
    view.set_current(name)
    assert (view.ring.data["x"][0], view.ring.data["y"][0]) == tuple(m.xy[42])
    view.set_filter(ClipFilter(text="no such clip"))       # stays visible when filtered out
    assert len(view.ring.data) == 1
    view.set_current("not-on-the-map.wav")
    assert len(view.ring.data) == 0
    view.set_current(None)
    assert len(view.ring.data) == 0


def test_a_dropped_file_is_placed_beside_its_nearest_clips_which_are_listed(view, original_files,
                                                                           tmp_path, qtbot):
    dropped = original_files[3]
    view.place_file(dropped)
    qtbot.waitUntil(lambda: str(dropped) in view.placements, timeout=TIMEOUT_MS)
    placement = view.placements[str(dropped)]
    # the same placement as the core's, from the classifier's clip vector of the file
    expected = view.dataset_map.place(vectors_for_files([str(dropped)])[0])
    assert placement.neighbours == expected.neighbours and len(placement.neighbours) == N_NEIGHBOURS
    assert placement.xy == pytest.approx(expected.xy)
    assert (view.file_marks.data["x"][0], view.file_marks.data["y"][0]) == pytest.approx(placement.xy)
    assert len(view.links.xData) == 2 * N_NEIGHBOURS          # lines to the five neighbours
    text = view.neighbours.text()
    assert view.neighbours.isVisible() and dropped.name in text
    for name, class_name, _distance in placement.neighbours:
        assert name in text and readable_class(class_name) in text
    # a file that is not audio is listed with its problem, and gets no star
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF not really")
    view.place_file(broken)
    qtbot.waitUntil(lambda: "cannot be placed" in view.neighbours.text(), timeout=TIMEOUT_MS)
    assert "broken.wav" in view.neighbours.text() and list(view.placements) == [str(dropped)]
    assert len(view.file_marks.data) == 1
    # clicking the star focuses that file and reports it
    star = pixel(view, *placement.xy)
    with qtbot.waitSignal(view.file_clicked, timeout=2000) as clicked:
        qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton, pos=star)
    assert clicked.args == [str(dropped)]
    assert dropped.name in view.neighbours.text()              # its neighbours shown again


def test_a_file_dropped_before_the_map_is_ready_is_placed_when_it_is(qtbot, subset, warm_cache,
                                                                    original_files):
    view = DatasetMapView(jobs=2)
    qtbot.addWidget(view)
    view.place_file(original_files[0], vectors_for_files([str(original_files[0])])[0])
    view.set_dataset(subset, warm_cache)
    with qtbot.waitSignal(view.map_ready, timeout=TIMEOUT_MS):
        view.show()
    assert len(view.placements[str(original_files[0])].neighbours) == N_NEIGHBOURS
    assert "placed among its 5 nearest clips" in view.neighbours.text()


def wait_while_it_progresses(qtbot, view: DatasetMapView, ready: list, stall_ms: int = TIMEOUT_MS) -> None:
    """Until ``ready``; fails only if the map's progress (bar and status) stands still for
    ``stall_ms``: a hang guard that does not depend on how long the whole map takes."""
    def state():
        return view.progress.bar.value(), view.progress.bar.maximum(), view.progress.text()

    def moved_on(before):
        return lambda: bool(ready) or state() != before

    while not ready:
        qtbot.waitUntil(moved_on(state()), timeout=stall_ms)


@pytest.mark.slow
@pytest.mark.timeout(3600)        # 1761 clips from a cold cache; `make bench` times the extraction
def test_screenshot_of_the_map_of_all_clips(qtbot, flac_root, original_files):
    dataset = load_dataset(flac_root)
    view = shown_view(qtbot, size=(1150, 780))
    ready = []
    view.map_ready.connect(lambda: ready.append(True))
    view.set_dataset(dataset, FeatureCache())
    wait_while_it_progresses(qtbot, view, ready)
    m = view.dataset_map
    assert len(m) + len(m.skipped) == dataset.n_available == 1761
    assert len(view.scatter.data) == len(m)
    view.set_current(str(m.slice_file_names[100]))
    new = next(f for f in original_files if f.parent.name not in ("fold1", "fold2"))  # not mapped
    view.place_file(new)
    qtbot.waitUntil(lambda: str(new) in view.placements, timeout=TIMEOUT_MS)
    qtbot.wait(50)
    out = REPO / "test-artifacts" / "dataset_map.png"
    out.parent.mkdir(exist_ok=True)
    assert view.grab().save(str(out))
    print(f"map of {len(m)} clips (from cache: {m.from_cache}); {out}")
