"""The output device side of playback: loading PortAudio, the "unavailable" error, and fitting
channels to the device (mono is duplicated to stereo, more than two channels are averaged).

sounddevice is imported lazily, because importing it fails (OSError) where libportaudio2 is
missing; that and every other "no output device" case becomes PlaybackUnavailable.
"""

from __future__ import annotations

from typing import Any

import numpy as np

FALLBACK_RATES = (48000, 44100)


class PlaybackUnavailable(Exception):
    """No usable audio output; ``reason`` says why in words a user understands."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def import_sounddevice() -> Any:
    """The sounddevice module, or PlaybackUnavailable when PortAudio cannot be loaded."""
    try:
        import sounddevice
    except OSError as exc:
        raise PlaybackUnavailable(f"the PortAudio library is missing ({exc}); "
                                  "install libportaudio2") from None
    except Exception as exc:  # ImportError, or PortAudioError from Pa_Initialize
        raise PlaybackUnavailable(f"sounddevice cannot start ({type(exc).__name__}: {exc})") from None
    return sounddevice


def fit_channels(samples: np.ndarray, channels: int) -> np.ndarray:
    """``samples`` (frames, n) as float32 (frames, ``channels``) for a 1- or 2-channel output.

    Mono is duplicated to every output channel; stereo is kept (or averaged for a mono
    device); more channels are averaged and the mix is sent to every output channel.
    """
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim == 1:
        samples = samples[:, None]
    if samples.shape[1] == channels:
        return np.ascontiguousarray(samples)
    if samples.shape[1] == 1:
        return np.ascontiguousarray(np.repeat(samples, channels, axis=1))
    mix = samples.mean(axis=1, dtype=np.float32, keepdims=True)
    return np.ascontiguousarray(np.repeat(mix, channels, axis=1))
