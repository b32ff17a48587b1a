"""Valid files that libsndfile reads only block by block, streams without a stated length,
truncated and padded files: decoded as far as they go, with a warning where the user should
know, and never hashed beyond reason."""

from __future__ import annotations

import hashlib
import io
import os

import numpy as np
import pytest
import soundfile as sf
import soxr

from audioscope.core.signal.audio import load_clip, read_levels
from audioscope.core.signal.audio_decoding import lookup_digest


@pytest.fixture(scope="module")
def speech_like(original_files) -> tuple[np.ndarray, int]:
    """A real clip (mono float32) and its rate."""
    samples, rate = sf.read(original_files[3], dtype="float32", always_2d=True)
    return samples.mean(axis=1), rate


# Codecs libsndfile reports as not seekable: soundfile refused them ("frames must be
# specified for non-seekable files") although they decode in full read block by block.
BLOCK_ONLY = [("GSM610", "WAV", 8000), ("G721_32", "WAV", 22050), ("NMS_ADPCM_32", "WAV", 22050),
              ("G723_24", "AU", 22050), ("DPCM_16", "XI", 22050)]


@pytest.mark.parametrize("subtype, container, rate", BLOCK_ONLY)
def test_codecs_read_only_block_by_block_decode_in_full(speech_like, tmp_path, subtype, container, rate):
    samples, source_rate = speech_like
    audio = soxr.resample(samples, source_rate, rate).astype(np.float32)
    path = tmp_path / f"clip.{container.lower()}"
    sf.write(path, audio, rate, subtype=subtype, format=container)
    with sf.SoundFile(path) as f:
        assert not f.seekable()
        header_frames = f.frames
        blocks = []                              # libsndfile's own decoding, 4096 frames at a time
        while len(block := f.read(4096, dtype="float32", always_2d=True)):
            blocks.append(block)
    clip = load_clip(path)
    assert clip.format.frames == header_frames and clip.warnings == ()
    assert clip.format.subtype == subtype
    np.testing.assert_array_equal(clip.samples, np.concatenate(blocks))
    assert abs(len(audio) - header_frames) < rate // 10


def flac_bytes(samples: np.ndarray, rate: int) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, samples, rate, format="FLAC", subtype="PCM_16")
    return buffer.getvalue()


def test_a_flac_stream_whose_header_gives_no_length_decodes_in_full(speech_like, tmp_path):
    samples, rate = speech_like
    data = bytearray(flac_bytes(samples, rate))
    # STREAMINFO's total-samples field (36 bits from byte 21, low nibble) = 0: "unknown"
    data[21] &= 0xF0
    data[22:26] = b"\0\0\0\0"
    path = tmp_path / "stream.flac"
    path.write_bytes(data)
    clip = load_clip(path)
    assert clip.format.frames == len(samples)
    np.testing.assert_allclose(clip.samples[:, 0], samples, atol=1 / 32768)
    assert clip.warnings == (f"length not stated in the header: decoded {len(samples) / rate:.2f} s",)


def test_a_truncated_flac_gives_what_it_holds_and_says_so(speech_like, tmp_path):
    samples, rate = speech_like
    data = flac_bytes(samples, rate)
    path = tmp_path / "cut.flac"
    path.write_bytes(data[: len(data) // 2])
    clip = load_clip(path)
    held = clip.format.frames
    assert 0.2 * len(samples) < held < 0.8 * len(samples)
    np.testing.assert_allclose(clip.samples[:, 0], samples[:held], atol=1 / 32768)
    [warning] = clip.warnings
    assert warning.startswith(f"truncated: header says {len(samples) / rate:.2f} s, "
                              f"file holds {held / rate:.2f} s")
    assert read_levels(path).warnings == clip.warnings


def test_a_huge_tail_after_the_audio_is_neither_read_nor_hashed(original_files, tmp_path):
    """A 4 s clip followed by a 20 GB sparse tail: decoding reads the audio only; hashing it
    would read 20 GB (74 s), so it is not hashed and its analysis is not cached."""
    path = tmp_path / "padded.wav"
    path.write_bytes(original_files[0].read_bytes())
    with open(path, "r+b") as f:
        f.truncate(20 << 30)
    clip = load_clip(path, digest_from_s=0.0)
    assert clip.digest is None
    assert clip.duration == pytest.approx(sf.info(original_files[0]).duration)
    assert any("20.0 GiB, far more than" in w for w in clip.warnings)
    assert lookup_digest(path) is None


def test_the_digest_is_of_the_bytes_decoded_also_for_files_over_the_buffer_size(tmp_path):
    rate = 48000
    noise = np.random.default_rng(0).normal(0, 0.1, (rate * 6 * 60, 2)).astype(np.float32)
    path = tmp_path / "six minutes.wav"
    sf.write(path, noise, rate, subtype="PCM_24")            # 99 MiB: hashed from the descriptor
    assert os.path.getsize(path) > 64 << 20
    expected = hashlib.sha256(path.read_bytes()).hexdigest()
    assert load_clip(path, digest_from_s=0.0).digest == expected == lookup_digest(path)
    small = tmp_path / "short.wav"
    sf.write(small, noise[:rate], rate, subtype="PCM_24")     # read into memory, hashed there
    assert load_clip(small, digest_from_s=0.0).digest == hashlib.sha256(small.read_bytes()).hexdigest()
    assert load_clip(small, digest_from_s=2.0).digest is None   # shorter than asked: not hashed
