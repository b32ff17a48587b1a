#!/usr/bin/env python3
"""aiSFX (aisfx 0.1.2 wheel) embedding network → ONNX, verified against the package's own pipeline.

What: loads ``aisfx/models/checkpoint.pth`` from the wheel into the package's own
``CrossNet(EmbeddingNet(...))`` (``torch.load(weights_only=True)``: no pickled code runs) and
exports ``embedding_net`` — what ``CrossNet.get_embedding`` runs; the nine per-dataset classifier
heads are left out — with torch's dynamo exporter, opset 18: input ``logmel`` float32
[blocks, 100, 96] → output ``embedding`` float32 [blocks, 512]. The exporter's optimizer folds
each batch norm into its convolution.

Why: audioscope runs the network with onnxruntime, without torch or librosa; its preprocessing
(``audioscope.core.model.embedding.aisfx_input.model_input``: soxr + scipy) re-implements the package's
librosa path. The check therefore compares, on real clips,
    reference: aisfx's librosa spectrogram → ``spectrogram_normalize('original')`` → ``blocking``
               (hop 50, partial block dropped), time-major → torch ``get_embedding``;
    candidate: soundfile → ``model_input`` (the product's when importable, else the draft copy
               below) → onnxruntime;
and torch vs ONNX on the reference's own blocks.

Tolerances (embeddings are ReLU-feature means/maxima up to ~40): model input max abs ≤ 1e-5
(values 0…~1); torch vs ONNX per block ||Δ||/||ref|| ≤ 1e-5; end to end ||Δ||/||ref|| ≤ 1e-4 and
cosine ≥ 1 − 1e-6. Measured by `make embeddings` on 43 blocks of 24 clips (12 original-format
UrbanSound8K clips of 11.025–48 kHz, 8–24 bit, mono/stereo; 12 of the 22.05 kHz copies): input
6.0e-8, torch/ONNX rel 9.0e-7, end to end rel 9.2e-7 (max abs 4.2e-6), 1 − cos 4e-13.

Reproducible bytes: the exporter records a stack trace per node (with the temporary folder the
wheel was unpacked in); those node metadata are dropped, so two runs give the same file.

The aisfx package is not installed (its metadata pins librosa 0.9.2 / numpy 1.23.0, which have no
Python 3.11 build): its modules are imported from the unpacked wheel.

    python convert_aisfx.py --wheel W --work-dir D --out-dir O --entry E.json --audio a.wav ...
"""
from __future__ import annotations

import argparse
import codecs
import functools
import hashlib
import importlib
import importlib.util
import json
import math
import shutil
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
PACKAGE, VERSION = "aisfx", "0.1.2"
WHEEL_NAME = "aisfx-0.1.2-py2.py3-none-any.whl"
WHEEL_SHA256 = "bfe219950715af179e9a1653e7117cc1852baef267cd6596c42cad74afe1d194"
CHECKPOINT_MEMBER = "aisfx/models/checkpoint.pth"
LICENSE_MEMBER = "aisfx-0.1.2.dist-info/licenses/LICENSE"
ONNX_NAME, LICENSE_NAME = "aisfx_embedding.onnx", "LICENSE-aisfx.txt"
INPUT_NAME, OUTPUT_NAME = "logmel", "embedding"
OPSET = 18

SAMPLE_RATE, N_FFT, HOP_LENGTH, N_MELS = 44100, 2048, 1024, 96
F_MIN, F_MAX, LOG_SCALE, NORM_MAX = 0.0, 22050.0, 10000.0, 9.457798957824707
BLOCK_FRAMES, BLOCK_HOP, EMBEDDING_SIZE = 100, 50, 512

INPUT_MAX_ABS = 1e-5
TORCH_ONNX_MAX_REL = 1e-5
END_TO_END_MAX_REL = 1e-4
END_TO_END_MIN_COS = 1 - 1e-6
ATTRIBUTION = ('aiSFX by Alison B. Ma and Alexander Lerch, "Representation Learning for the '
               'Automatic Indexing of Sound Effects Libraries", ISMIR 2022; CC BY 4.0; converted '
               'to ONNX')


def torch_version() -> str:
    """torch's version without a local label (2.13.0+cpu and the CUDA build give the same model)."""
    return version("torch").split("+")[0]


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def extract(wheel: Path, work_dir: Path, out_dir: Path) -> tuple[Path, Path, Path]:
    """Unpack the wheel into work_dir/wheel (to import aisfx from); copy the licence into out_dir.
    Returns (package folder for sys.path, checkpoint, licence)."""
    if sha256(wheel) != WHEEL_SHA256:
        sys.exit(f"{wheel}: SHA-256 is not {WHEEL_SHA256}")
    pkg_dir = work_dir / "wheel"
    shutil.rmtree(pkg_dir, ignore_errors=True)
    with zipfile.ZipFile(wheel) as z:
        z.extractall(pkg_dir)
    shutil.copyfile(pkg_dir / LICENSE_MEMBER, out_dir / LICENSE_NAME)
    return pkg_dir, pkg_dir / CHECKPOINT_MEMBER, out_dir / LICENSE_NAME


def load_model(checkpoint: Path):
    """The package's CrossNet with the checkpoint's weights, eval mode, CPU."""
    import torch
    from aisfx import inference

    # the pickle holds (state_dict, {dataset: (numpy int64 index, n_classes)}): allow just that
    torch.serialization.add_safe_globals([
        (np._core.multiarray.scalar, "numpy.core.multiarray.scalar"), np.dtype, codecs.encode,
        type(np.dtype("int64"))])
    weights, ds_dict = torch.load(checkpoint, map_location="cpu", weights_only=True)
    return inference.load_bestModel(weights, ds_dict, "cpu")


def export_onnx(net, scratch: Path) -> bytes:
    """``net`` ((N, 100, 96) → (N, 512)) as ONNX with a dynamic 'blocks' axis; canonical bytes."""
    import onnx
    import torch

    example = torch.zeros(3, BLOCK_FRAMES, N_MELS)
    torch.onnx.export(net, (example,), str(scratch), dynamo=True, external_data=False,
                      opset_version=OPSET, input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
                      optimize=True, dynamic_shapes={"input": {0: torch.export.Dim("blocks", min=1, max=65536)}})
    model = onnx.load(str(scratch))
    g = model.graph
    for item in [*g.node, *g.value_info, *g.input, *g.output, *g.initializer,
                 *(n for f in model.functions for n in f.node)]:
        del item.metadata_props[:]          # stack traces, fx names, module paths
    model.producer_version = torch_version()
    model.doc_string = ("aiSFX X-Sequential-CE embedding network (Ma & Lerch, ISMIR 2022), from "
                        f"{WHEEL_NAME}. Input: normalised log-mel blocks [blocks, 100 frames, 96 HTK "
                        "mel bands] at 44.1 kHz, hop 1024.")
    del model.metadata_props[:]
    for key, value in {"source": f"{WHEEL_NAME} (sha256 {WHEEL_SHA256}), {CHECKPOINT_MEMBER}",
                       "license": f"CC BY 4.0 (see {LICENSE_NAME})", "attribution": ATTRIBUTION,
                       "converter": "torch.onnx.export (dynamo) via packaging/embeddings/convert_aisfx.py"}.items():
        model.metadata_props.append(onnx.StringStringEntryProto(key=key, value=value))
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString(deterministic=True)


# ------------------------------------------------------------------- draft preprocessing
@functools.lru_cache(maxsize=1)
def _htk_l1_filterbank() -> np.ndarray:
    """(96, 1025) HTK-scale triangles, each of unit sum (librosa.filters.mel(htk=True, norm=1))."""
    hz_to_mel = lambda hz: 2595.0 * np.log10(1.0 + np.asarray(hz, np.float64) / 700.0)
    edges = 700.0 * (10.0 ** (np.linspace(hz_to_mel(F_MIN), hz_to_mel(F_MAX), N_MELS + 2) / 2595.0) - 1.0)
    ramps = np.subtract.outer(edges, np.fft.rfftfreq(N_FFT, 1.0 / SAMPLE_RATE))
    widths = np.diff(edges)
    w = np.stack([np.maximum(0, np.minimum(-ramps[i] / widths[i], ramps[i + 2] / widths[i + 1]))
                  for i in range(N_MELS)]).astype(np.float32)
    sums = np.abs(w).astype(np.float64).sum(axis=1, keepdims=True)
    return (w / np.where(sums < np.finfo(np.float32).tiny, 1.0, sums)).astype(np.float32)


def _draft_model_input(signal: np.ndarray, sample_rate: int) -> np.ndarray:
    """Draft preprocessing (used only without the product's): soxr HQ to 44.1 kHz (length
    ceil(n·44100/rate)), peak-normalise, centred zero-padded periodic-Hann power STFT 2048/1024,
    HTK/L1 mel, log10(1e4·mel + 1)/9.4578, blocks of 100 frames every 50 (partial dropped)."""
    import scipy.fft
    import soxr

    y = np.ascontiguousarray(signal, np.float32)
    if sample_rate != SAMPLE_RATE:
        n_out = math.ceil(len(y) * SAMPLE_RATE / sample_rate)
        y = soxr.resample(y, sample_rate, SAMPLE_RATE, quality="HQ")[:n_out]
        y = np.pad(y, (0, n_out - len(y))).astype(np.float32)
    peak = np.abs(y).max()
    y = (y / peak).astype(np.float32) if peak > 0 else y
    padded = np.pad(y.astype(np.float64), N_FFT // 2)
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP_LENGTH]
    hann = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(N_FFT) / N_FFT)
    spectrum = scipy.fft.rfft(frames * hann, axis=1)
    power = np.square(spectrum.real) + np.square(spectrum.imag)
    mel = (power @ _htk_l1_filterbank().T.astype(np.float64)).astype(np.float32)
    spec = (np.log10(mel.astype(np.float64) * LOG_SCALE + 1.0) / NORM_MAX).astype(np.float32)
    count = math.ceil((len(spec) - BLOCK_FRAMES) / BLOCK_HOP + 1)
    count = max(count - ((len(spec) - BLOCK_FRAMES) % BLOCK_HOP != 0), 1)
    out = np.zeros((max(len(spec), BLOCK_HOP * (count - 1) + BLOCK_FRAMES), N_MELS), np.float32)
    out[:len(spec)] = spec
    return np.stack([out[i * BLOCK_HOP:i * BLOCK_HOP + BLOCK_FRAMES] for i in range(count)])


def input_function():
    """(model_input, where it comes from): the product's if it exists, else the draft's. A product
    module that exists but fails to import is an error, not a fallback."""
    sys.path.insert(0, str(REPO))
    name = "audioscope.core.model.embedding.aisfx_input"
    if importlib.util.find_spec(name) is None:
        print(f"WARNING: {name} not found: verifying with the draft preprocessing", file=sys.stderr)
        return _draft_model_input, "draft (packaging/embeddings/convert_aisfx.py)"
    return importlib.import_module(name).model_input, name + ".model_input"


# ------------------------------------------------------------------------------- verify
def reference(audio: Path, model) -> tuple[np.ndarray, np.ndarray]:
    """aisfx's own librosa + torch pipeline: (blocks (n, 100, 96) float32, embeddings (n, 512))."""
    import torch
    from aisfx import inference, preprocessing
    from aisfx.spectrogram import spectrogram_librosa

    spec = spectrogram_librosa.compute_spectrogram(
        filename=str(audio), sr=inference.SAMPLE_RATE, block_size=inference.SPEC_BLOCK_LENGTH,
        hop_size=inference.SPEC_HOP_LENGTH, n_mels=inference.MEL_BINS, f_min=inference.F_MIN,
        f_max=inference.F_MAX)                                     # (96, T): librosa's layout
    spec = preprocessing.spectrogram_normalize(spec.T, spec_norm="original")
    # inference.compute_hopSize asserts hop < T, which fails for clips under ~1.14 s;
    # blocking itself handles them (one zero-padded block), so call it with the same hop
    hop = int(np.round(inference.EMB_BLOCK_LENGTH * 0.5))
    blocks = preprocessing.blocking(spec, block_size=inference.EMB_BLOCK_LENGTH, hop_size=hop,
                                    drop_partial_block=True).astype(np.float32)
    with torch.no_grad():
        return blocks, model.get_embedding(torch.from_numpy(blocks)).numpy()


def read_mono(path: Path) -> tuple[np.ndarray, int]:
    """A file as float32 mono (channel mean, as librosa.load) at its own rate."""
    import soundfile as sf

    y, sr = sf.read(str(path), dtype="float32", always_2d=True)
    return np.ascontiguousarray(y.mean(axis=1, dtype=np.float32)), sr


def rel_err(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a.astype(np.float64), b.astype(np.float64)
    return np.linalg.norm(a - b, axis=1) / np.maximum(np.linalg.norm(b, axis=1), 1e-12)


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a.astype(np.float64), b.astype(np.float64)
    return (a * b).sum(1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-12)


def verify(files: list[Path], model, onnx_path: Path) -> dict:
    """Candidate vs reference on each clip; per-clip lines and the totals."""
    import onnxruntime as ort

    model_input, source = input_function()
    so = ort.SessionOptions()
    so.intra_op_num_threads, so.inter_op_num_threads = 1, 1
    sess = ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"])
    run = lambda x: sess.run([OUTPUT_NAME], {INPUT_NAME: np.ascontiguousarray(x, np.float32)})[0]
    worst = {"input_max_abs": 0.0, "torch_onnx_max_rel": 0.0, "max_abs": 0.0, "max_rel": 0.0, "min_cosine": 1.0}
    passed, n_blocks = bool(files), 0
    for path in files:
        ref_blocks, ref_emb = reference(path, model)
        blocks = model_input(*read_mono(path))
        torch_onnx = float(rel_err(run(ref_blocks), ref_emb).max())
        if blocks.shape != ref_blocks.shape:
            print(f"FAIL {path.name}: model input {blocks.shape}, reference {ref_blocks.shape}")
            passed = False
            continue
        emb = run(blocks)
        clip = {"input_max_abs": float(np.abs(blocks - ref_blocks).max()), "torch_onnx_max_rel": torch_onnx,
                "max_abs": float(np.abs(emb.astype(np.float64) - ref_emb).max()),
                "max_rel": float(rel_err(emb, ref_emb).max()), "min_cosine": float(cosines(emb, ref_emb).min())}
        ok = (clip["input_max_abs"] <= INPUT_MAX_ABS and torch_onnx <= TORCH_ONNX_MAX_REL
              and clip["max_rel"] <= END_TO_END_MAX_REL and clip["min_cosine"] >= END_TO_END_MIN_COS)
        passed &= ok
        n_blocks += len(blocks)
        for k, v in clip.items():
            worst[k] = min(worst[k], v) if k == "min_cosine" else max(worst[k], v)
        print(f"{'ok  ' if ok else 'FAIL'} {path.name}: {len(blocks)} block(s), input {clip['input_max_abs']:.2e}, "
              f"torch/onnx rel {torch_onnx:.2e}, end-to-end abs {clip['max_abs']:.2e} rel {clip['max_rel']:.2e} "
              f"cos {clip['min_cosine']:.9f}")
    print(f"{'PASSED' if passed else 'FAILED'}: {len(files)} clips, {n_blocks} blocks: "
          + ", ".join(f"{k} {v:.3g}" for k, v in worst.items()))
    return {"reference": f"aisfx 0.1.2's librosa spectrogram + blocking + torch get_embedding (librosa "
                         f"{version('librosa')}, torch {torch_version()}), on the file; torch vs ONNX "
                         "also on the reference's blocks",
            "converter": f"torch.onnx.export (dynamo), torch {torch_version()}, onnxscript "
                         f"{version('onnxscript')}, onnx {version('onnx')}; onnxruntime {version('onnxruntime')}",
            "preprocessing_used": source,
            "tolerance": {"input_max_abs": INPUT_MAX_ABS, "torch_onnx_max_rel": TORCH_ONNX_MAX_REL,
                          "max_rel": END_TO_END_MAX_REL, "min_cosine": END_TO_END_MIN_COS},
            "measured": {**worst, "clips": len(files), "blocks": n_blocks},
            "clip_files": [p.name for p in files], "passed": passed}


def manifest_entry(onnx_path: Path, licence: Path, checkpoint: Path, verification: dict) -> dict:
    return {
        "file": onnx_path.name, "sha256": sha256(onnx_path), "size_bytes": onnx_path.stat().st_size,
        "source": {"package": PACKAGE, "version": VERSION, "wheel": WHEEL_NAME, "wheel_sha256": WHEEL_SHA256,
                   "member": CHECKPOINT_MEMBER, "member_sha256": sha256(checkpoint)},
        "licence": "CC BY 4.0", "licence_file": licence.name, "attribution": ATTRIBUTION,
        "opset": OPSET,
        "input": {"name": INPUT_NAME, "dtype": "float32", "shape": ["blocks", BLOCK_FRAMES, N_MELS]},
        "output": {"name": OUTPUT_NAME, "dtype": "float32", "shape": ["blocks", EMBEDDING_SIZE]},
        "preprocessing": {"sample_rate": SAMPLE_RATE, "channels": "mono (channel mean)",
                          "resampler": "soxr HQ, length ceil(n * 44100 / rate)", "peak_normalize": True,
                          "n_fft": N_FFT, "win_length": N_FFT, "hop_length": HOP_LENGTH,
                          "window": "hann (periodic)", "center": True, "pad_mode": "constant",
                          "power": 2.0, "n_mels": N_MELS, "fmin": F_MIN, "fmax": F_MAX,
                          "mel_scale": "htk", "mel_norm": "L1 (each filter sums to 1)",
                          "log": "log10(10000 * mel + 1)", "norm_min": 0.0, "norm_max": NORM_MAX,
                          "layout": "time-major (frames, mel)", "block_frames": BLOCK_FRAMES,
                          "block_hop_frames": BLOCK_HOP,
                          "partial_block": "dropped, unless it is the only one (zero-padded)"},
        "verification": verification,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wheel", type=Path, required=True, help=WHEEL_NAME)
    ap.add_argument("--work-dir", type=Path, required=True, help="scratch folder (the unpacked wheel)")
    ap.add_argument("--out-dir", type=Path, required=True, help="gets the .onnx and the licence")
    ap.add_argument("--entry", type=Path, required=True, help="manifest entry to write (JSON)")
    ap.add_argument("--audio", type=Path, nargs="+", required=True, help="clips to verify on")
    args = ap.parse_args(argv)
    for d in (args.work_dir, args.out_dir):
        d.mkdir(parents=True, exist_ok=True)

    import torch

    torch.set_num_threads(1)
    pkg_dir, checkpoint, licence = extract(args.wheel, args.work_dir, args.out_dir)
    sys.path.insert(0, str(pkg_dir))
    model = load_model(checkpoint)
    onnx_path = args.out_dir / ONNX_NAME
    onnx_path.write_bytes(export_onnx(model.embedding_net, args.work_dir / "exported.onnx"))
    print(f"wrote {onnx_path} ({onnx_path.stat().st_size} bytes, sha256 {sha256(onnx_path)})")
    verification = verify(args.audio, model, onnx_path)
    args.entry.write_text(json.dumps(manifest_entry(onnx_path, licence, checkpoint, verification), indent=2) + "\n")
    return 0 if verification["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
