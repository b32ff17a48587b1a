"""The window at 1024×700 (issue 17): the plots get the space, their titles and ticks stay legible,
and the two compare panes are equal."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF

from audioscope.gui.clip.clip_views import ClipViews

STEREO_44K = "31323-3-0-1.wav"       # a dog bark, 44.1 kHz stereo original
QUIET = "14113-4-0-0.wav"            # a drilling clip peaking at 0.06
MIN_PLOT_HEIGHT = 90


def scene_rect(item) -> QRectF:
    return item.mapRectToScene(item.boundingRect())


def axis_titles(views: ClipViews) -> dict[str, QRectF]:
    """Scene rectangles of every visible axis title of the four plots."""
    rects = {}
    for name, plot in views.plots.items():
        for side in ("left", "bottom"):
            axis = plot.getAxis(side)
            if axis.isVisible() and axis.label.isVisible() and axis.label.toPlainText().strip():
                rects[f"{name}/{side}"] = scene_rect(axis.label)
    return rects


def show_clip(window, qtbot, name: str):
    with qtbot.waitSignal(window.current.predicted, timeout=60_000):
        window.play_clip(name)
    window.transport.stop()
    qtbot.wait(100)                                   # let the layouts settle


@pytest.fixture
def small_window(window, qtbot, originals_root):
    window.resize(1024, 700)
    with qtbot.waitSignal(window.dataset_opened, timeout=30_000):
        window.open_dataset(originals_root)
    show_clip(window, qtbot, STEREO_44K)
    return window


def assert_legible(views: ClipViews) -> None:
    for name, plot in views.plots.items():
        height = plot.getViewBox().height()
        assert height >= MIN_PLOT_HEIGHT, f"the {name} plot is only {height:.0f} px high"
    titles = axis_titles(views)
    assert {"waveform/left", "mel/left", "why/left", "mfcc/left", "mfcc/bottom"} <= set(titles)
    for (a, ra), (b, rb) in itertools.combinations(titles.items(), 2):
        assert not ra.intersects(rb), f"axis titles {a} {ra} and {b} {rb} overlap"
    for name, plot in views.plots.items():
        if f"{name}/left" in titles:
            rect, box = titles[f"{name}/left"], scene_rect(plot)
            assert box.top() - 1 <= rect.top() and rect.bottom() <= box.bottom() + 1, \
                f"the {name} title runs out of its plot"
    # nothing is laid over the plots: the header above them, the read-out below, each whole
    g = views.graphics
    for name, rect in titles.items():
        assert 0 <= rect.top() and rect.bottom() <= g.viewport().height() + 1, \
            f"the {name} title {rect} is cut off by the bottom of the plots ({g.viewport().height()} px)"

    def span(widget) -> tuple[int, int]:
        top = widget.mapTo(views, QPoint(0, 0)).y()
        return top, top + widget.height()

    (_, header_bottom), (plots_top, plots_bottom), (readout_top, readout_bottom) = (
        span(views.header), span(g), span(views.readout))
    assert header_bottom <= plots_top and plots_bottom <= readout_top <= readout_bottom <= views.height(), \
        f"header ends {header_bottom}, plots {plots_top}–{plots_bottom}, read-out {readout_top}–{readout_bottom}"
    assert views.header.height() < 2 * views.header.fontMetrics().height(), "the header wraps"
    # the frequency ticks drawn are at least one line of text apart
    box = views.mel_plot.getViewBox()
    ys = sorted(box.mapViewToScene(QPointF(0, y)).y() for y, _ in views.mel_ticks.shown)
    assert len(ys) >= 2
    gap = min(b - a for a, b in zip(ys, ys[1:]))
    assert gap >= views.fontMetrics().height(), f"frequency ticks only {gap:.0f} px apart"

def test_at_1024_by_700_the_window_fits_and_every_plot_gets_room(small_window, qtbot):
    window = small_window
    assert window.width() <= 1024 and window.height() <= 700, \
        f"the window cannot be made 1024×700: it is {window.width()}×{window.height()}"
    assert_legible(window.current.views)
    panel = window.current.predictions
    assert panel.shown_rows() == 3                  # the probabilities make room for the plots
    assert panel.verdict_text().startswith("predicted")


def test_a_tall_window_shows_all_ten_probabilities(window, qtbot, originals_root):
    window.resize(1440, 1000)
    with qtbot.waitSignal(window.dataset_opened, timeout=30_000):
        window.open_dataset(originals_root)
    show_clip(window, qtbot, STEREO_44K)
    assert window.current.predictions.shown_rows() == 10
    assert_legible(window.current.views)


def test_comparing_at_1024_the_panes_are_equal_and_share_one_amplitude_scale(small_window, qtbot):
    window = small_window
    window.pin_current()
    show_clip(window, qtbot, QUIET)
    a, b = window.pinned, window.current
    assert abs(a.width() - b.width()) <= 0.05 * max(a.width(), b.width()), (a.width(), b.width())
    assert window.height() <= 700, f"comparing makes the window {window.height()} px high"
    for pane in (a, b):                 # one-line titles: A's and B's plots start level
        assert pane.title.isVisible() and pane.title.height() < 2 * pane.title.fontMetrics().height()
        assert_legible(pane.views)
    assert a.views.mapTo(window, QPoint(0, 0)).y() == b.views.mapTo(window, QPoint(0, 0)).y()
    assert "▶" in b.title.text() and "S switches" in b.title.toolTip()
    ranges = [pane.views.wave_plot.getViewBox().viewRange()[1] for pane in (a, b)]
    assert ranges[0] == pytest.approx(ranges[1]), ranges
    for pane in (a, b):
        views = pane.views
        views.why.set_occlusion(None, "parts that make it children playing and more")
        qtbot.wait(50)
        note, box = scene_rect(views.why.note), scene_rect(views.why.plot.getViewBox())
        assert box.left() - 1 <= note.left() and note.right() <= box.right() + 1, \
            f"the why caption {views.why.note.toPlainText()!r} runs over the axis"
    for pane in (a, b):                 # the probabilities, narrow: their rows never overlap
        panel = pane.predictions
        rows = [row.name.geometry() for row in panel._rows[:panel.shown_rows()]]
        assert len(rows) >= 3
        for upper, lower in zip(rows, rows[1:]):
            assert upper.bottom() < lower.top() and lower.height() >= panel.fontMetrics().height() - 2, \
                (upper, lower)


def test_a_44k_stereo_original_has_all_three_views_over_the_same_span(small_window):
    """Item 9: the mel image was seen ending ~0.05 s before the waveform's and the MFCC's edges
    (not reproduced since: both images share one rectangle, from the first frame's centre
    minus half a hop to the last's plus half)."""
    views = small_window.current.views
    assert views.analysis.clip.format.sample_rate == 44100 and views.analysis.clip.format.channels == 2
    mel, mfcc = (image.mapRectToView(image.boundingRect()) for image in (views.mel_image, views.mfcc_image))
    wave_end = float(views.wave_upper.getData()[0][-1])
    assert mel.left() == pytest.approx(mfcc.left()) and mel.right() == pytest.approx(mfcc.right())
    assert mel.left() <= 0.0 and mel.right() >= wave_end - 0.02
