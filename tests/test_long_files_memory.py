"""Long files in bounded memory: ``info`` reads levels block by block, analysis-only loads
(``predict``, ``extract``) keep no samples and mix and resample in blocks, and the signal they
get is the one the window computes, bit for bit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audioscope.core.batch import vectors
from audioscope.core.batch.vectors import vectors_and_digests, vectors_for_files
from audioscope.core.signal.audio import load_clip

MINUTES = 10


@pytest.fixture(scope="module")
def long_stereo(original_files, tmp_path_factory) -> Path:
    """Ten minutes of real clips, stereo 44.1 kHz 16-bit (106 MB; 212 MB as float32)."""
    parts = []
    for path in original_files:
        samples, rate = sf.read(path, dtype="float32", always_2d=True)
        if rate == 44100:
            parts.append(np.repeat(samples, 2, axis=1)[:, :2] if samples.shape[1] == 1 else samples[:, :2])
    audio = np.resize(np.concatenate(parts), (MINUTES * 60 * 44100, 2))
    path = tmp_path_factory.mktemp("long") / "ten minutes.wav"
    sf.write(path, audio, 44100, subtype="PCM_16")
    return path


def peak_rss_mb(*args: str, tmp_path: Path) -> float:
    """Run the command line to the end; its peak resident memory in MB (from wait4)."""
    env = {**os.environ, "AUDIOSCOPE_CACHE_DIR": str(tmp_path / "cache"), "AUDIOSCOPE_LOG_DIR": str(tmp_path / "log")}
    child = subprocess.Popen([sys.executable, "-m", "audioscope", *args], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    assert child.returncode == 0, child.stderr.read().decode()
    return usage.ru_maxrss / 1024


def test_streamed_analysis_signal_equals_the_windows(long_stereo):
    window = load_clip(long_stereo)
    streamed = load_clip(long_stereo, keep_samples=False)
    assert streamed.samples is None and window.samples.shape == (MINUTES * 60 * 44100, 2)
    np.testing.assert_array_equal(streamed.signal, window.signal)


def test_info_and_predict_do_not_hold_the_decoded_file(long_stereo, tmp_path):
    decoded_mb = MINUTES * 60 * 44100 * 2 * 4 / 2**20          # 202 MiB of float32 samples
    short = long_stereo.with_name("short.wav")
    sf.write(short, sf.read(long_stereo, frames=44100 * 4, dtype="float32")[0], 44100, subtype="PCM_16")
    # predict's baseline fills every inference batch (1 BirdNET window, 16 aiSFX blocks: see
    # clip_embedding.MAX_BATCH), so what differs is what grows with the file
    batches = long_stereo.with_name("forty seconds.wav")
    sf.write(batches, sf.read(long_stereo, frames=44100 * 40, dtype="float32")[0], 44100, subtype="PCM_16")
    baseline_info = peak_rss_mb("info", str(short), tmp_path=tmp_path)
    baseline = peak_rss_mb("predict", str(batches), tmp_path=tmp_path)
    info = peak_rss_mb("info", str(long_stereo), tmp_path=tmp_path)
    predict = peak_rss_mb("predict", str(long_stereo), tmp_path=tmp_path)
    assert info - baseline_info < 0.2 * decoded_mb, (info, baseline_info)
    # the analysis signal (22.05 kHz mono, a quarter of the samples) and its features stay
    assert predict - baseline < decoded_mb, (predict, baseline)


@pytest.fixture(scope="module")
def batch_long_stereo(long_stereo) -> tuple[Path, int]:
    """The first whole minutes of ``long_stereo`` whose analysis signal (22.05 kHz mono float32)
    passes the batch bound, so the batch is summarised after each file: 7 minutes for 32 MiB.
    The same test as on the whole ten minutes, with 21 minutes of audio embedded instead of 30."""
    minutes = int(vectors._BATCH_FEATURE_BYTES // (60 * 22050 * 4)) + 1
    assert minutes < MINUTES
    path = long_stereo.with_name(f"{minutes} minutes.wav")
    sf.write(path, sf.read(long_stereo, frames=minutes * 60 * 44100, dtype="float32")[0], 44100,
             subtype="PCM_16")
    return path, minutes


def test_a_batch_of_long_files_keeps_features_not_audio(batch_long_stereo):
    """One task's clips are summarised together; it must not hold each clip's signal
    (37 MB for seven minutes) until the end. Measured as the peak of Python's and numpy's own
    allocations (tracemalloc), the same from run to run; the process's peak RSS also holds
    onnxruntime's arena and what the allocator keeps, which vary by a few hundred MB."""
    path, minutes = batch_long_stereo
    code = ("import sys, tracemalloc; from audioscope.core.batch.vectors import vectors_and_digests as v; "
            "tracemalloc.start(); r = v(sys.argv[1:]); assert all(d is not None for _, d in r); "
            "print(tracemalloc.get_traced_memory()[1] / 2**20)")

    def peak_allocated_mb(*files: str) -> float:
        done = subprocess.run([sys.executable, "-c", code, *files], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return float(done.stdout.split()[-1])

    one = peak_allocated_mb(str(path))
    two = peak_allocated_mb(*[str(path)] * 2)
    signal_mb = minutes * 60 * 22050 * 4 / 2**20
    assert two - one < 0.5 * signal_mb, (one, two)      # the first file's signal is let go


def test_vectors_for_files_are_those_of_vectors_and_digests(original_files):
    files = [str(path) for path in original_files[:3]]
    expected = [vector for vector, _digest in vectors_and_digests(files)]
    for got, vector in zip(vectors_for_files(files), expected, strict=True):
        np.testing.assert_array_equal(got, vector)


def test_the_self_test_of_a_long_file_holds_it_once(long_stereo, tmp_path):
    """The window keeps the samples (to play them) and the analysis; the self-test's check of
    the worker processes uses a short excerpt, not 42 copies of the file."""
    short = long_stereo.with_name("short.wav")
    if not short.exists():
        sf.write(short, sf.read(long_stereo, frames=44100 * 4, dtype="float32")[0], 44100, subtype="PCM_16")
    decoded_mb = MINUTES * 60 * 44100 * 2 * 4 / 2**20
    baseline = peak_rss_mb("--self-test", str(short), tmp_path=tmp_path)
    long = peak_rss_mb("--self-test", str(long_stereo), tmp_path=tmp_path)
    assert long - baseline < 3 * decoded_mb, (baseline, long)
