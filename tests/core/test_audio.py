"""core.signal.audio on the 44 original UrbanSound8K clips and on every format libsndfile writes."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import librosa
import numpy as np
import pytest
import soundfile as sf
from wav_header import read_wav_header

from audioscope.core.signal.audio import ANALYSIS_RATE, AudioLoadError, load_clip


def test_all_originals_load_with_the_format_their_header_states(original_files):
    seen = set()
    for path in original_files:
        header = read_wav_header(path)
        clip = load_clip(path)
        fmt = clip.format
        assert (fmt.sample_rate, fmt.channels, fmt.frames, fmt.subtype) == (
            header.sample_rate, header.channels, header.frames, header.subtype), path
        assert fmt.container == ("WAVEX" if header.extensible else "WAV"), path
        assert fmt.bit_depth == header.bits_per_sample
        assert clip.samples.shape == (header.frames, header.channels)
        assert clip.samples.dtype == np.float32
        assert clip.signal.dtype == np.float32 and clip.signal.ndim == 1
        assert clip.signal.shape[0] == math.ceil(header.frames * ANALYSIS_RATE / header.sample_rate)
        assert np.isfinite(clip.signal).all()
        seen.add((fmt.sample_rate, fmt.channels, fmt.subtype))
    # the real dataset's variety is all here: 11.025/44.1/48 kHz, mono/stereo, 8/16/24-bit
    assert {r for r, _, _ in seen} == {11025, 44100, 48000}
    assert {c for _, c, _ in seen} == {1, 2}
    assert {s for _, _, s in seen} == {"PCM_U8", "PCM_16", "PCM_24"}


def test_analysis_signal_equals_librosa_load(original_files):
    for path in original_files[::4]:
        expected, _ = librosa.load(path, sr=ANALYSIS_RATE)
        np.testing.assert_allclose(load_clip(path).signal, expected, atol=1e-6, err_msg=str(path))


def test_eight_bit_unsigned_is_centred_on_zero(original_files):
    clip = next(load_clip(p) for p in original_files if read_wav_header(p).bits_per_sample == 8)
    assert clip.format.describe().startswith("11.025 kHz · mono · 8-bit unsigned PCM · WAV")
    assert abs(float(clip.samples.mean())) < 0.1
    assert clip.samples.min() >= -1.0 and clip.samples.max() <= 1.0


@pytest.fixture(scope="module")
def stereo_clip(original_files):
    """A real 44.1 kHz stereo clip to rewrite in other formats."""
    for path in original_files:
        clip = load_clip(path)
        if clip.format.channels == 2 and clip.format.sample_rate == 44100:
            return clip
    raise AssertionError("no stereo 44.1 kHz clip among the originals")


LOSSLESS = [("WAV", "PCM_U8", "wav", 1 / 128), ("WAV", "PCM_16", "wav", 1 / 2**15),
            ("WAV", "PCM_24", "wav", 1 / 2**23), ("WAV", "PCM_32", "wav", 1e-6),
            ("WAV", "FLOAT", "wav", 0), ("WAV", "DOUBLE", "wav", 0),
            ("WAVEX", "PCM_16", "wav", 1 / 2**15), ("WAVEX", "FLOAT", "wav", 0),
            ("FLAC", "PCM_16", "flac", 1 / 2**15), ("FLAC", "PCM_24", "flac", 1 / 2**23),
            ("AIFF", "PCM_16", "aiff", 1 / 2**15)]


@pytest.mark.parametrize("container,subtype,ext,step", LOSSLESS)
def test_lossless_formats_round_trip(tmp_path, stereo_clip, container, subtype, ext, step):
    path = tmp_path / f"clip.{ext}"
    sf.write(path, stereo_clip.samples, 44100, format=container, subtype=subtype)
    clip = load_clip(path)
    assert (clip.format.container, clip.format.subtype) == (container, subtype)
    assert clip.format.frames == stereo_clip.format.frames
    assert np.abs(clip.samples - stereo_clip.samples).max() <= step + 1e-7


@pytest.mark.parametrize("container,subtype,ext", [("OGG", "VORBIS", "ogg"), ("MP3", "MPEG_LAYER_III", "mp3")])
def test_lossy_formats_decode_to_the_same_sound(tmp_path, stereo_clip, container, subtype, ext):
    if container not in sf.available_formats():
        pytest.skip(f"this libsndfile ({sf.__libsndfile_version__}) has no {container} support")
    path = tmp_path / f"clip.{ext}"
    sf.write(path, stereo_clip.samples, 44100, format=container, subtype=subtype)
    clip = load_clip(path)
    assert clip.format.container == container and clip.format.bit_depth is None
    # MP3 encoders add a delay: compare by cross-correlation of the mono analysis signals
    a, b = stereo_clip.signal, clip.signal
    n = min(len(a), len(b))
    corr = np.correlate(b[:n], a[: n - 4096], mode="valid")
    lag = int(np.argmax(corr))
    aligned = b[lag: lag + n - 4096]
    snr = 10 * np.log10(np.sum(a[: n - 4096] ** 2) / np.sum((aligned - a[: n - 4096]) ** 2))
    assert snr > 10, f"{container}: decoded audio does not match the original (SNR {snr:.1f} dB)"


def _error_for(path: Path) -> AudioLoadError:
    with pytest.raises(AudioLoadError) as info:
        load_clip(path)
    assert str(path) in str(info.value)
    return info.value


def test_bad_files_raise_audio_load_error_naming_file_and_reason(tmp_path, stereo_clip):
    assert "no such file" in _error_for(tmp_path / "missing.wav").reason
    assert "folder" in _error_for(tmp_path).reason
    (tmp_path / "empty.wav").write_bytes(b"")
    assert "empty" in _error_for(tmp_path / "empty.wav").reason
    (tmp_path / "notes.wav").write_text("this is not audio\n")
    reason = _error_for(tmp_path / "notes.wav").reason
    assert "not a readable audio file (" in reason    # libsndfile's "Format not recognised."
    assert reason.endswith(")") and ".)" not in reason  # ... ends a clause: no "recognised.)."
    (tmp_path / "broken.wav").symlink_to(tmp_path / "nowhere.wav")
    assert "broken link" in _error_for(tmp_path / "broken.wav").reason

    sf.write(tmp_path / "full.wav", stereo_clip.samples, 44100, subtype="PCM_16")
    (tmp_path / "header-only.wav").write_bytes((tmp_path / "full.wav").read_bytes()[:44])
    assert "no audio samples" in _error_for(tmp_path / "header-only.wav").reason

    samples = stereo_clip.samples.copy()
    samples[100, 1] = np.nan
    sf.write(tmp_path / "nan.wav", samples, 44100, subtype="FLOAT")
    assert "NaN or infinite" in _error_for(tmp_path / "nan.wav").reason
    samples[100, 1] = np.inf
    sf.write(tmp_path / "inf.wav", samples, 44100, subtype="FLOAT")
    assert "NaN or infinite" in _error_for(tmp_path / "inf.wav").reason


def test_truncated_file_loads_what_is_there(tmp_path, stereo_clip):
    sf.write(tmp_path / "full.wav", stereo_clip.samples, 44100, subtype="PCM_16")
    data = (tmp_path / "full.wav").read_bytes()
    (tmp_path / "cut.wav").write_bytes(data[: 44 + 4 * 1000])   # 1000 stereo 16-bit frames
    clip = load_clip(tmp_path / "cut.wav")
    assert clip.format.frames == 1000
    np.testing.assert_allclose(clip.samples, stereo_clip.samples[:1000], atol=1 / 2**15)


def test_files_over_the_memory_budget_are_refused_with_the_reason(original_files):
    with pytest.raises(AudioLoadError, match="over the 0 MiB budget"):
        load_clip(original_files[0], max_decoded_bytes=1000)


def test_levels(tmp_path):
    t = np.arange(44100) / 44100
    sf.write(tmp_path / "sine.wav", 0.5 * np.sin(2 * np.pi * 1000 * t), 44100, subtype="FLOAT")
    clip = load_clip(tmp_path / "sine.wav")
    assert clip.peak_dbfs == pytest.approx(20 * np.log10(0.5), abs=0.01)
    assert clip.rms_dbfs == pytest.approx(20 * np.log10(0.5 / np.sqrt(2)), abs=0.01)
    sf.write(tmp_path / "silence.wav", np.zeros(100), 44100, subtype="PCM_16")
    assert load_clip(tmp_path / "silence.wav").peak_dbfs == -math.inf


@pytest.mark.parametrize("rate", [1, 999, 800_000])
def test_implausible_sample_rates_are_refused_not_resampled(tmp_path, original_files, rate):
    # A damaged header claiming 1 Hz once crashed the process inside soxr (22050x upsampling).
    data = bytearray(original_files[0].read_bytes())
    assert data[24:28] == struct.pack("<I", read_wav_header(original_files[0]).sample_rate)
    data[24:28] = struct.pack("<I", rate)
    path = tmp_path / "damaged.wav"
    path.write_bytes(bytes(data))
    with pytest.raises(AudioLoadError, match=f"sample rate {rate} Hz is outside"):
        load_clip(path)


@pytest.mark.parametrize("rate", [8000, 192_000])
def test_low_and_high_real_sample_rates_load(tmp_path, stereo_clip, rate):
    sf.write(tmp_path / "x.wav", stereo_clip.samples[:44100], rate, subtype="PCM_16")
    clip = load_clip(tmp_path / "x.wav")
    assert clip.format.sample_rate == rate
    assert len(clip.signal) == math.ceil(44100 * ANALYSIS_RATE / rate)
