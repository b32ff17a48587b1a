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
