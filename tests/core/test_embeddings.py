"""The embedding networks as audioscope runs them: onnxruntime on the bundled ONNX files,
checked against what the *original* runtimes gave for real clips, and refusing damaged files.

``data/embedding_reference.npz`` holds, for three UrbanSound8K clips of folds 1–2 (4 s, 0.81 s
and 3.24 s long), BirdNET's embedding of each window as the original .tflite gave it in
ai-edge-litert, and aiSFX's embedding of each block as the package's own pipeline (librosa
spectrogram, torch network) gave it — both computed by packaging/embeddings' reference code.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from audioscope.core.model.embedding import aisfx_input, birdnet_input, saved_graph
from audioscope.core.model.embedding.clip_embedding import EMBEDDING_LENGTH, embedding_vectors
from audioscope.core.model.embedding.runtime import (
    EmbeddingModelError,
    OnnxModel,
    embeddings_dir,
    read_manifest,
    shared_model,
)
from audioscope.core.signal.audio import load_clip

REFERENCE = Path(__file__).parent / "data" / "embedding_reference.npz"
MIN_COSINE = 0.999999          # the tolerances make embeddings verifies the conversion with
MAX_ABS = 5e-4


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


@pytest.fixture(scope="module")
def reference(flac_root: Path):
    data = np.load(REFERENCE)
    clips = [load_clip(flac_root / "audio" / f"fold{fold}" / (name[:-4] + ".flac"))
             for name, fold in zip(data["names"], data["folds"])]
    return data, clips


def test_birdnet_onnx_gives_the_original_tflite_embeddings(reference) -> None:
    data, clips = reference
    model = shared_model("birdnet")
    for i, clip in enumerate(clips):
        windows = birdnet_input.windows_48k(clip.signal, clip.analysis_rate)
        got = model.run(windows)
        want = data[f"birdnet_{i}"][:len(windows)]   # start and end window (one for short clips)
        assert got.shape == want.shape == (len(windows), 1024)
        assert np.abs(got - want).max() <= MAX_ABS
        assert _cosines(got, want).min() >= MIN_COSINE


def test_aisfx_int8_onnx_gives_the_packages_own_embeddings_within_its_quantisation(reference) -> None:
    """The shipped aiSFX network is the int8 one (packaging/embeddings/quantise_aisfx.py): its
    embeddings keep within the check `make embeddings` applies against the float32 network —
    and that network equals the package's torch output to 1e-6 (convert_aisfx.py)."""
    data, clips = reference
    model = shared_model("aisfx")
    every = []
    for i, clip in enumerate(clips):
        got = model.run(aisfx_input.model_input(clip.signal, clip.analysis_rate))
        want = data[f"aisfx_{i}"]
        assert got.shape == want.shape
        every.append(_cosines(got, want))
    every = np.concatenate(every)
    assert every.min() >= 0.97 and every.mean() >= 0.995, every
    entry = read_manifest()["aisfx"]
    assert entry.path.name == "aisfx_embedding_int8.onnx"
    assert "quantised to int8" in entry.attribution and entry.licence == "CC BY 4.0"


def test_clip_vector_pools_both_networks_and_ignores_batching(reference) -> None:
    data, clips = reference
    signals = [c.signal for c in clips]
    together = embedding_vectors(signals, 22050)
    assert together.shape == (3, EMBEDDING_LENGTH)
    for i, signal in enumerate(signals):
        alone = embedding_vectors([signal], 22050)[0]
        np.testing.assert_allclose(alone, together[i], rtol=0, atol=1e-5)
        bird = data[f"birdnet_{i}"][:len(birdnet_input.windows_48k(signal, 22050))]
        np.testing.assert_allclose(together[i, :1024], bird.mean(axis=0), atol=MAX_ABS)
        np.testing.assert_allclose(together[i, 1024:2048], bird.max(axis=0), atol=MAX_ABS)


def test_sessions_loaded_again_take_the_threads_given_since() -> None:
    from audioscope.core.model.embedding.runtime import unload_models, use_threads

    before = shared_model("aisfx").threads
    try:
        use_threads(before + 1)
        assert shared_model("aisfx").threads == before          # loaded sessions keep theirs
        unload_models()
        assert shared_model("aisfx").threads == before + 1
    finally:
        use_threads(before)
        unload_models()
    assert shared_model("aisfx").threads == before


def test_windows_cover_the_whole_clip() -> None:
    assert birdnet_input.window_starts(100) == [0]
    assert birdnet_input.window_starts(192000) == [0, 48000]          # a 4 s clip: start and end
    starts = birdnet_input.window_starts(48000 * 20)                  # a 20 s file
    assert starts[0] == 0 and starts[-1] == 48000 * 17
    assert all(b - a <= birdnet_input.WINDOW for a, b in zip(starts, starts[1:]))
    short = birdnet_input.windows_48k(np.ones(22050, np.float32), 22050)   # 1 s: zero-padded
    assert short.shape == (1, 144000) and short[0, 48000:].max() == 0 and short[0, :47000].min() > 0.9


def _copy_models(tmp_path: Path) -> Path:
    copy = tmp_path / "embeddings"
    shutil.copytree(embeddings_dir(), copy)
    return copy


def test_a_damaged_model_file_is_refused_with_its_name(tmp_path: Path) -> None:
    copy = _copy_models(tmp_path)
    model = read_manifest(copy)["aisfx"]
    data = bytearray(model.path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.path.write_bytes(bytes(data))
    with pytest.raises(EmbeddingModelError, match=r"aisfx_embedding_int8\.onnx: its contents do not match"):
        OnnxModel(model)


def test_missing_or_foreign_manifest_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingModelError, match="not found — the embedding models are missing"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text('{"format": 1, "models": {"birdnet": {}}}')
    with pytest.raises(EmbeddingModelError, match="naming birdnet, aisfx"):
        read_manifest(tmp_path)


def test_manifest_names_each_model_with_its_licence_and_source() -> None:
    models = read_manifest()
    assert models["birdnet"].licence == "CC BY-NC-SA 4.0"
    assert models["aisfx"].licence == "CC BY 4.0"
    for model in models.values():
        assert model.path.is_file() and len(model.sha256) == 64
        assert "Kahl" in model.attribution or "Lerch" in model.attribution


def test_no_torch_or_tensorflow_at_run_time() -> None:
    """The environment audioscope runs in has neither; importing the whole runtime and
    embedding a clip loads neither."""
    for name in ("torch", "tensorflow", "tflite_runtime", "ai_edge_litert"):
        assert importlib.util.find_spec(name) is None, f"{name} is installed in the app's environment"
    code = ("import sys, numpy as np\n"
            "from audioscope.core.model.embedding.clip_embedding import embedding_vectors\n"
            "embedding_vectors([np.zeros(22050, np.float32)], 22050)\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'tensorflow', 'librosa')]\n"
            "assert not bad, bad\n"
            "print('onnxruntime' in sys.modules)")
    out = subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"


def test_a_superseded_job_stops_before_its_next_inference(reference) -> None:
    from audioscope.core.process.cancellation import Cancelled, cancellable

    _, clips = reference
    calls = []

    def wanted() -> bool:
        calls.append(1)
        return len(calls) < 2                      # superseded after the first inference

    with cancellable(wanted), pytest.raises(Cancelled):
        embedding_vectors([c.signal for c in clips] * 3, 22050)
    assert len(calls) == 2
    with cancellable(lambda: True):
        assert embedding_vectors([clips[0].signal], 22050).shape == (1, EMBEDDING_LENGTH)


def _aisfx_inputs(reference) -> np.ndarray:
    _data, clips = reference
    return np.concatenate([aisfx_input.model_input(c.signal, c.analysis_rate) for c in clips[:3]])


def test_the_optimised_graph_is_saved_once_and_loads_to_the_same_numbers(reference, tmp_path, monkeypatch):
    """Issue 18: the graph onnxruntime optimises is kept in the cache; the next load reads it
    with optimisation off (less memory) and embeds real clips exactly as the first did."""
    monkeypatch.setenv("AUDIOSCOPE_CACHE_DIR", str(tmp_path / "cache"))
    model = read_manifest()["aisfx"]
    first = OnnxModel(model)
    saved = sorted(p.name for p in (tmp_path / "cache" / saved_graph.FOLDER).iterdir())
    assert len(saved) == 2 and saved[1] == saved[0] + ".sha256" and model.sha256[:16] in saved[0]
    second = OnnxModel(model)
    assert not first.from_saved_graph and second.from_saved_graph
    x = _aisfx_inputs(reference)
    np.testing.assert_array_equal(second.run(x), first.run(x))


def test_a_damaged_saved_graph_is_made_again(reference, tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIOSCOPE_CACHE_DIR", str(tmp_path / "cache"))
    model = read_manifest()["aisfx"]
    want = OnnxModel(model).run(_aisfx_inputs(reference))
    graph = next((tmp_path / "cache" / saved_graph.FOLDER).glob("*.onnx"))
    data = bytearray(graph.read_bytes())
    data[len(data) // 2] ^= 0xFF                     # one byte of a weight
    graph.write_bytes(bytes(data))
    again = OnnxModel(model)
    assert not again.from_saved_graph                 # not loaded: optimised from the network again
    np.testing.assert_array_equal(again.run(_aisfx_inputs(reference)), want)
    assert OnnxModel(model).from_saved_graph          # and saved whole for the next load


def test_a_cache_that_cannot_be_written_only_costs_the_saving(reference, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / saved_graph.FOLDER).write_text("a file where the folder should be")
    monkeypatch.setenv("AUDIOSCOPE_CACHE_DIR", str(cache))
    model = OnnxModel(read_manifest()["aisfx"])
    assert not model.from_saved_graph and model.run(_aisfx_inputs(reference)).shape[1] == 512
