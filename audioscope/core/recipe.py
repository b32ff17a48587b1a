"""The classifier recipe: one clip → one feature vector, and the model that learns from them.

Everything comes from ``compute_features`` — the pipeline the explorer draws — run twice:
with the default parameters (128 mel bands, 40 MFCCs) and with 40 mel bands / 20 MFCCs.
The vector joins

* level-relative statistics of the 40-band spectrogram (band shape, spread and percentiles
  below the clip's loudest bin, spectral flux, MFCC 1–19 mean/std, frame activity, spectral
  centroid/spread/entropy/flatness, a temporal-modulation spectrum), and
* absolute statistics of the 128-band spectrogram (MFCC mean/std and delta statistics,
  32 coarse bands' mean/std/range, frame energy, zero-crossing rate, clip length, modulation),

807 values in all. The model is a soft vote of a logistic regression and an RBF SVM (after a
64-component PCA, which keeps the saved model small). docs/classifier.md has the comparison
that chose this recipe.
"""

from __future__ import annotations

import numpy as np

from audioscope.core.features import FeatureParams, Features, compute_features

# Bump when clip_vector changes its output: cached vectors and bundled models depend on it.
RECIPE_VERSION = "clip-stats-2"
COARSE_PARAMS = FeatureParams(n_mels=40, n_mfcc=20)   # the second, coarser analysis
COARSE_BANDS = 32                                    # of the 128-band spectrogram
_MODULATION_EDGES = (1, 2, 3, 5, 8, 13, 22, 40, 80)   # bins of a 256-point FFT over frames


def clip_vector(features: Features, signal: np.ndarray) -> np.ndarray:
    """807 float64 values describing a clip; ``features`` must use the default parameters."""
    signal = np.ascontiguousarray(signal, dtype=np.float32)
    coarse = compute_features(signal, COARSE_PARAMS)
    return np.concatenate([
        _relative_stats(coarse.mel_db.astype(np.float64), coarse.mfcc.astype(np.float64), len(signal)),
        _absolute_stats(features.mel_db.astype(np.float64), features.mfcc.astype(np.float64), signal),
    ])


def make_model(n_samples: int | None = None, random_state: int = 0):
    """A fresh, unfitted classifier for ``n_samples`` clip vectors (soft vote of LR and
    PCA→RBF-SVM); the PCA keeps 64 components, fewer for tiny training sets."""
    from sklearn.decomposition import PCA
    from sklearn.ensemble import VotingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    logistic = make_pipeline(StandardScaler(), LogisticRegression(C=0.05, max_iter=3000))
    # libsvm's Platt-scaled probabilities. scikit-learn 1.9 deprecates probability=True in
    # favour of CalibratedClassifierCV, which measured 0.596 instead of 0.604 here; our
    # dependency range stops before 1.11, which removes it.
    components = 64 if n_samples is None else max(1, min(64, n_samples - 1))
    svm = make_pipeline(StandardScaler(), PCA(components, random_state=random_state),
                        SVC(C=3, probability=True, random_state=random_state))
    return VotingClassifier([("logistic", logistic), ("svm", svm)], voting="soft")


def _deltas(values: np.ndarray) -> np.ndarray:
    return np.diff(values, axis=1) if values.shape[1] > 1 else np.zeros((values.shape[0], 1))


def _relative_stats(mel: np.ndarray, mfcc: np.ndarray, n_samples: int) -> np.ndarray:
    """Statistics of a (40-band) mel dB spectrogram relative to its loudest bin."""
    top = mel.max()
    rel = mel - top
    frame_level = rel.max(axis=0)
    power = 10 ** (mel / 10)
    share = power / (power.sum(axis=0, keepdims=True) + 1e-12)
    band = np.arange(mel.shape[0])[:, None]
    centroid = (share * band).sum(axis=0)
    spread = np.sqrt((share * (band - centroid) ** 2).sum(axis=0))
    entropy = -(share * np.log(share + 1e-12)).sum(axis=0)
    flatness = np.exp(np.mean(np.log(power + 1e-12), axis=0)) / (np.mean(power, axis=0) + 1e-12)
    flux = _deltas(mel)
    return np.concatenate([
        rel.mean(axis=1) - rel.mean(), rel.std(axis=1), np.percentile(rel, [10, 50, 90], axis=1).ravel(),
        flux.clip(0).mean(axis=1), flux.std(axis=1),
        mfcc[1:].mean(axis=1), mfcc[1:].std(axis=1), _deltas(mfcc)[1:].std(axis=1),
        np.percentile(frame_level, [10, 50, 90]), [frame_level.std()],
        [(frame_level > -10).mean(), (frame_level > -20).mean(), (frame_level > -30).mean()],
        [centroid.mean(), centroid.std(), spread.mean(), spread.std(), entropy.mean(), entropy.std(),
         flatness.mean(), flatness.std(), np.log(n_samples), top],
        _modulation_spectrum(rel),
    ])


def _modulation_spectrum(rel: np.ndarray, n_groups: int = 8) -> np.ndarray:
    """Log energy of band-group level fluctuations in 8 modulation-rate bins."""
    n_bands, n_frames = rel.shape
    n_bins = len(_MODULATION_EDGES) - 1
    if n_frames < 8:
        return np.zeros(n_groups * n_bins)
    groups = rel.reshape(n_groups, n_bands // n_groups, n_frames).mean(axis=1)
    centred = groups - groups.mean(axis=1, keepdims=True)
    spectrum = np.abs(np.fft.rfft(centred * np.hanning(n_frames), n=256, axis=1)) / np.sqrt(n_frames)
    bins = [spectrum[:, a:b].mean(axis=1) for a, b in zip(_MODULATION_EDGES[:-1], _MODULATION_EDGES[1:])]
    return np.log1p(np.stack(bins, axis=1)).ravel()


def _absolute_stats(mel: np.ndarray, mfcc: np.ndarray, signal: np.ndarray) -> np.ndarray:
    """Statistics of the default (128-band, absolute dB) spectrogram and its MFCCs."""
    delta = _deltas(mfcc)
    coarse = mel.reshape(COARSE_BANDS, mel.shape[0] // COARSE_BANDS, -1).mean(axis=1)
    frame_level = mel.max(axis=0)
    crossings = np.mean(np.abs(np.diff(np.sign(signal))) > 0) if len(signal) > 1 else 0.0
    if coarse.shape[1] >= 8:
        centred = coarse - coarse.mean(axis=1, keepdims=True)
        spectrum = np.abs(np.fft.rfft(centred, n=64, axis=1))[:, 1:33]
        modulation = spectrum.reshape(COARSE_BANDS, 4, 8).mean(axis=2).ravel()
    else:
        modulation = np.zeros(COARSE_BANDS * 4)
    return np.concatenate([
        mfcc.mean(axis=1), mfcc.std(axis=1), np.abs(delta).mean(axis=1), delta.std(axis=1),
        coarse.mean(axis=1), coarse.std(axis=1),
        np.percentile(coarse, 90, axis=1) - np.percentile(coarse, 10, axis=1),
        [frame_level.mean(), frame_level.std(), frame_level.max() - np.median(frame_level),
         crossings, np.log(len(signal))],
        modulation,
    ])
