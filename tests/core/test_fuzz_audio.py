"""Fuzzing: mutated real WAV and FLAC files either load into finite features or raise
AudioLoadError — never another exception, a crash or a hang. The work a case does is bounded
by the file's size (counted in frames, not timed); the suite's timeout is the hang guard."""

from __future__ import annotations

import math
import struct
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from us8k_subsets import FLAC_22K, ORIGINALS

from audioscope.core.model.stats_recipe import clip_vector
from audioscope.core.signal.audio import AudioLoadError, load_clip
from audioscope.core.signal.audio_decoding import MIN_SAMPLE_RATE
from audioscope.core.signal.features import compute_features


def _seed_files() -> list[bytes]:
    wavs = sorted((ORIGINALS / "audio").glob("fold*/*.wav"))
    flacs = sorted((FLAC_22K / "audio" / "fold2").glob("*.flac"))[:3]
    # the formats of the real dataset: 8-bit unsigned, 16-bit, 24-bit WAVE_FORMAT_EXTENSIBLE, FLAC
    picks = [p for p in wavs if p.name in {"19026-1-0-0.wav", "102305-6-0-0.wav", "50901-0-0-0.wav",
                                           "100852-0-0-0.wav", "14113-4-0-0.wav"}]
    return [p.read_bytes() for p in picks + flacs]


SEEDS = _seed_files() if ORIGINALS.exists() and FLAC_22K.exists() else []
CHUNKS = (b"RIFF", b"WAVE", b"fmt ", b"data", b"LIST", b"JUNK", b"fLaC")
FIELD_VALUES = (0, 1, 2, 3, 6, 255, 0xFFFE, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF)

mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10**7), st.integers(0, 7)),
    st.tuples(st.just("truncate"), st.floats(0.0, 1.0)),
    st.tuples(st.just("field32"), st.integers(0, 60), st.one_of(st.sampled_from(FIELD_VALUES),
                                                               st.integers(0, 2**32 - 1))),
    st.tuples(st.just("field16"), st.integers(0, 60), st.one_of(st.sampled_from(FIELD_VALUES[:8]),
                                                               st.integers(0, 2**16 - 1))),
    st.tuples(st.just("insert"), st.floats(0.0, 1.0), st.sampled_from(CHUNKS), st.integers(0, 2**32 - 1),
              st.binary(max_size=64)),
)


def mutate(data: bytes, ops) -> bytes:
    out = bytearray(data)
    for op in ops:
        if op[0] == "flip":
            position = (op[1] % 256 if op[1] % 3 else op[1]) % len(out)  # mostly in the header
            out[position] ^= 1 << op[2]
        elif op[0] == "truncate":
            out = out[: int(len(out) * op[1])]
        elif op[0] == "field32" and op[1] + 4 <= len(out):
            out[op[1]:op[1] + 4] = struct.pack("<I", op[2])
        elif op[0] == "field16" and op[1] + 2 <= len(out):
            out[op[1]:op[1] + 2] = struct.pack("<H", op[2])
        elif op[0] == "insert":
            at = int(len(out) * op[1])
            out[at:at] = op[2] + struct.pack("<I", op[3]) + op[4]
        if not out:
            break
    return bytes(out)


FOLDER = Path(tempfile.mkdtemp(prefix="audioscope-fuzz-"))


@pytest.mark.slow
@pytest.mark.skipif(not SEEDS, reason="needs ../shared/us8k")
@settings(max_examples=2000, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(seed=st.integers(0, 7), ops=st.lists(mutation, min_size=1, max_size=4))
def test_mutated_files_load_with_finite_features_or_raise_audio_load_error(seed, ops):
    data = mutate(SEEDS[seed % len(SEEDS)], ops)
    path = FOLDER / ("case.flac" if data[:4] == b"fLaC" else "case.wav")
    path.write_bytes(data)
    try:
        clip = load_clip(path)
    except AudioLoadError as error:
        assert str(path) in str(error)
        return
    features = compute_features(clip.signal)
    vector = clip_vector(features, clip.signal)
    assert np.isfinite(features.mel_db).all() and np.isfinite(features.mfcc).all()
    assert np.isfinite(vector).all()
    # no header makes the decoder invent audio: at most a frame a byte of the file, and an
    # analysis signal no longer than those frames at the lowest rate accepted, resampled
    frames = clip.samples.shape[0]
    assert frames <= len(data), (frames, len(data))
    assert clip.signal.size <= math.ceil(frames * clip.analysis_rate / MIN_SAMPLE_RATE)
