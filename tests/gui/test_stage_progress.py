"""StageProgress, the progress of a window computation: its stage, its count and the seconds
since it began, on a clock the test moves (real Qt, real timer)."""

from __future__ import annotations

import pytest

from audioscope.gui.tabs.stage_progress import TICK_MS, StageProgress


class Clock:
    """A time source the test sets: what ``time.monotonic`` would say."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def progress(qtbot, clock) -> StageProgress:
    widget = StageProgress(clock=clock)
    qtbot.addWidget(widget)
    return widget


def test_each_stage_shows_its_count_and_the_seconds_since_the_start(progress, clock):
    assert progress.isHidden()
    progress.start("Reading clip vectors")
    assert not progress.isHidden() and progress.text() == "Reading clip vectors · 0 s"
    assert progress.bar.maximum() == 0                       # busy until it counts
    clock.now += 3.2
    progress.stage("Reading clip vectors", 5, 20)
    assert progress.text() == "Reading clip vectors: 5 of 20 · 3 s"
    assert (progress.bar.value(), progress.bar.maximum()) == (5, 20)
    clock.now += 9.0
    progress.stage("Arranging the clips with t-SNE")
    assert progress.text() == "Arranging the clips with t-SNE · 12 s" and progress.bar.maximum() == 0


def test_the_seconds_keep_counting_while_a_stage_reports_nothing(qtbot, progress, clock):
    progress.start("Arranging the clips with t-SNE")
    clock.now += 41.0
    qtbot.waitUntil(lambda: progress.text() == "Arranging the clips with t-SNE · 41 s", timeout=4 * TICK_MS)
    progress.finish()
    assert progress.isHidden()
    clock.now += 10.0
    qtbot.wait(2 * TICK_MS)
    assert progress.text().endswith("· 41 s")                # stopped with it


def test_a_new_start_counts_from_zero_and_the_text_is_new_when_the_bar_moves(progress, clock):
    progress.start("Averaging")
    clock.now += 30
    seen = []
    progress.bar.valueChanged.connect(lambda v: seen.append((progress.text(), v)))
    progress.stage("Measuring", 7, 10)
    assert seen == [("Measuring: 7 of 10 · 30 s", 7)]
    progress.start("Averaging")
    assert progress.text() == "Averaging · 0 s"
