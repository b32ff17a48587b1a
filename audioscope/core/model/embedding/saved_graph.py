"""onnxruntime's optimised graph of each embedding network, saved once in the user's cache.

At its highest level (fused operators, convolution weights re-laid in NCHWc blocks)
onnxruntime optimises a graph while it loads, and held the original and the re-laid weights
at once: loading BirdNET took 81 MB, aiSFX 78 MB. Their optimised graphs, saved on first use
and loaded with optimisation off, take 37 and 27 MB, run as fast and give the same numbers,
bit for bit (measured on this project's machines).

Graphs optimised at that level fit only the CPU they were made on, so a saved graph's name
carries the network's SHA-256, the onnxruntime version and a digest of the CPU's features. A
SHA-256 file beside it catches a damaged graph, which is then made again. When the cache
cannot be written, the network is optimised at each load, as before.
"""

from __future__ import annotations

import hashlib
import logging
import platform
from pathlib import Path
from typing import Any

from audioscope.core.store.atomic_file import atomic_path
from audioscope.core.store.paths import cache_dir

log = logging.getLogger(__name__)

FOLDER = "onnx-graphs"


def graphs_dir() -> Path:
    return cache_dir() / FOLDER


def _cpu_digest() -> str:
    """What the optimised graph's layout depends on: the machine and its instruction sets."""
    flags = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            flags = next((line for line in info if line.startswith(("flags", "Features"))), "")
    except OSError:
        pass
    text = f"{platform.machine()}|{platform.processor()}|{flags.strip()}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def graph_path(name: str, model_sha256: str, ort_version: str) -> Path:
    """Where the optimised graph of the network ``name`` (file digest ``model_sha256``) is kept."""
    return graphs_dir() / f"{name}-{model_sha256[:16]}-ort{ort_version}-cpu{_cpu_digest()}.onnx"


def _digest_path(graph: Path) -> Path:
    return graph.with_name(graph.name + ".sha256")


def saved_graph(path: Path) -> bytes | None:
    """The saved graph at ``path`` if it is there and whole, else None."""
    try:
        data = path.read_bytes()
        expected = _digest_path(path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if hashlib.sha256(data).hexdigest() != expected:
        log.warning("%s: damaged (its SHA-256 differs); optimising the network again", path)
        return None
    return data


def optimising_session(ort: Any, data: bytes, options: Any, path: Path) -> Any:
    """A session over the network ``data``, optimised as it loads, its optimised graph saved
    at ``path`` (with its SHA-256 beside it) for the next load; a cache that cannot be written
    only costs that saving."""
    try:
        with atomic_path(path) as partial:
            options.optimized_model_filepath = str(partial)
            session = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
            digest = hashlib.sha256(Path(partial).read_bytes()).hexdigest()
        with atomic_path(_digest_path(path)) as partial:
            Path(partial).write_text(digest + "\n", encoding="ascii")
        return session
    except OSError as exc:
        log.info("the optimised graph cannot be saved at %s (%s)", path, exc)
    options.optimized_model_filepath = ""
    return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
