"""core.signal.mel_scale rebuilds librosa's Slaney mel scale and filterbank bit for bit."""

from __future__ import annotations

import itertools
import warnings

import librosa
import numpy as np
import pytest

from audioscope.core.signal.mel_scale import (
    empty_bands,
    hz_to_mel,
    mel_filterbank,
    mel_frequencies,
    mel_to_hz,
)

SETTINGS = [
    (sr, n_fft, n_mels, fmin, fmax)
    for sr, n_fft, n_mels, fmin, fmax in itertools.product(
        [8000, 16000, 22050, 44100, 48000], [256, 1024, 2048, 4096], [10, 40, 128, 256],
        [0.0, 20.0, 300.0], [None, 4000.0])
    if (fmax or sr / 2) <= sr / 2
]


def test_filterbank_and_band_edges_equal_librosa_bit_for_bit():
    assert len(SETTINGS) > 300
    for sr, n_fft, n_mels, fmin, fmax in SETTINGS:
        fmax = fmax or sr / 2
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # "Empty filters detected" for narrow settings
            expected = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)
        ours = mel_filterbank(sr, n_fft, n_mels, fmin, fmax)
        assert ours.dtype == np.float32 and ours.shape == expected.shape
        assert np.array_equal(ours, expected), (sr, n_fft, n_mels, fmin, fmax)
        assert np.array_equal(mel_frequencies(n_mels + 2, fmin, fmax),
                              librosa.mel_frequencies(n_mels=n_mels + 2, fmin=fmin, fmax=fmax))


def test_scale_conversions_equal_librosa_on_both_sides_of_1_khz():
    hz = np.array([0.0, 1.0, 440.0, 999.9, 1000.0, 1000.1, 5000.0, 11025.0, 24000.0])
    np.testing.assert_array_equal(hz_to_mel(hz), librosa.hz_to_mel(hz))
    mels = librosa.hz_to_mel(hz)
    np.testing.assert_array_equal(mel_to_hz(mels), librosa.mel_to_hz(mels))
    assert float(hz_to_mel(1000.0)) == pytest.approx(15.0) and float(mel_to_hz(15.0)) == pytest.approx(1000.0)


def test_filterbank_is_read_only_and_cached():
    basis = mel_filterbank(22050, 2048, 128, 0.0, 11025.0)
    assert basis is mel_filterbank(22050, 2048, 128, 0.0, 11025.0)
    with pytest.raises(ValueError):
        basis[0, 0] = 1.0


@pytest.mark.parametrize(("n_fft", "n_mels", "fmax"), [(2048, 128, 11025.0), (256, 128, 11025.0),
                                                        (512, 256, 4000.0)])
def test_empty_bands_are_the_ones_librosa_warns_about(n_fft, n_mels, fmax):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        basis = librosa.filters.mel(sr=22050, n_fft=n_fft, n_mels=n_mels, fmax=fmax)
    assert empty_bands(22050, n_fft, n_mels, 0.0, fmax) == int((basis.max(axis=1) == 0).sum())
    if n_fft == 2048:
        assert empty_bands(22050, n_fft, n_mels, 0.0, fmax) == 0
    else:
        assert empty_bands(22050, n_fft, n_mels, 0.0, fmax) > 0
