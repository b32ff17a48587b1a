"""The shipped embedding networks' cost per clip against the batch size and the threads, for
benchmarks/run.py: ``batch_costs(signals)`` runs each network on the clips' own inputs (BirdNET's
windows, aiSFX's blocks), one clip per call and then 32 clips per call (a quick run: 8), in sessions
of one and of two threads (each built as audioscope builds its own: ``runtime.OnnxModel``).
"""

from __future__ import annotations

import statistics
import time

import numpy as np

BATCH_CLIPS = (1, 32)
THREADS = (1, 2)


def _inputs(signals: list[np.ndarray], sample_rate: int) -> dict[str, list[np.ndarray]]:
    from audioscope.core.model.embedding import aisfx_input, birdnet_input

    return {"birdnet": [birdnet_input.windows_48k(s, sample_rate) for s in signals],
            "aisfx": [aisfx_input.model_input(s, sample_rate) for s in signals]}


def _ms_per_clip(model, parts: list[np.ndarray], clips_per_call: int, passes: int) -> tuple[float, float]:
    """(median, p95) ms per clip over calls of ``clips_per_call`` clips' parts each."""
    model.run(parts[0])                                   # the first call allocates
    costs = []
    for _ in range(passes):
        for first in range(0, len(parts) - clips_per_call + 1, clips_per_call):
            batch = np.concatenate(parts[first:first + clips_per_call])
            started = time.perf_counter()
            model.run(batch)
            costs.append(1000 * (time.perf_counter() - started) / clips_per_call)
    costs.sort()
    return statistics.median(costs), costs[min(len(costs) - 1, int(0.95 * len(costs)))]


def batch_costs(signals: list[np.ndarray], sample_rate: int = 22050, passes: int = 2,
                clips_per_call: tuple[int, ...] = BATCH_CLIPS) -> dict:
    """ms per clip of each network for each (threads, clips per call), with the parts per clip."""
    from audioscope.core.model.embedding.runtime import OnnxModel, read_manifest

    inputs = _inputs(signals, sample_rate)
    manifest = read_manifest()
    costs = {}
    for name, parts in inputs.items():
        for threads in THREADS:
            model = OnnxModel(manifest[name], threads=threads)
            for clips in clips_per_call:
                if clips <= len(parts):
                    costs[f"{name}/{threads}/{clips}"] = _ms_per_clip(model, parts, clips, passes)
            del model
    return {"costs": costs, "clips": len(signals), "per_call": clips_per_call,
            "files": {n: manifest[n].path.name for n in inputs},
            "parts": {n: float(np.mean([len(p) for p in parts])) for n, parts in inputs.items()}}


def batch_section(result: dict) -> list[str]:
    """The report's table: ms per clip, median / p95, by network, threads and clips per call."""
    costs, parts, per_call = result["costs"], result["parts"], result["per_call"]
    head = " | ".join(f"{t} thread{'s' if t > 1 else ''}, {c} clip{'s' if c > 1 else ''} a call"
                      for t in THREADS for c in per_call)
    lines = [f"Each network alone on the inputs of {result['clips']} clips of the 22 kHz FLAC set "
             f"(`{result['files']['birdnet']}`: {parts['birdnet']:.1f} windows a clip, "
             f"`{result['files']['aisfx']}`: {parts['aisfx']:.1f} blocks a clip), ms per clip, "
             f"median / p95:", "", f"| network | {head} |", "|---|" + "---|" * len(THREADS) * len(per_call)]
    for name, label in (("birdnet", "BirdNET V2.4 (float32)"), ("aisfx", "aiSFX (int8)")):
        cells = []
        for t in THREADS:
            for c in per_call:
                got = costs.get(f"{name}/{t}/{c}")
                cells.append("–" if got is None else f"{got[0]:.1f} / {got[1]:.1f}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines
