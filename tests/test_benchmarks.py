"""The quick benchmark runs and reports every number (the targets are checked by `make bench`)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_quick_benchmark_reports_every_number(tmp_path):
    out = tmp_path / "benchmarks.md"
    result = subprocess.run([sys.executable, str(REPO / "benchmarks" / "run.py"), "--quick", "--out", str(out)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    for label in ("| tutorial:", "| audioscope:", "| floor:", "faster than the tutorial", "sequential loop",
                  "cold cache:", "no cache:", "Warm cache:", "Selection to all three views",
                  "The same over", "Cold start", "Resident memory"):
        line = next((l for l in text.splitlines() if label in l), None)
        assert line is not None, f"{label!r} missing from the report"
        assert re.search(r"\d", line.split(label, 1)[1]), f"no number after {label!r}: {line}"
    assert re.search(r"workers: (forked processes|joblib)\.", text), "the kind of workers is missing"
