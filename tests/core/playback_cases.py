"""PlaybackEngine on a real PortAudio stream; run one case per process by test_playback.py.

Each case runs in a process whose ALSA configuration (tests/alsa_sink.py) gives PortAudio a
paced file sink, a 48 kHz-only a52 device, or no device. Bytes the device received are float32
interleaved, compared exactly with what the engine was asked to play.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import soxr
from alsa_sink import AlsaSink, leading_silence

from audioscope.core.playback.device import PlaybackUnavailable, fit_channels
from audioscope.core.playback.engine import PlaybackEngine
from audioscope.core.playback.state import PlaybackState
from audioscope.core.signal.audio import Clip, load_clip

STEREO_24BIT = "fold1/54858-3-2-0.wav"    # 44.1 kHz stereo 24-bit, 0.885 s
MONO_16BIT = "fold1/19026-1-0-0.wav"      # 44.1 kHz mono 16-bit, 1.04 s
STEREO_48K_4S = "fold1/103074-7-0-0.wav"  # 48 kHz stereo 24-bit, 4.0 s
STEREO_4S = "fold5/100852-0-0-0.wav"      # 44.1 kHz stereo 16-bit, 4.0 s
SHORT = "fold5/100032-3-0-0.wav"          # 44.1 kHz stereo 16-bit, 0.318 s


def clip(originals_root: Path, name: str) -> Clip:
    return load_clip(originals_root / "audio" / name)


def loaded(samples: np.ndarray, rate: int) -> tuple[PlaybackEngine, AlsaSink]:
    sink = AlsaSink.current()
    sink.reset()
    engine = PlaybackEngine()
    assert engine.available, engine.unavailable_reason
    engine.load(samples, rate)
    sink.wait_ready()
    return engine, sink


def wait_until_stopped(engine: PlaybackEngine, timeout: float) -> list[tuple[float, float]]:
    """Poll like the GUI timer does; returns (seconds since call, position) samples."""
    start, trace = time.monotonic(), []
    while engine.state == PlaybackState.PLAYING:
        trace.append((time.monotonic() - start, engine.position_seconds()))
        assert time.monotonic() - start < timeout, f"still playing after {timeout} s"
        time.sleep(0.02)
    return trace


def received(engine: PlaybackEngine, sink: AlsaSink) -> np.ndarray:
    """Close the stream (the pacer then flushes) and return what the device got, sans priming."""
    channels = engine.output_channels
    engine.close()
    frames = sink.frames(channels)
    return frames[leading_silence(frames):]


@pytest.mark.parametrize("name", [STEREO_24BIT, MONO_16BIT])
def test_the_device_receives_exactly_the_clip_samples(originals_root, name):
    c = clip(originals_root, name)
    engine, sink = loaded(c.samples, c.format.sample_rate)
    assert (engine.output_rate, engine.output_channels) == (c.format.sample_rate, 2)
    assert engine.play()
    wait_until_stopped(engine, timeout=c.duration + 3)
    assert engine.error is None and engine.state == PlaybackState.STOPPED
    assert engine.position_seconds() == pytest.approx(c.duration)
    expected = fit_channels(c.samples, 2)     # mono is duplicated to both channels
    expected = expected[leading_silence(expected):]
    got = received(engine, sink)
    np.testing.assert_array_equal(got[:len(expected)], expected)
    assert not got[len(expected):].any(), "only silence may follow the clip"


def test_the_position_follows_real_time_and_ends_at_the_duration(originals_root):
    c = clip(originals_root, STEREO_48K_4S)
    engine, sink = loaded(c.samples, c.format.sample_rate)
    assert 0 < engine.latency_seconds < 0.5 and not engine.ended
    engine.play()
    trace = wait_until_stopped(engine, timeout=c.duration + 3)
    elapsed = trace[-1][0]
    assert c.duration <= elapsed + 0.05 < c.duration + engine.latency_seconds + 0.4
    positions = [p for _, p in trace]
    assert positions == sorted(positions), "the position never goes back"
    steady = [(t, p) for t, p in trace if 0.3 < t < c.duration - 0.3]
    assert len(steady) > 50
    worst = max(abs(p - t) for t, p in steady)
    assert worst < 0.1, f"position drifts {worst:.3f} s from the audible time"
    assert engine.position_seconds() == c.duration and engine.state == PlaybackState.STOPPED
    assert engine.ended                  # played to its end
    engine.close()


def test_pause_holds_the_position_and_play_resumes_there_and_seek_jumps(originals_root):
    c = clip(originals_root, STEREO_4S)
    engine, sink = loaded(c.samples, c.format.sample_rate)
    data, rate = fit_channels(c.samples, 2), c.format.sample_rate
    start = time.monotonic()
    engine.play()
    time.sleep(0.6)
    engine.pause()
    elapsed = time.monotonic() - start
    paused_at = engine.position_seconds()
    assert engine.state == PlaybackState.PAUSED and 0.3 < paused_at <= elapsed + 0.05
    assert not engine.ended
    time.sleep(0.3)                      # the sink drains what was already written
    size = sink.byte_count()
    time.sleep(0.3)
    assert engine.position_seconds() == paused_at, "paused position must not move"
    assert sink.byte_count() == size, "the device must receive nothing while paused"

    start = time.monotonic()
    engine.play()                        # resume
    assert engine.state == PlaybackState.PLAYING
    time.sleep(0.3)
    position, elapsed = engine.position_seconds(), time.monotonic() - start
    assert paused_at + 0.1 < position <= paused_at + elapsed + 0.05
    engine.seek(3.0)
    assert engine.position_seconds() >= 3.0
    wait_until_stopped(engine, timeout=3)
    assert engine.position_seconds() == pytest.approx(c.duration)

    got = received(engine, sink)
    key = data[round(paused_at * rate):][:256]
    candidates = np.flatnonzero((got[:, 0] == key[0, 0]) & (got[:, 1] == key[0, 1]))
    hits = [i for i in candidates if np.array_equal(got[i:i + 256], key)]
    # once before the pause (in the buffer the pause dropped), once more after resuming
    assert len(hits) >= 2, f"playback did not resume at the paused position: {hits}"
    seek_frame = round(3.0 * rate)
    last = len(got) - leading_silence(got[::-1])
    tail = data[seek_frame:]
    tail = tail[:len(tail) - leading_silence(tail[::-1])]
    np.testing.assert_array_equal(got[last - len(tail):last], tail)

    engine.load(c.samples, rate)
    sink.wait_ready()
    start = time.monotonic()
    engine.play(from_seconds=2.0)
    time.sleep(0.2)
    assert 2.0 <= engine.position_seconds() <= 2.0 + time.monotonic() - start + 0.05
    engine.stop()
    assert engine.state == PlaybackState.STOPPED and engine.position_seconds() == 0.0
    assert not engine.ended              # stopped by the user, not at the end
    engine.close()


def test_loop_wraps_to_the_start_until_switched_off(originals_root):
    c = clip(originals_root, SHORT)
    engine, sink = loaded(c.samples, c.format.sample_rate)
    engine.loop = True
    engine.play()
    trace = []
    start = time.monotonic()
    while time.monotonic() - start < 1.2:
        trace.append(engine.position_seconds())
        time.sleep(0.01)
    assert engine.state == PlaybackState.PLAYING and engine.loop
    assert all(0 <= p <= c.duration for p in trace)
    wraps = sum(1 for a, b in zip(trace, trace[1:]) if b < a - c.duration / 2)
    assert wraps >= 2, f"expected the position to wrap at least twice: {trace}"
    engine.loop = False
    wait_until_stopped(engine, timeout=c.duration + 2)
    assert engine.error is None
    got = received(engine, sink)
    full = fit_channels(c.samples, 2)
    expected = np.concatenate([full[leading_silence(full):], full, full])  # passes follow without a gap
    np.testing.assert_array_equal(got[:len(expected)], expected)


def test_a_sample_rate_the_device_rejects_is_resampled_to_its_default(originals_root):
    c = clip(originals_root, MONO_16BIT)
    hi_res = soxr.resample(c.samples, c.format.sample_rate, 768000, quality="HQ")  # beyond ALSA's null device
    engine, sink = loaded(hi_res, 768000)
    assert engine.output_rate == 44100 and 768000 in engine.rejected_rates
    assert engine.duration == pytest.approx(c.duration, abs=1e-4)
    engine.play()
    wait_until_stopped(engine, timeout=c.duration + 3)
    assert engine.error is None and engine.position_seconds() == pytest.approx(engine.duration)
    expected = soxr.resample(fit_channels(hi_res, 2), 768000, 44100, quality="HQ").astype(np.float32)
    expected = expected[leading_silence(expected):]
    got = received(engine, sink)
    np.testing.assert_array_equal(got[:len(expected)], expected)


def test_a_device_that_only_accepts_48_khz_gets_resampled_audio(originals_root):
    sink = AlsaSink.current()
    assert sink.kind == "a52"
    c = clip(originals_root, MONO_16BIT)     # 44.1 kHz: the a52 device refuses it
    engine = PlaybackEngine()
    engine.load(c.samples, c.format.sample_rate)
    assert engine.output_rate == 48000 and 44100 in engine.rejected_rates
    assert engine.output_channels == 2 and engine.source_rate == 44100
    running = sink.wait_ready()
    assert running[2] == "48000", running
    engine.play()
    wait_until_stopped(engine, timeout=c.duration + 3)
    assert engine.error is None and engine.position_seconds() == pytest.approx(c.duration, abs=1e-4)
    engine.close()
    frames_48k = c.duration * 48000
    # the a52 encoder emits S16 stereo IEC 958 bursts at 48 kHz: 4 bytes per frame
    assert frames_48k * 4 <= sink.byte_count() <= (frames_48k + 0.5 * 48000) * 4


def test_a_stream_that_stops_by_itself_mid_play_is_reported(originals_root):
    c = clip(originals_root, STEREO_4S)
    engine, sink = loaded(c.samples, c.format.sample_rate)
    engine.play()
    time.sleep(0.3)
    engine._stream.abort()   # the device went away: PortAudio ends the stream on its own
    deadline = time.monotonic() + 2
    while engine.state != PlaybackState.STOPPED and time.monotonic() < deadline:
        time.sleep(0.01)
    assert engine.state == PlaybackState.STOPPED
    assert engine.error and "stopped unexpectedly" in engine.error
    assert engine.play(), "a new play() starts the stream again"
    assert engine.error is None and engine.state == PlaybackState.PLAYING
    engine.close()


def test_without_an_output_device_the_reason_is_clear(originals_root):
    assert AlsaSink.current().kind == "none"
    engine = PlaybackEngine()
    assert not engine.available
    assert "no default audio output device" in engine.unavailable_reason
    c = clip(originals_root, SHORT)
    with pytest.raises(PlaybackUnavailable, match="no default audio output device"):
        engine.load(c.samples, c.format.sample_rate)
    with pytest.raises(PlaybackUnavailable):
        engine.play()
    assert engine.position_seconds() == 0.0 and engine.state == PlaybackState.STOPPED
