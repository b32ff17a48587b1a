"""The two pretrained embedding networks, run by onnxruntime from resources/embeddings/.

``resources/embeddings/manifest.json`` (written by ``make embeddings``) names each model file
with its SHA-256, checked when the model is first used: a damaged or replaced file is an
EmbeddingModelError naming it, never a silent wrong answer. onnxruntime is imported only
then (it costs ~0.1 s and 40 MB), so the window paints without it.

Nothing here downloads anything: the files come with audioscope (see the README's Licences
section for their terms — BirdNET's weights are CC BY-NC-SA 4.0, aiSFX's CC BY 4.0).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audioscope.core.model.embedding import saved_graph
from audioscope.core.store.resources import resource_path

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1
MODEL_NAMES = ("birdnet", "aisfx")


class EmbeddingModelError(Exception):
    """An embedding model cannot be used; the message names the file and the reason."""


def embeddings_dir() -> Path:
    return resource_path("embeddings")


@dataclass(frozen=True)
class ModelFile:
    """One entry of the manifest: which file, its digest, its tensors and its licence."""

    name: str
    path: Path
    sha256: str
    input_name: str
    output_name: str
    licence: str
    attribution: str


def read_manifest(directory: Path | None = None) -> dict[str, ModelFile]:
    """The manifest's models (EmbeddingModelError if it is missing or not ours)."""
    directory = embeddings_dir() if directory is None else directory
    path = directory / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EmbeddingModelError(f"{path}: not found — the embedding models are missing from "
                                  f"this installation (rebuild them with `make embeddings`)") from None
    except (OSError, ValueError) as exc:
        raise EmbeddingModelError(f"{path}: unreadable ({exc})") from None
    models = manifest.get("models", {}) if isinstance(manifest, dict) else {}
    if manifest.get("format") != MANIFEST_FORMAT or any(n not in models for n in MODEL_NAMES):
        raise EmbeddingModelError(f"{path}: not an embeddings manifest of format {MANIFEST_FORMAT} "
                                  f"naming {', '.join(MODEL_NAMES)}")
    try:
        return {name: ModelFile(name, directory / models[name]["file"], models[name]["sha256"],
                                models[name]["input"]["name"], models[name]["output"]["name"],
                                models[name]["licence"], models[name]["attribution"])
                for name in MODEL_NAMES}
    except (KeyError, TypeError) as exc:
        raise EmbeddingModelError(f"{path}: an entry lacks {exc}") from None


@functools.cache
def model_digests() -> tuple[str, ...]:
    """The SHA-256 of the installed model files, in ``MODEL_NAMES`` order (read once)."""
    models = read_manifest()
    return tuple(models[name].sha256 for name in MODEL_NAMES)


class OnnxModel:
    """An onnxruntime session over one verified model file; ``run`` is thread-safe."""

    def __init__(self, model: ModelFile, threads: int = 1) -> None:
        try:
            data = model.path.read_bytes()
        except OSError as exc:
            raise EmbeddingModelError(f"{model.path}: cannot be read ({exc.strerror or exc})") from None
        if hashlib.sha256(data).hexdigest() != model.sha256:
            raise EmbeddingModelError(f"{model.path}: its contents do not match "
                                      f"{MANIFEST_NAME} (damaged or replaced)")
        try:
            import onnxruntime as ort
        except ImportError:
            raise EmbeddingModelError("the embedding recipe needs onnxruntime; install it with "
                                      "pip install onnxruntime") from None
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # no arena: it kept the largest batch's activations for good (a 40 s file's prediction
        # peaked at 771 MB with it, 530 MB without, at the same speed)
        options.enable_cpu_mem_arena = False
        options.log_severity_level = 3            # errors only: its warnings are not the user's
        # idle threads sleep instead of spinning: in the window they would take the CPU the
        # GUI thread and the audio callback need between two predictions
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        graph_path = saved_graph.graph_path(model.name, model.sha256, ort.__version__)
        graph = saved_graph.saved_graph(graph_path)
        self.from_saved_graph = graph is not None     # optimised on an earlier load: less memory
        try:
            if graph is not None:
                options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
                self._session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
            else:
                self._session = saved_graph.optimising_session(ort, data, options, graph_path)
        except Exception as exc:  # onnxruntime raises its own exception types
            raise EmbeddingModelError(f"{model.path}: onnxruntime cannot load it ({exc})") from None
        self.model = model
        self.threads = threads

    def run(self, batch: np.ndarray) -> np.ndarray:
        """The model's output for a batch (first axis) of inputs, float32."""
        inputs = {self.model.input_name: np.ascontiguousarray(batch, dtype=np.float32)}
        return self._session.run([self.model.output_name], inputs)[0]


_lock = threading.Lock()
_models: dict[str, OnnxModel] = {}
_threads = 1


def use_threads(threads: int) -> None:
    """Threads for the sessions this process loads from now on. Worker processes keep 1 (they
    already use every core); the explorer, which embeds one clip at a time, uses all cores."""
    global _threads
    _threads = max(1, int(threads))


def spare_cores() -> bool:
    """Whether this process was given more than one thread (``use_threads``)."""
    return _threads > 1


def shared_model(name: str) -> OnnxModel:
    """The named embedding model, loaded once per process (thread-safe); ``AUDIOSCOPE_ONNX_THREADS``
    overrides ``use_threads``."""
    with _lock:
        if name not in _models:
            threads = int(os.environ.get("AUDIOSCOPE_ONNX_THREADS", "0") or 0) or _threads
            _models[name] = OnnxModel(read_manifest()[name], threads=max(1, threads))
        return _models[name]


def unload_models() -> None:
    """Drop the sessions loaded so far; the next ``shared_model`` loads its network again, with
    the threads ``use_threads`` now gives (a benchmark timing the window's setting after a
    batch run in the same process)."""
    with _lock:
        _models.clear()
