"""A real PortAudio output device without a sound card, for playback tests.

ALSA reads its configuration once, when PortAudio initialises (at ``import sounddevice``), so
every playback test runs in a fresh Python process whose ``ALSA_CONFIG_PATH`` names a config
written here:

* ``file``: ``pcm.!default`` is ALSA's *file* plugin over the *null* device. The stream's
  bytes — float32 interleaved, because the null device accepts PortAudio's native float32, so
  nothing is converted — are piped to a small pacer that appends them to ``out.raw`` at the
  stream's byte rate (``%r %c %b`` in the plugin's command), so the device consumes audio in
  real time like a sound card. The pacer shrinks its pipe to one page, so the audio buffered
  beyond what PortAudio reports as latency is a few milliseconds.
* ``a52``: ``pcm.!default`` is the a52 (AC-3 encoder, libasound2-plugins) device, which only
  accepts 48000 Hz, writing its encoded output to the same paced file sink.
* ``none``: ``pcm.!default`` points at a slave that does not exist: PortAudio finds no
  output device at all.

Cases live in ``*_cases.py`` files (not collected on their own); ``run_case`` runs one of them
with pytest in a subprocess whose environment selects the sink.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SINK_ENV = "AUDIOSCOPE_TEST_ALSA_SINK"
A52_PLUGINS = sorted(Path("/usr/lib").glob("**/alsa-lib/libasound_module_pcm_a52.so"))

PACER = r'''
import fcntl, os, sys, time
out, rate, channels, bits, log = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
def shrink():
    try:
        fcntl.fcntl(0, fcntl.F_SETPIPE_SZ, 4096)
        return True
    except OSError:   # EBUSY: more than a page is already waiting; retry after reading
        return False
small = shrink()
with open(log, "a") as f:
    f.write(f"start {os.getpid()} {rate} {channels} {bits} {int(small)}\n")
byte_rate = rate * channels * bits // 8
start, total = None, 0
with open(out, "ab", buffering=0) as sink:
    while True:
        small = small or shrink()
        chunk = os.read(0, 4096)
        if not chunk:
            break
        start = time.monotonic() if start is None else start
        sink.write(chunk)
        total += len(chunk)
        if small:
            delay = start + total / byte_rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            elif delay < -0.02:  # the stream was idle (paused): a device does not catch up
                start -= delay
with open(log, "a") as f:
    f.write(f"end {os.getpid()} {total}\n")
'''

FILE_SINK = """pcm.audioscope_test_sink {{
    type file
    slave.pcm "null"
    file "|exec {python} -I -S {folder}/pacer.py {folder}/out.raw %r %c %b {folder}/pacers.log"
    format "raw"
}}
"""
CONFIGS = {
    "file": FILE_SINK + 'pcm.!default "audioscope_test_sink"\n',
    "a52": FILE_SINK + ('pcm.!default {{\n    type a52\n    slavepcm "audioscope_test_sink"\n'
                        '    rate 48000\n    channels 2\n}}\n'),
    "none": 'pcm.!default {{\n    type plug\n    slave.pcm "audioscope_test_missing_device"\n}}\n',
}


@dataclass(frozen=True)
class AlsaSink:
    folder: Path
    kind: str

    @classmethod
    def create(cls, folder: Path, kind: str = "file") -> AlsaSink:
        if kind == "a52" and not A52_PLUGINS:
            pytest.skip("the ALSA a52 plugin (libasound2-plugins) is not installed")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "pacer.py").write_text(PACER)
        (folder / "asound.conf").write_text(CONFIGS[kind].format(python=sys.executable, folder=folder))
        return cls(folder, kind)

    @classmethod
    def current(cls) -> AlsaSink:
        """The sink this (sub)process was started with."""
        value = os.environ.get(SINK_ENV)
        if not value:
            pytest.fail(f"{SINK_ENV} is not set: run these cases through run_case()")
        kind, folder = value.split(":", 1)
        return cls(Path(folder), kind)

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "ALSA_CONFIG_PATH": f"/usr/share/alsa/alsa.conf:{self.folder}/asound.conf",
                SINK_ENV: f"{self.kind}:{self.folder}", "QT_QPA_PLATFORM": "offscreen"}

    @property
    def raw_path(self) -> Path:
        return self.folder / "out.raw"

    def frames(self, channels: int) -> np.ndarray:
        """Everything the device received so far, as float32 (frames, channels)."""
        if not self.raw_path.exists():
            return np.zeros((0, channels), dtype=np.float32)
        return np.fromfile(self.raw_path, dtype=np.float32).reshape(-1, channels)

    def reset(self) -> None:
        """Forget what earlier (closed) streams wrote."""
        self.raw_path.unlink(missing_ok=True)

    def byte_count(self) -> int:
        return self.raw_path.stat().st_size if self.raw_path.exists() else 0

    def pacers(self) -> tuple[list[list[str]], list[list[str]]]:
        """(start lines, end lines) of the pacer log: one pacer per opened ALSA stream."""
        log = self.folder / "pacers.log"
        lines = [line.split() for line in log.read_text().splitlines()] if log.exists() else []
        return [x for x in lines if x[0] == "start"], [x for x in lines if x[0] == "end"]

    def wait_ready(self, timeout: float = 5.0) -> list[str]:
        """Wait until exactly one pacer runs (the open stream's) and return its start line."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            starts, ends = self.pacers()
            ended = {e[1] for e in ends}
            running = [s for s in starts if s[1] not in ended]
            if len(running) == 1:
                return running[0]
            time.sleep(0.01)
        raise AssertionError(f"the ALSA file sink did not start: {self.pacers()}")


def leading_silence(frames: np.ndarray) -> int:
    """Number of all-zero frames at the start (PortAudio primes the device with silence)."""
    nonzero = np.flatnonzero(np.any(frames != 0, axis=1))
    return int(nonzero[0]) if nonzero.size else frames.shape[0]


def case_names(cases_file: Path) -> list[str]:
    """The test functions defined in a cases file, in order."""
    tree = ast.parse(cases_file.read_text())
    return [node.name for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")]


def run_case(cases_file: Path, case: str, sink: AlsaSink, timeout: float = 120) -> str:
    """Run one case with pytest in a fresh process on ``sink``; fail with its output if it fails."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               f"{cases_file}::{case}"]
    result = subprocess.run(command, cwd=REPO, env=sink.env, capture_output=True, text=True,
                            timeout=timeout)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        pytest.fail(f"{case} failed in its subprocess (exit {result.returncode}):\n{output}",
                    pytrace=False)
    assert " passed" in result.stdout, output
    return output
