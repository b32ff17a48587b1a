"""Audio playback through PortAudio (sounddevice) with a latency-compensated position.

No Qt here: the GUI polls :meth:`PlaybackEngine.position_seconds` from a timer; sounddevice
is imported lazily (``device.import_sounddevice``).

The stream always carries float32 samples. The PortAudio callback only copies numpy frames
into ``outdata`` and advances a frame counter under a lock held for that copy. The position is
the counter minus the stream's output latency (``stream.latency`` converted to frames), so it
tracks what is audible, not a wall clock. A sample rate the device rejects is resampled
(soxr, HQ) to the device's default rate, or 48000 / 44100 Hz, and remembered.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from audioscope.core.playback import device as output_device
from audioscope.core.playback.device import FALLBACK_RATES, PlaybackUnavailable, fit_channels
from audioscope.core.playback.state import PlaybackState

_PA_INVALID_SAMPLE_RATE = -9997


class PlaybackEngine:
    """Plays one loaded clip on the default (or a given) output device.

    ``state`` is a PlaybackState; ``error`` holds the reason the last playback failed.
    ``available`` / ``unavailable_reason`` tell whether there is an output at all.
    """

    def __init__(self, device: int | str | None = None, latency: str | float = "high") -> None:
        self.device = device
        self.latency = latency
        self.state = PlaybackState.STOPPED
        self.error: str | None = None
        self.available = True
        self.unavailable_reason: str | None = None
        self.source_rate: int | None = None
        self.output_rate: int | None = None
        self.output_channels: int | None = None
        self._sd: Any = None
        self._device_info: dict | None = None
        self._rejected_rates: set[int] = set()
        self._stream: Any = None
        self._data = np.zeros((0, 2), dtype=np.float32)
        self._lock = threading.Lock()
        self._frame = 0          # next clip frame the callback copies (runs past the end into silence)
        self._mark = 0           # clip frame where the current uninterrupted run started
        self._wrapped = False    # the run wrapped to 0 while looping
        self._latency_frames = 0
        self.loop = False        # at the end, go on from the start (the callback reads it)
        self._stop_requested = False
        self._reached_end = False
        self._callback_error: str | None = None
        self._status: Any = None
        self._probe()

    # -- device -------------------------------------------------------------------------
    def _probe(self) -> None:
        try:
            self._sd = output_device.import_sounddevice()
            info = self._sd.query_devices(self.device, kind="output")
        except PlaybackUnavailable as exc:
            self._set_unavailable(exc.reason)
            return
        except (ValueError, self._sd.PortAudioError) as exc:
            which = "no default audio output device" if self.device is None else \
                f"no audio output device {self.device!r}"
            self._set_unavailable(f"{which} (PortAudio: {exc})")
            return
        if info["max_output_channels"] < 1:
            self._set_unavailable(f"device {info['name']!r} has no output channels")
            return
        self._device_info = dict(info)

    def _set_unavailable(self, reason: str) -> None:
        self.available = False
        self.unavailable_reason = reason

    def _require_available(self) -> None:
        if not self.available:
            raise PlaybackUnavailable(self.unavailable_reason or "no audio output")

    # -- loading ------------------------------------------------------------------------
    def load(self, samples: np.ndarray, sample_rate: int) -> None:
        """Open an output stream for ``samples`` (frames, channels) at ``sample_rate``.

        Raises PlaybackUnavailable when no output is usable or the device accepts no rate.
        """
        self._require_available()
        self._close_stream()
        self.state, self.error = PlaybackState.STOPPED, None
        channels = max(1, min(2, int(self._device_info["max_output_channels"])))
        data = fit_channels(samples, channels)
        candidates = [int(sample_rate), int(self._device_info["default_samplerate"]), *FALLBACK_RATES]
        last_error = "no sample rate was tried"
        for rate in dict.fromkeys(candidates):  # unique, in order
            if rate in self._rejected_rates or rate <= 0:
                continue
            try:
                stream = self._open(rate, channels)
            except self._sd.PortAudioError as exc:
                if len(exc.args) > 1 and exc.args[1] == _PA_INVALID_SAMPLE_RATE:
                    self._rejected_rates.add(rate)  # remembered for the next clip at this rate
                last_error = f"{rate} Hz: {exc}"
                continue
            if rate != sample_rate:
                import soxr

                data = np.ascontiguousarray(soxr.resample(data, sample_rate, rate, quality="HQ"),
                                            dtype=np.float32)
            self._stream, self._data = stream, data
            self.source_rate, self.output_rate, self.output_channels = int(sample_rate), rate, channels
            self._latency_frames = int(round(float(stream.latency) * rate))
            with self._lock:
                self._frame = self._mark = 0
                self._wrapped = False
            return
        self.error = f"the output device accepts none of the sample rates tried ({last_error})"
        raise PlaybackUnavailable(self.error)

    def _open(self, rate: int, channels: int) -> Any:
        self._sd.check_output_settings(device=self.device, channels=channels, dtype="float32",
                                       samplerate=rate)
        return self._sd.OutputStream(samplerate=rate, channels=channels, dtype="float32",
                                     device=self.device, latency=self.latency,
                                     callback=self._callback, finished_callback=self._on_finished)

    @property
    def loaded(self) -> bool:
        return self._stream is not None

    @property
    def ended(self) -> bool:
        """Stopped because the clip played to its end (not paused, stopped or never started)."""
        n = self._data.shape[0]
        return self.state == PlaybackState.STOPPED and n > 0 and self._frame >= n

    @property
    def duration(self) -> float:
        """Length of the loaded clip in seconds (0 when nothing is loaded)."""
        return self._data.shape[0] / self.output_rate if self.output_rate else 0.0

    @property
    def rejected_rates(self) -> frozenset[int]:
        """Sample rates the device refused; later loads skip straight to a fallback."""
        return frozenset(self._rejected_rates)

    @property
    def latency_seconds(self) -> float:
        return self._latency_frames / self.output_rate if self.output_rate else 0.0

    # -- transport ----------------------------------------------------------------------
    def play(self, from_seconds: float | None = None) -> bool:
        """Start or resume; returns False (and sets ``error``) when the stream cannot start."""
        self._require_available()
        if self._stream is None:
            return False
        n = self._data.shape[0]
        if from_seconds is not None:
            self.seek(from_seconds)
            if self.state == PlaybackState.PLAYING:
                return True
        elif self.state == PlaybackState.PLAYING:
            return True
        elif self._frame >= n:  # finished earlier: start again from the beginning
            self.seek(0.0)
        self._halt()
        self._stop_requested = self._reached_end = False
        self._callback_error = self._status = None
        self.error = None
        self.state = PlaybackState.PLAYING
        try:
            self._stream.start()
        except self._sd.PortAudioError as exc:
            self.state, self.error = PlaybackState.STOPPED, f"cannot start the audio stream ({exc})"
            return False
        return True

    def pause(self) -> None:
        """Stop output, keeping the audible position; ``play()`` resumes there."""
        if self.state != PlaybackState.PLAYING:
            return
        heard = self._position_frames()
        self._halt()
        self._set_frame(heard)
        self.state = PlaybackState.PAUSED

    def stop(self) -> None:
        """Stop output and rewind to the start."""
        self._halt()
        self._set_frame(0)
        self.state = PlaybackState.STOPPED

    def seek(self, seconds: float) -> None:
        """Move to ``seconds`` (clamped to the clip); playback continues there if playing."""
        if not self.output_rate:
            return
        self._set_frame(int(round(max(0.0, float(seconds)) * self.output_rate)))

    def _set_frame(self, frame: int) -> None:
        frame = min(max(0, frame), self._data.shape[0])
        with self._lock:
            self._frame = self._mark = frame
            self._wrapped = False

    def position_seconds(self) -> float:
        """Audible position: frames consumed by the callback minus the output latency."""
        return self._position_frames() / self.output_rate if self.output_rate else 0.0

    def _position_frames(self) -> int:
        n = self._data.shape[0]
        with self._lock:
            frame, mark, wrapped = self._frame, self._mark, self._wrapped
        if self.state != PlaybackState.PLAYING:
            return min(frame, n)
        heard = frame - self._latency_frames
        if heard < mark:  # the output still plays what preceded this run
            heard = heard + n if wrapped else mark
        return min(max(heard, 0), n)

    def _halt(self) -> None:
        self._stop_requested = True
        if self._stream is None:
            return
        try:
            if not self._stream.stopped:
                self._stream.abort()
        except self._sd.PortAudioError as exc:
            self.error = f"cannot stop the audio stream ({exc})"

    def _close_stream(self) -> None:
        if self._stream is None:
            return
        self._halt()
        try:
            self._stream.close()
        except self._sd.PortAudioError:
            pass
        self._stream = None
        self.state = PlaybackState.STOPPED

    def close(self) -> None:
        """Stop and release the device; ``load()`` opens it again."""
        self._close_stream()
        self._data = np.zeros((0, 2), dtype=np.float32)
        self.output_rate = None

    # -- PortAudio thread ---------------------------------------------------------------
    def _callback(self, outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        try:
            if status:
                self._status = status
            data = self._data
            n = data.shape[0]
            with self._lock:
                pos = self._frame
                if self.loop and n:
                    done = 0
                    while done < frames:
                        if pos >= n:
                            pos, self._mark, self._wrapped = 0, 0, True
                        take = min(frames - done, n - pos)
                        outdata[done:done + take] = data[pos:pos + take]
                        done += take
                        pos += take
                else:
                    take = min(frames, max(0, n - pos))
                    outdata[:take] = data[pos:pos + take]
                    outdata[take:] = 0
                    pos += frames
                self._frame = pos
            if not self.loop and pos >= n + self._latency_frames:
                self._reached_end = True  # the silence after the end covered the latency
                raise self._sd.CallbackStop
        except Exception as exc:
            if isinstance(exc, self._sd.CallbackStop):
                raise
            self._callback_error = f"{type(exc).__name__}: {exc}"
            raise self._sd.CallbackAbort from None

    def _on_finished(self) -> None:
        if self._stop_requested:
            return
        if self._callback_error is not None:
            self.error = f"playback failed ({self._callback_error})"
        elif self._reached_end:
            self._set_frame(self._data.shape[0])
        else:
            status = f" ({self._status})" if self._status else ""
            self.error = f"the audio output stopped unexpectedly{status}"
        self.state = PlaybackState.STOPPED
