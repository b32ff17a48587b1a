"""Transport on a real PortAudio stream (ALSA file sink) and without any output device.

The cases in transport_cases.py run one per fresh process (ALSA reads its configuration when
PortAudio initialises); see tests/alsa_sink.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alsa_sink import AlsaSink, case_names, run_case

CASES = Path(__file__).with_name("transport_cases.py")
SINK_FOR = {"test_without_an_output_device_the_buttons_are_disabled_and_the_reason_shown": "none"}


@pytest.mark.slow
@pytest.mark.parametrize("case", case_names(CASES))
def test_transport_case(case, tmp_path):
    run_case(CASES, case, AlsaSink.create(tmp_path / "alsa", SINK_FOR.get(case, "file")))


def test_every_case_runs():
    names = case_names(CASES)
    assert len(names) >= 4 and set(SINK_FOR) <= set(names)
