"""Playback on a real PortAudio stream (ALSA file sink, a52 device, or no device).

The cases in playback_cases.py run one per fresh process, because ALSA's configuration is read
when PortAudio initialises; see tests/alsa_sink.py. The pure helpers are tested in-process.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from alsa_sink import AlsaSink, case_names, run_case

from audioscope.core.playback.device import PlaybackUnavailable, fit_channels

CASES = Path(__file__).with_name("playback_cases.py")
SINK_FOR = {"test_a_device_that_only_accepts_48_khz_gets_resampled_audio": "a52",
            "test_without_an_output_device_the_reason_is_clear": "none"}


@pytest.mark.slow
@pytest.mark.parametrize("case", case_names(CASES))
def test_playback_case(case, tmp_path):
    run_case(CASES, case, AlsaSink.create(tmp_path / "alsa", SINK_FOR.get(case, "file")))


def test_every_case_runs():
    names = case_names(CASES)
    assert len(names) >= 8 and set(SINK_FOR) <= set(names)


def test_channels_are_fitted_to_the_device():
    mono = np.arange(4, dtype=np.float32)[:, None]
    np.testing.assert_array_equal(fit_channels(mono, 2), np.c_[mono, mono])
    stereo = np.array([[1, 3], [2, 4]], dtype=np.float32)
    np.testing.assert_array_equal(fit_channels(stereo, 2), stereo)
    np.testing.assert_array_equal(fit_channels(stereo, 1), [[2], [3]])
    surround = np.tile(np.arange(6, dtype=np.float32), (3, 1))   # 5.1: mean of the six = 2.5
    out = fit_channels(surround, 2)
    assert out.shape == (3, 2) and out.dtype == np.float32 and np.all(out == 2.5)


def test_unavailable_carries_its_reason():
    exc = PlaybackUnavailable("no default audio output device")
    assert exc.reason == str(exc) == "no default audio output device"
