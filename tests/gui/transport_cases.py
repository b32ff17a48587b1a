"""Transport on a real PortAudio stream; run one case per process by test_transport.py."""

from __future__ import annotations

import numpy as np
import pytest
from alsa_sink import AlsaSink, leading_silence
from PySide6.QtCore import Qt

from audioscope.core.playback.device import fit_channels
from audioscope.core.signal.audio import load_clip
from audioscope.gui.window.transport import Transport

MONO = "fold1/19026-1-0-0.wav"          # 44.1 kHz mono, 1.04 s
STEREO_4S = "fold5/100852-0-0-0.wav"    # 44.1 kHz stereo, 4 s


@pytest.fixture
def transport(qtbot):
    widget = Transport()
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.shutdown()


def loaded(transport, originals_root, name):
    sink = AlsaSink.current()
    sink.reset()
    clip = load_clip(originals_root / "audio" / name)
    transport.set_clip(clip)
    sink.wait_ready()
    return clip, sink


def test_play_moves_the_position_until_the_end(transport, originals_root, qtbot):
    clip, sink = loaded(transport, originals_root, MONO)
    assert transport.play_button.isEnabled() and transport.time_label.text() == "0.00 / 1.04 s"
    positions, states = [], []
    transport.position_changed.connect(positions.append)
    transport.state_changed.connect(states.append)
    qtbot.mouseClick(transport.play_button, Qt.MouseButton.LeftButton)
    assert states == ["playing"] and transport.play_button.toolTip() == "Pause (Space)"
    qtbot.waitUntil(lambda: states[-1] == "stopped", timeout=5000)
    assert positions == sorted(positions) and positions[-1] == pytest.approx(clip.duration)
    assert len(positions) >= clip.duration / 0.025 * 0.5, "the timer polls about every 25 ms"
    assert transport.time_label.text() == "1.04 / 1.04 s"
    assert transport.play_button.toolTip() == "Play (Space)" and transport.status_label.text() == ""
    transport.shutdown()
    got = sink.frames(2)
    expected = fit_channels(clip.samples, 2)
    expected = expected[leading_silence(expected):]
    np.testing.assert_array_equal(got[leading_silence(got):][:len(expected)], expected)


def test_play_from_toggle_stop_and_loop(transport, originals_root, qtbot):
    clip, sink = loaded(transport, originals_root, STEREO_4S)
    positions = []
    transport.position_changed.connect(positions.append)
    transport.play_from(2.0)
    qtbot.waitUntil(lambda: len(positions) >= 5)
    assert transport.engine.state == "playing" and all(p >= 2.0 for p in positions)
    transport.toggle_play()                              # Space: pause
    paused = transport.engine.position_seconds()
    assert transport.engine.state == "paused" and transport.time_label.text() == f"{paused:.2f} / 4.00 s"
    qtbot.wait(200)
    assert transport.engine.position_seconds() == paused
    transport.toggle_play()                              # Space: resume
    qtbot.waitUntil(lambda: positions[-1] > paused + 0.1)
    assert transport.engine.state == "playing"
    qtbot.mouseClick(transport.loop_button, Qt.MouseButton.LeftButton)
    assert transport.engine.loop
    qtbot.mouseClick(transport.stop_button, Qt.MouseButton.LeftButton)
    assert transport.engine.state == "stopped" and positions[-1] == 0.0
    assert transport.time_label.text() == "0.00 / 4.00 s"
    qtbot.mouseClick(transport.loop_button, Qt.MouseButton.LeftButton)
    assert not transport.engine.loop and not transport.loop_button.isChecked()


def test_an_error_during_playback_disables_the_buttons_and_says_why(transport, originals_root, qtbot):
    clip, sink = loaded(transport, originals_root, STEREO_4S)
    transport.play_from(0.0)
    qtbot.wait(200)
    with qtbot.waitSignal(transport.playback_failed, timeout=2000) as failed:
        transport.engine._stream.abort()        # the device went away mid-play
    assert "stopped unexpectedly" in failed.args[0]
    assert transport.status_label.text().startswith("Playback stopped: the audio output stopped unexpectedly")
    assert not any(b.isEnabled() for b in (transport.play_button, transport.stop_button, transport.loop_button))
    transport.toggle_play()                              # Space does nothing now
    assert transport.engine.state == "stopped"
    transport.set_clip(clip)                             # choosing a clip tries again
    assert transport.play_button.isEnabled() and transport.status_label.text() == ""


def test_without_an_output_device_the_buttons_are_disabled_and_the_reason_shown(transport, originals_root):
    assert AlsaSink.current().kind == "none"
    text = transport.status_label.text()
    assert text.startswith("No audio output: no default audio output device") and transport.status_label.isVisible()
    clip = load_clip(originals_root / "audio" / MONO)
    transport.set_clip(clip)
    transport.toggle_play()
    transport.play_from(0.5)
    transport.stop()
    assert not any(b.isEnabled() for b in (transport.play_button, transport.stop_button, transport.loop_button))
    assert transport.status_label.text() == text and transport.time_label.text() == "0.00 / 0.00 s"
