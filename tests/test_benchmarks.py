"""The quick benchmark runs and reports every number (the targets are checked by `make bench`)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from us8k_subsets import US8K

REPO = Path(__file__).resolve().parents[1]
NUMBER = r"\d+(\.\d+)? (ms|s|MiB|MB)"


@pytest.mark.slow
def test_quick_benchmark_reports_every_number(tmp_path):
    out = tmp_path / "benchmarks.md"
    result = subprocess.run([sys.executable, str(REPO / "benchmarks" / "run.py"), "--quick", "--out", str(out),
                             "--data", str(US8K)],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    for heading in ("## Per clip", "## Whole dataset", "## Explorer", "## Installed size", "## Targets",
                    "## How the table's cost grows", "## What the targets not met are made of"):
        assert heading in text, f"section {heading!r} missing from the report"
    for label in ("| tutorial:", "| audioscope, embeddings recipe:", "| audioscope, stats recipe",
                  "| floor:", "faster than the tutorial", "| BirdNET input:", "| BirdNET inference",
                  "| aiSFX input:", "| aiSFX inference", "| the whole vector:", "sequential loop",
                  "Embeddings recipe (", "Stats recipe (", "no cache:", "Warm cache:", "original-format clips |",
                  "clips of the 22 kHz FLAC set |", "Cold start", "Resident memory", "Runtime dependencies",
                  "resources/embeddings", "views drawn, p95", "prediction drawn, p95", "why strip drawn, p95",
                  "cold start to the first paint", "| 8 732 rows |", "| 17 464 rows |", "For 2× the rows:",
                  "| 8 clips |", "| 16 clips |", "For 2× the clips the time grows:"):
        line = next((l for l in text.splitlines() if label in l), None)
        assert line is not None, f"{label!r} missing from the report"
        assert re.search(r"\d", line.split(label, 1)[1]), f"no number after {label!r}: {line}"
    for label in ("| BirdNET V2.4 (float32) |", "| aiSFX (int8) |"):   # 1 and 2 threads, 1 and 8 clips a call
        line = next(l for l in text.splitlines() if label in l)
        assert len(re.findall(r"\d+\.\d / \d+\.\d", line)) == 4, f"a batch cost is missing: {line}"
    assert re.search(r"Explorer \(window 1440×900, (X11 \(xcb\)|offscreen);", text)
    assert "| resident memory, 8732-row table" in text and "faster than the tutorial |" in text
    for label in ("original-format clips |", "clips of the 22 kHz FLAC set |"):   # three stages each
        line = next(l for l in text.splitlines() if label in l)
        assert len(re.findall(r"\d+\.\d ms", line)) == 6, f"a stage is missing: {line}"
    assert re.search(rf"onnxruntime {NUMBER}", text), "onnxruntime's installed size is missing"
    assert re.search(rf"dist/audioscope/ \(`make package`\): ({NUMBER}|not built)", text)
    assert len(re.findall(r"workers: (forked processes|joblib)\.", text)) == 2, "the kind of workers is missing"
    assert not re.search(r"\bnan\b", text, re.IGNORECASE), "a figure is not a number"
    assert len(re.findall(r"\*\*(met|not met)\*\*", text)) == 6, "a target's verdict is missing"
