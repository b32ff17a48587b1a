"""The "why" strip: occlusion bars under the spectrogram, computed once the user pauses on a clip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF

from audioscope.core.dataset.clip_filter import ClipFilter
from audioscope.core.model.classifier import shared_bundle
from audioscope.core.model.occlusion import occlusion

WAIT_MS = 30_000
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_the_strip_shows_the_drop_of_each_segment_for_the_shown_clip(qtbot, window, originals_root):
    with qtbot.waitSignal(window.dataset_opened, timeout=WAIT_MS):
        window.open_dataset(originals_root)
    window.browser.filter_bar.set_filter(ClipFilter(availability=True, classes={"gun_shot"}), notify=True)
    window.resize(1440, 900)
    with qtbot.waitSignal(window.current.explained, timeout=WAIT_MS) as got:
        window.browser.select_row(0)
    occ = got.args[0]
    inspection = window.current.inspection
    assert occ.predicted == inspection.prediction.predicted
    # the bars are exactly the occlusion of the shown clip by the model that never saw its fold
    expected = occlusion(inspection.analysis.clip.signal, shared_bundle(), inspection.request.fold)
    np.testing.assert_allclose(occ.drops, expected.drops, atol=1e-12)
    bars = window.current.views.why.bars.opts
    np.testing.assert_allclose(bars["height"], occ.drops * 100)     # in percentage points
    np.testing.assert_allclose(bars["x"], (occ.starts + occ.ends) / 2)
    views = window.current.views
    # the axis says its unit, and reads in the points the hover speaks of
    assert "points" in views.why.plot.getAxis("left").labelText or "pts" in views.why.plot.getAxis("left").labelText
    low, high = views.why.plot.getViewBox().viewRange()[1]
    assert high >= 10 and high >= np.abs(occ.drops).max() * 100
    t = float((occ.starts[3] + occ.ends[3]) / 2)
    text = views.describe_point("why", QPointF(t, 0.0))
    assert f"{occ.starts[3]:.2f}–{occ.ends[3]:.2f} s" in text and "gun shot" in text
    assert f"{-occ.drops[3] * 100:+.0f} percentage points" in text
    ARTIFACTS.mkdir(exist_ok=True)
    window.grab().save(str(ARTIFACTS / "why_strip.png"))


def test_stepping_quickly_through_clips_does_not_occlude_the_ones_skipped(qtbot, window, originals_root):
    with qtbot.waitSignal(window.dataset_opened, timeout=WAIT_MS):
        window.open_dataset(originals_root)
    window.browser.filter_bar.set_filter(ClipFilter(availability=True), notify=True)
    explained = []
    window.current.explained.connect(explained.append)
    for row in range(4):
        with qtbot.waitSignal(window.current.inspected, timeout=WAIT_MS):
            window.browser.select_row(row)          # each shown, none held for 250 ms
    qtbot.waitUntil(lambda: len(explained) == 1, timeout=WAIT_MS)
    qtbot.wait(500)
    assert len(explained) == 1                       # only the clip the user stopped on
    assert window.current.views.why.occlusion is explained[0]


def test_the_pause_counts_from_the_selection_so_a_slow_prediction_starts_the_strip_at_once(
        qtbot, window, originals_root):
    with qtbot.waitSignal(window.dataset_opened, timeout=WAIT_MS):
        window.open_dataset(originals_root)
    window.browser.filter_bar.set_filter(ClipFilter(availability=True), notify=True)
    pane = window.current
    pane._why_timer.setInterval(1)      # the user's pause is over before any prediction arrives
    busy_when_predicted: list[bool] = []
    pane.predicted.connect(lambda _i: busy_when_predicted.append(pane._why_jobs.is_busy))
    explained = []
    pane.explained.connect(explained.append)
    for row in (0, 1):
        with qtbot.waitSignal(pane.explained, timeout=WAIT_MS):
            window.browser.select_row(row)
    assert busy_when_predicted == [True, True]   # no second wait after the prediction
    qtbot.wait(300)
    assert len(explained) == 2 and pane.views.why.occlusion is explained[-1]
