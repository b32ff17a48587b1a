"""The window's keyboard playback on a real PortAudio stream (ALSA file sink, see tests/alsa_sink.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alsa_sink import AlsaSink, case_names, run_case

CASES = Path(__file__).with_name("main_window_cases.py")


@pytest.mark.slow
@pytest.mark.parametrize("case", case_names(CASES))
def test_main_window_case(case, tmp_path):
    run_case(CASES, case, AlsaSink.create(tmp_path / "alsa", "file"))
