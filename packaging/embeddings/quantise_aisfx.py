#!/usr/bin/env python3
"""aiSFX's float32 ONNX network → int8 (onnxruntime static quantisation), checked against it.

What: onnxruntime's ``quant_pre_process`` (shape inference, constant folding), then
``quantize_static`` in QDQ format: the convolutions' weights int8 per output channel, their
activations uint8, ranges from the minimum and maximum met on the calibration clips' blocks
(``audioscope.core.model.embedding.aisfx_input.model_input``, as the product computes them). Only
activation ranges come from the clips — no labels. The input and output stay float32.

Why: on a 2-core x86 CPU (AVX-512 VNNI) the int8 network embeds a block in 5.1 ms against 17 ms
(one thread; 3.1 ms against 8.9 ms on two), and its 4.6 MB of weights load into less memory.
Leave-one-fold-out accuracy on folds 1–2 did not change (docs/classifier.md). BirdNET stays
float32: quantised the same way it ran no faster, and its embeddings' cosine to float32 fell
to 0.74 (its spectrogram front end is inside the network). Dynamic quantisation (ConvInteger)
made both networks 2–6× slower; float16 was as fast for aiSFX and slower for BirdNET.

Check, on the verification clips: each block's embedding has a cosine ≥ 0.97 to the float32
network's, and the blocks' mean cosine is ≥ 0.995. Measured by `make embeddings` on 43 blocks of
24 clips: mean 0.9973, lowest 0.977 (the one zero-padded block of a short clip).

    python quantise_aisfx.py --source aisfx_embedding.onnx --entry E.json --out-dir O --audio a.wav ...

``--entry`` is the float32 network's manifest entry (convert_aisfx.py); it is rewritten for the
int8 file, with what it was made from and how it compares.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
INT8_NAME = "aisfx_embedding_int8.onnx"
INPUT_NAME = "logmel"
MIN_BLOCK_COSINE = 0.97
MIN_MEAN_COSINE = 0.995


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def blocks_of(clips: list[Path]) -> list[np.ndarray]:
    """Each clip's network input, (blocks, 100, 96) float32, as audioscope computes it."""
    sys.path.insert(0, str(REPO))
    from audioscope.core.model.embedding.aisfx_input import model_input
    from audioscope.core.signal.audio import load_clip

    out = []
    for path in clips:
        clip = load_clip(path)
        out.append(model_input(clip.signal, clip.analysis_rate))
    return out


def quantise(source: Path, target: Path, calibration: list[np.ndarray], scratch: Path) -> None:
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Blocks(CalibrationDataReader):
        def __init__(self) -> None:
            self._rows = iter([{INPUT_NAME: block[None]} for blocks in calibration for block in blocks])

        def get_next(self) -> dict | None:
            return next(self._rows, None)

    prepared = scratch / "aisfx_prepared.onnx"
    quant_pre_process(str(source), str(prepared), skip_symbolic_shape=True)
    quantize_static(str(prepared), str(target), Blocks(), quant_format=QuantFormat.QDQ,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, per_channel=True,
                    op_types_to_quantize=["Conv"])


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a.astype(np.float64), b.astype(np.float64)
    return (a * b).sum(-1) / np.maximum(np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1), 1e-12)


def compare(float32: Path, int8: Path, clips: list[Path], inputs: list[np.ndarray]) -> dict:
    """The int8 network against the float32 one: the cosine of each block's embeddings."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    sessions = [ort.InferenceSession(str(p), options, providers=["CPUExecutionProvider"])
                for p in (float32, int8)]
    cosines = []
    for path, blocks in zip(clips, inputs):
        want, got = (s.run(None, {INPUT_NAME: blocks})[0] for s in sessions)
        cosines.append(_cosines(got, want))
        print(f"  {path.name:32} {len(blocks):3} blocks  cosine {cosines[-1].min():.4f}")
    every = np.concatenate(cosines)
    passed = every.min() >= MIN_BLOCK_COSINE and every.mean() >= MIN_MEAN_COSINE
    return {"clips": len(clips), "blocks": int(every.size), "min_block_cosine": round(float(every.min()), 5),
            "mean_block_cosine": round(float(every.mean()), 5),
            "tolerance": {"min_block_cosine": MIN_BLOCK_COSINE, "mean_block_cosine": MIN_MEAN_COSINE},
            "passed": bool(passed)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", type=Path, required=True, help="the float32 network (.onnx)")
    ap.add_argument("--entry", type=Path, required=True, help="its manifest entry (JSON), rewritten")
    ap.add_argument("--out-dir", type=Path, required=True, help=f"gets {INT8_NAME}")
    ap.add_argument("--audio", type=Path, nargs="+", required=True, help="calibration and check clips")
    args = ap.parse_args(argv)
    import onnxruntime

    entry = json.loads(args.entry.read_text(encoding="utf-8"))
    if entry.get("sha256") != sha256(args.source):
        print(f"{args.source}: does not match its entry {args.entry}", file=sys.stderr)
        return 1
    inputs = blocks_of(args.audio)
    target = args.out_dir / INT8_NAME
    quantise(args.source, target, inputs, args.out_dir.parent)
    print(f"wrote {target} ({target.stat().st_size} bytes, sha256 {sha256(target)})")
    check = compare(args.source, target, args.audio, inputs)
    print(f"int8 against float32 on {check['blocks']} blocks: cosine ≥ {check['min_block_cosine']}, "
          f"mean {check['mean_block_cosine']} ({'passed' if check['passed'] else 'FAILED'})")
    entry["quantisation"] = {
        "from": {"file": entry["file"], "sha256": entry["sha256"], "size_bytes": entry["size_bytes"]},
        "method": "onnxruntime quantize_static, QDQ; Conv weights int8 per channel, activations "
                  "uint8; MinMax ranges from the calibration clips' blocks (no labels)",
        "onnxruntime": onnxruntime.__version__,
        "calibration_clips": [p.name for p in args.audio],
        "against_float32": check,
    }
    entry.update(file=target.name, sha256=sha256(target), size_bytes=target.stat().st_size,
                 attribution=entry["attribution"].rstrip(".") + "; quantised to int8 by audioscope")
    args.entry.write_text(json.dumps(entry, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0 if check["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
