"""Freed analysis arrays are reused instead of coming back from the OS as fresh, faulting pages."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = """
import resource, sys
from audioscope.core.process.allocator import keep_freed_memory
keep_freed_memory()     # as every entry point does
from audioscope.core.signal.audio import load_clip
from audioscope.core.signal.features import compute_features
paths = sys.argv[1:]
for p in paths[:3]:
    compute_features(load_clip(p).signal)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for p in paths:
    compute_features(load_clip(p).signal)
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / len(paths))
"""


def faults_per_clip(files: list[str], keep: str) -> float:
    env = {**os.environ, "AUDIOSCOPE_KEEP_FREED_MEMORY": keep}
    out = subprocess.run([sys.executable, "-c", PROBE, *files], capture_output=True, text=True,
                         env=env, check=True)
    return float(out.stdout.split()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_analysing_clip_after_clip_reuses_memory_instead_of_faulting_in_new_pages(flac_root):
    files = [str(p) for p in sorted(flac_root.glob("audio/fold1/*.flac"))[:60]]
    untuned = faults_per_clip(files, "0")       # glibc's defaults: fresh pages for every clip
    tuned = faults_per_clip(files, "1")
    assert untuned > 100, untuned
    assert tuned < untuned / 10, (tuned, untuned)


RELEASE_PROBE = """
import sys, threading
from pathlib import Path
import numpy as np
from audioscope.core.process.allocator import keep_freed_memory, release_freed_memory
keep_freed_memory()
def rss_mb():
    line = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024
def churn():            # a worker thread's batches: many arrays under the 32 MB mmap threshold
    held = [np.ones(2_000_000) for _ in range(25)]      # 25 x 16 MB, touched
    del held
thread = threading.Thread(target=churn)
thread.start(); thread.join()
kept = rss_mb()
released = release_freed_memory()
print(kept, rss_mb(), released)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_memory_freed_by_a_worker_thread_goes_back_to_the_os_when_released():
    """Kept freed memory stays resident until ``release_freed_memory``, which the window calls
    once a clip's why strip is done."""
    out = subprocess.run([sys.executable, "-c", RELEASE_PROBE], capture_output=True, text=True, check=True)
    kept, after, released = out.stdout.split()
    assert released == "True"
    assert float(kept) - float(after) > 100, (kept, after)      # measured: 210 -> 88 MB
