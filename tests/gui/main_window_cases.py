"""The explorer window on a real PortAudio stream; run one case per process by test_main_window_playback.py."""

from __future__ import annotations

import time

from alsa_sink import AlsaSink
from PySide6.QtCore import Qt

from audioscope.core.dataset.clip_filter import ClipFilter
from audioscope.core.playback.state import PlaybackState


def test_space_in_the_table_plays_the_playhead_follows_and_down_auditions_the_next(window, qtbot, originals_root):
    with qtbot.waitSignal(window.dataset_opened, timeout=30_000):
        window.open_dataset(originals_root)
    window.browser.filter_bar.set_filter(ClipFilter(availability=True, classes={"street_music"}), notify=True)
    with qtbot.waitSignal(window.current.inspected, timeout=30_000) as first:
        window.browser.select_row(0)
    qtbot.waitUntil(lambda: window.transport.engine.loaded, timeout=5000)
    AlsaSink.current().wait_ready()
    table = window.browser.table
    table.setFocus()
    started = time.monotonic()
    qtbot.keyClick(table, Qt.Key.Key_Space)          # the table would use Space to select
    assert window.transport.engine.state == PlaybackState.PLAYING
    qtbot.wait(1200)
    position, elapsed = window.transport.engine.position_seconds(), time.monotonic() - started
    assert 0.6 < position <= elapsed + 0.05 < 3.5     # a loaded machine may return late, not early
    playheads = [line.value() for line in window.current.views.playheads.values()]
    assert all(abs(p - playheads[0]) < 1e-9 for p in playheads) and 0.5 < playheads[0] <= position
    with qtbot.waitSignal(window.current.inspected, timeout=30_000) as second:
        qtbot.keyClick(table, Qt.Key.Key_Down)
    assert second.args[0].request.path != first.args[0].request.path
    # auditioning continues on the next clip, from its start
    qtbot.waitUntil(lambda: window.transport.clip is second.args[0].analysis.clip, timeout=5000)
    assert window.transport.engine.state == PlaybackState.PLAYING
    assert window.transport.engine.position_seconds() < 0.5
    qtbot.keyClick(table, Qt.Key.Key_Space)
    assert window.transport.engine.state == PlaybackState.PAUSED


def test_a_clip_asked_for_by_name_is_selected_even_when_filtered_out_and_plays(window, qtbot, originals_root):
    with qtbot.waitSignal(window.dataset_opened, timeout=30_000):
        window.open_dataset(originals_root)
    window.browser.filter_bar.set_filter(ClipFilter(availability=True, classes={"siren"}), notify=True)
    name = "102305-6-0-0.wav"                                 # a gun shot: hidden by the filter
    with qtbot.waitSignal(window.current.inspected, timeout=30_000) as got:
        window.play_clip(name)
    assert got.args[0].request.row["slice_file_name"] == name
    assert not window.browser.proxy.clip_filter.is_active     # the filter that hid it was cleared
    qtbot.waitUntil(lambda: window.transport.clip is got.args[0].analysis.clip, timeout=5000)
    assert window.transport.engine.state == PlaybackState.PLAYING
    window.browser.filter_bar.set_filter(ClipFilter(availability=True), notify=True)
    with qtbot.waitSignal(window.current.inspected, timeout=30_000):
        window.browser.select_row(3)                                   # a plain selection
    qtbot.waitUntil(lambda: window.transport.clip is window.current.inspection.analysis.clip, timeout=5000)
    assert window.transport.engine.state == PlaybackState.PLAYING           # auditioning continues, as with Down


def test_a_clip_that_ends_while_the_next_is_analysed_does_not_stop_the_auditioning(window, qtbot, originals_root):
    with qtbot.waitSignal(window.dataset_opened, timeout=30_000):
        window.open_dataset(originals_root)
    with qtbot.waitSignal(window.current.inspected, timeout=30_000):
        window.play_clip("102305-6-0-0.wav")
    window.browser.filter_bar.set_filter(ClipFilter(availability=True), notify=True)
    engine = window.transport.engine
    qtbot.waitUntil(lambda: engine.state == PlaybackState.PLAYING, timeout=5000)
    window.browser.select_row(3)                   # Down while playing: the next clip is analysed
    engine.seek(engine.duration)                   # ...and meanwhile the first one plays to its end
    deadline = time.monotonic() + 5
    while engine.state == PlaybackState.PLAYING and time.monotonic() < deadline:
        time.sleep(0.01)                           # PortAudio's thread ends it; Qt events wait
    assert engine.ended
    qtbot.waitUntil(lambda: window.current.inspection is not None
                    and window.current.inspection.request.row["slice_file_name"] != "102305-6-0-0.wav"
                    and window.transport.clip is window.current.inspection.analysis.clip, timeout=30_000)
    assert engine.state == PlaybackState.PLAYING and engine.position_seconds() < 0.5
    shown = window.current.inspection
    window.browser.select_row(4)                   # Down, then Stop before the next clip is shown
    window.transport.stop()
    qtbot.waitUntil(lambda: window.current.inspection is not shown, timeout=30_000)
    qtbot.waitUntil(lambda: window.transport.clip is window.current.inspection.analysis.clip, timeout=5000)
    assert engine.state == PlaybackState.STOPPED
