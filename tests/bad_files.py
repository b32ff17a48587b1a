"""A corpus of awkward and broken audio files, made from real clips, for robustness tests.

``make_corpus(folder, source)`` writes them and returns {name: expectation}: "ok" when the
file must display (and predict) normally, "error" when it must give a clear message.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
import soundfile as sf

TWO_HOURS = 2 * 3600


def _wav_with(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    out = bytearray(data)
    out[offset:offset + struct.calcsize(fmt)] = struct.pack(fmt, value)
    return bytes(out)


def make_corpus(folder: Path, source: Path) -> dict[str, str]:
    """``source`` is a real 16-bit PCM WAV with a plain 44-byte header."""
    folder.mkdir(parents=True, exist_ok=True)
    samples, rate = sf.read(source, dtype="float32", always_2d=True)
    mono = samples.mean(axis=1)
    real = source.read_bytes()
    expect: dict[str, str] = {}

    def put(name: str, data: bytes, outcome: str) -> None:
        (folder / name).write_bytes(data)
        expect[name] = outcome

    put("zero-bytes.wav", b"", "error")
    put("header-only.wav", real[:44], "error")
    put("truncated.wav", real[: len(real) // 3], "ok")
    put("data-size-beyond-eof.wav", _wav_with(real, 40, "<I", 0x7FFFFFF0), "ok")
    put("wrong-block-align.wav", _wav_with(real, 32, "<H", 7), "ok")  # libsndfile corrects it
    put("absurd-channel-count.wav", _wav_with(real, 22, "<H", 60000), "error")
    put("absurd-rate.wav", _wav_with(real, 24, "<I", 3), "error")
    sf.write(folder / "flac-named.wav", samples, rate, format="FLAC")
    expect["flac-named.wav"] = "ok"
    put("image.png", b"\x89PNG\r\n\x1a\n" + os.urandom(2000), "error")
    put("notes.wav", b"meeting notes, not audio\n" * 40, "error")
    (folder / "a-folder.wav").mkdir()
    expect["a-folder.wav"] = "error"
    (folder / "broken-link.wav").symlink_to(folder / "nowhere.wav")
    expect["broken-link.wav"] = "error"
    with_nan = samples.copy()
    with_nan[100] = np.nan
    sf.write(folder / "nan.wav", with_nan, rate, subtype="FLOAT")
    expect["nan.wav"] = "error"
    with_inf = samples.copy()
    with_inf[100] = np.inf
    sf.write(folder / "inf.wav", with_inf, rate, subtype="FLOAT")
    expect["inf.wav"] = "error"
    for name, signal in (("silence.wav", np.zeros(rate)), ("dc.wav", np.full(rate, 0.5)),
                         ("one-sample.wav", mono[:1])):
        sf.write(folder / name, signal, rate, subtype="PCM_16")
        expect[name] = "ok"
    sf.write(folder / "six-channels.wav", np.repeat(mono[:, None], 6, axis=1) * 0.5, rate, subtype="PCM_16")
    expect["six-channels.wav"] = "ok"
    for target in (8000, 192000):
        import soxr

        sf.write(folder / f"{target // 1000}khz.wav", soxr.resample(mono, rate, target), target, subtype="PCM_16")
        expect[f"{target // 1000}khz.wav"] = "ok"
    # two hours of 44.1 kHz stereo: a real WAV header over a sparse file (no 1.3 GB written)
    frames = TWO_HOURS * 44100
    header = bytearray(real[:44])
    struct.pack_into("<HHIIHH", header, 20, 1, 2, 44100, 44100 * 4, 4, 16)
    struct.pack_into("<I", header, 40, frames * 4)
    struct.pack_into("<I", header, 4, 36 + frames * 4)
    with open(folder / "two-hours.wav", "wb") as f:
        f.write(header)
        f.truncate(44 + frames * 4)
    expect["two-hours.wav"] = "error"
    # two hours of 22.05 kHz mono fits the decoding budget, but analysing it would peak at 3.6 GB
    mono_header = bytearray(header)
    struct.pack_into("<HHIIHH", mono_header, 20, 1, 1, 22050, 22050 * 2, 2, 16)
    struct.pack_into("<I", mono_header, 40, TWO_HOURS * 22050 * 2)
    struct.pack_into("<I", mono_header, 4, 36 + TWO_HOURS * 22050 * 2)
    with open(folder / "two-hours-mono-22k.wav", "wb") as f:
        f.write(mono_header)
        f.truncate(44 + TWO_HOURS * 22050 * 2)
    expect["two-hours-mono-22k.wav"] = "error"
    return expect
