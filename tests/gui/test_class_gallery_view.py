"""ClassGalleryView: ten class rows with drawn spectrograms; a click on a clip names it."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from us8k_subsets import clips_per_class_and_fold

from audioscope.core.dataset.metadata import CLASS_NAMES, Dataset, load_dataset, readable_class
from audioscope.core.store.cache import FeatureCache
from audioscope.gui.tabs.class_gallery import ClassGalleryView

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def small_dataset(flac_root) -> Dataset:
    """4 clips per class in each of folds 1 and 2 (80 real clips, every class)."""
    return clips_per_class_and_fold(flac_root, 4)


def make_view(qtbot, size=(1100, 800)) -> ClassGalleryView:
    view = ClassGalleryView(jobs=2)
    qtbot.addWidget(view)
    view.resize(*size)
    return view


def varied_pixels(widget) -> int:
    """Distinct colours in a widget's rendering (a blank or uniform image has one or two)."""
    image = widget.grab().toImage()
    colours = {image.pixel(x, y) for x in range(0, image.width(), 3) for y in range(0, image.height(), 3)}
    return len(colours)


def test_gallery_is_computed_on_first_show_and_a_click_plays_that_clip(qtbot, small_dataset, tmp_path):
    view = make_view(qtbot)
    view.set_dataset(small_dataset, FeatureCache(tmp_path / "cache"))
    assert not view.is_computing and view.gallery is None     # hidden: nothing computed yet
    with qtbot.waitSignal(view.gallery_ready, timeout=60_000) as ready:
        view.show()
    gallery = ready.args[0]
    assert view.gallery is gallery and not view.progress.isVisible()
    assert [r.class_name for r in view.rows] == list(CLASS_NAMES) and len(view.rows) == 10
    for row in view.rows:
        assert readable_class(row.class_name) in row.name.text() and "8 clips" in row.name.text()
        assert len(row.chips["typical"]) == 3 and len(row.chips["outliers"]) == 3
        assert varied_pixels(row.thumbnail) > 50               # a spectrogram is drawn
        assert all(chip.isVisible() for chip in row.chips["typical"] + row.chips["outliers"])
    table = small_dataset.table
    for kind in ("typical", "outliers"):
        chip = view.chips("dog_bark", kind)[-1]
        name = chip.clip.slice_file_name
        assert name in set(table.loc[table["class"] == "dog_bark", "slice_file_name"])
        assert "fold" in chip.toolTip() and name in chip.toolTip()
        view.scroll.ensureWidgetVisible(chip)
        with qtbot.waitSignal(view.clip_activated, timeout=2000) as clicked:
            qtbot.mouseClick(chip, Qt.MouseButton.LeftButton)
        assert clicked.args == [name]


def test_background_clips_are_marked(qtbot, small_dataset, tmp_path):
    view = make_view(qtbot)
    view.show()
    with qtbot.waitSignal(view.gallery_ready, timeout=60_000):
        view.set_dataset(small_dataset, FeatureCache(tmp_path / "cache"))  # visible: starts at once
    chips = [c for row in view.rows for kind in ("typical", "outliers") for c in row.chips[kind]]
    background = [c for c in chips if c.clip.salience == 2]
    assert background and len(background) < len(chips)
    for chip in chips:
        texts = [label.text() for label in chip.findChildren(type(view.caption))]
        assert ("BG" in texts) == (chip.clip.salience == 2)
        assert ("background" in chip.toolTip()) == (chip.clip.salience == 2)
    before = view.rows[0].thumbnail.grab().toImage()
    view.set_colormap("viridis")
    assert view.rows[0].thumbnail.grab().toImage() != before
    view.set_dataset(None)
    assert view.gallery is None and all(not row.chips["typical"] for row in view.rows)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_screenshot_of_the_gallery_of_folds_1_and_2(qtbot, flac_root):
    dataset = load_dataset(flac_root)
    view = make_view(qtbot, size=(1120, 1080))
    # the run's private cache: the clip vectors computed here serve the map of all clips
    # (test_dataset_map_view), which computed all 1761 again from a cold cache (70 s)
    view.set_dataset(dataset, FeatureCache())
    values = []
    view.progress.bar.valueChanged.connect(lambda v: values.append((view.progress.text(), v)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with qtbot.waitSignal(view.gallery_ready, timeout=800_000) as ready:
            view.show()
    gallery = ready.args[0]
    assert sum(r.n_clips for r in gallery.rows) == dataset.n_available == 1761
    # no loky worker was stopped for growing 300 MB past its first task's size (its leak check):
    # a restart reloads the networks, and the user's terminal shows joblib's warning
    assert not [w for w in caught if "worker stopped" in str(w.message)], [str(w.message) for w in caught]
    averaging = [v for text, v in values if text.startswith("Averaging")]
    measuring = [v for text, v in values if text.startswith("Measuring")]
    assert max(averaging) == max(measuring) == 1761           # both phases count every clip
    assert values[-1][0].startswith("Measuring each clip's distance from its class mean: 1761 of 1761 · ")
    assert all(c.isVisible() for row in view.rows for kind in ("typical", "outliers") for c in row.chips[kind])
    ARTIFACTS.mkdir(exist_ok=True)
    assert view.grab().save(str(ARTIFACTS / "class_gallery.png"))
    assert all(np.isfinite(r.mean_mel).all() for r in gallery.rows)
