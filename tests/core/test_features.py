"""core.signal.features equals librosa's feature calls on real clips, and behaves on edge cases."""

from __future__ import annotations

import warnings

import librosa
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audioscope.core.model.stats_recipe import COARSE_PARAMS
from audioscope.core.signal.audio import load_clip
from audioscope.core.signal.features import FeatureParams, compute_feature_sets, compute_features, envelope

MEL_TOL_DB = 1e-3
MFCC_TOL = 1e-2


def librosa_reference(y: np.ndarray, p: FeatureParams) -> tuple[np.ndarray, np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "n_fft is too large" for very short inputs
        mel = librosa.feature.melspectrogram(y=y, sr=p.sample_rate, n_fft=p.n_fft, hop_length=p.hop_length,
                                             n_mels=p.n_mels, fmin=p.fmin, fmax=p.fmax, power=2.0)
        mel_db = librosa.power_to_db(mel, ref=1.0, amin=1e-10, top_db=p.top_db)
        if p.top_db == 80.0:  # librosa.feature.mfcc(y=…) applies power_to_db's default top_db=80
            mfcc = librosa.feature.mfcc(y=y, sr=p.sample_rate, n_mfcc=p.n_mfcc, n_fft=p.n_fft,
                                        hop_length=p.hop_length, n_mels=p.n_mels, fmin=p.fmin, fmax=p.fmax)
        else:
            mfcc = librosa.feature.mfcc(S=mel_db, n_mfcc=p.n_mfcc)
    return mel_db, mfcc


def assert_equals_librosa(y: np.ndarray, params: FeatureParams, label: str) -> None:
    features = compute_features(y, params)
    mel_db, mfcc = librosa_reference(y, params)
    assert features.mel_db.shape == mel_db.shape, label
    assert features.mfcc.shape == mfcc.shape, label
    assert np.abs(features.mel_db - mel_db).max() <= MEL_TOL_DB, label
    assert np.abs(features.mfcc - mfcc).max() <= MFCC_TOL, label


def test_defaults_equal_librosa_on_all_44_originals(original_files):
    params = FeatureParams()
    for path in original_files:
        assert_equals_librosa(load_clip(path).signal, params, str(path))


def test_defaults_equal_librosa_on_22k_flac_clips(flac_root):
    files = sorted(flac_root.glob("audio/fold*/*.flac"))[::90]
    assert len(files) >= 19
    for path in files:
        assert_equals_librosa(load_clip(path).signal, FeatureParams(), str(path))


@pytest.mark.parametrize("params", [
    FeatureParams(n_fft=1024, hop_length=256, n_mels=64, n_mfcc=20),
    FeatureParams(n_fft=512, hop_length=128, n_mels=40, fmin=50.0, fmax=8000.0, n_mfcc=13),
    FeatureParams(n_fft=4096, hop_length=1024, n_mels=128, top_db=60.0),
])
def test_other_parameters_equal_librosa(original_files, params):
    assert_equals_librosa(load_clip(original_files[7]).signal, params, str(params))


def test_an_odd_fft_size_gives_librosas_frames(original_files):
    # an odd n_fft pads n_fft - 1 samples: a signal of whole hops then has one frame fewer
    params = FeatureParams(n_fft=1023, hop_length=256, n_mels=64, n_mfcc=20)
    y = load_clip(original_files[7]).signal[:256 * 300]
    assert compute_features(y, params).mel_db.shape[1] == 300
    assert_equals_librosa(y, params, "n_fft 1023")


def test_long_signal_spanning_several_blocks_equals_librosa(flac_root):
    clips = [load_clip(p).signal for p in sorted(flac_root.glob("audio/fold1/*.flac"))[:160]]
    y = np.concatenate(clips)                     # ~9 min: > 10 STFT blocks of 1024 frames
    assert 1 + len(y) // 512 > 10 * 1024
    assert_equals_librosa(y, FeatureParams(), "concatenated fold-1 clips")


@pytest.mark.parametrize("n", [1, 100, 511, 512, 2047, 2048, 2049])
def test_clips_shorter_than_a_frame_are_padded(n):
    y = np.random.default_rng(n).uniform(-0.5, 0.5, n).astype(np.float32)
    features = compute_features(y)
    assert features.mel_db.shape[1] == 1 + n // 512
    assert_equals_librosa(y, FeatureParams(), f"{n} samples")


def test_shapes_times_and_frequencies(original_files):
    clip = load_clip(original_files[0])
    f = compute_features(clip.signal)
    n_frames = 1 + len(clip.signal) // 512
    assert f.mel_db.shape == (128, n_frames) and f.mfcc.shape == (40, n_frames)
    assert f.mel_db.dtype == np.float32 and f.mfcc.dtype == np.float32
    np.testing.assert_allclose(f.frame_times, librosa.frames_to_time(np.arange(n_frames), sr=22050, hop_length=512))
    np.testing.assert_allclose(f.mel_frequencies, librosa.mel_frequencies(n_mels=130, fmax=11025)[1:-1])
    assert f.duration == pytest.approx(len(clip.signal) / 22050)
    assert f.mel_db.max() - f.mel_db.min() <= 80.0 + 1e-4


def test_envelope_bins_hold_min_and_max():
    y = np.random.default_rng(1).normal(size=10_007).astype(np.float32)
    env = envelope(y, 100, 22050)
    assert len(env.mins) == len(env.maxs) == 100 and env.edges[0] == 0 and env.edges[-1] == 10_007
    for i in range(100):
        part = y[env.edges[i]:env.edges[i + 1]]
        assert env.mins[i] == part.min() and env.maxs[i] == part.max()
    short = envelope(y[:50], 2000, 22050)          # fewer samples than bins: one bin per sample
    np.testing.assert_array_equal(short.mins, y[:50])
    np.testing.assert_array_equal(short.maxs, y[:50])
    np.testing.assert_allclose(short.times, np.arange(50) / 22050)


def test_invalid_parameters_are_refused_with_reasons():
    with pytest.raises(ValueError, match="n_mfcc=200 must be between 1 and n_mels=128"):
        FeatureParams(n_mfcc=200)
    with pytest.raises(ValueError, match="fmin < fmax"):
        FeatureParams(fmax=20000.0)
    with pytest.raises(ValueError, match="hop_length"):
        FeatureParams(hop_length=0)
    with pytest.raises(ValueError, match="non-empty mono"):
        compute_features(np.zeros(0, dtype=np.float32))


def test_silence_and_dc_give_finite_features():
    for y in (np.zeros(22050, np.float32), np.full(22050, 0.5, np.float32)):
        f = compute_features(y)
        assert np.isfinite(f.mel_db).all() and np.isfinite(f.mfcc).all()


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 30_000), scale=st.floats(0.0, 1.0), seed=st.integers(0, 2**32 - 1))
def test_any_signal_gives_finite_features_of_the_right_shape(n, scale, seed):
    y = (scale * np.random.default_rng(seed).uniform(-1, 1, n)).astype(np.float32)
    f = compute_features(y)
    assert f.mel_db.shape == (128, 1 + n // 512) and f.mfcc.shape == (40, 1 + n // 512)
    assert np.isfinite(f.mel_db).all() and np.isfinite(f.mfcc).all()
    assert f.envelope.mins.min() == y.min() and f.envelope.maxs.max() == y.max()


def test_feature_sets_sharing_an_stft_equal_separate_analyses(original_files):
    # The classifier's 128- and 40-band analyses share one STFT; sharing must not change them.
    y = load_clip(original_files[3]).signal
    other = FeatureParams(n_fft=1024, hop_length=256, n_mels=64, n_mfcc=20)
    together = compute_feature_sets(y, [FeatureParams(), COARSE_PARAMS, other, FeatureParams()])
    for params, features in zip([FeatureParams(), COARSE_PARAMS, other, FeatureParams()], together):
        alone = compute_features(y, params)
        assert features.params == params
        np.testing.assert_array_equal(features.mel_db, alone.mel_db)
        np.testing.assert_array_equal(features.mfcc, alone.mfcc)
        np.testing.assert_array_equal(features.envelope.maxs, alone.envelope.maxs)
