"""Play/pause, stop and loop controls around a PlaybackEngine, with a polled position.

A QTimer on the GUI thread (25 ms) reads ``engine.position_seconds()`` while playing and emits
``position_changed``; the audio thread never touches Qt. Without an output device, or after an
error during playback, the buttons are disabled and a label says why.
"""

from __future__ import annotations

import logging
import weakref

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStyle, QToolButton, QWidget

from audioscope.core.playback.device import PlaybackUnavailable
from audioscope.core.playback.engine import PlaybackEngine
from audioscope.core.playback.state import PlaybackState
from audioscope.core.signal.audio import Clip

log = logging.getLogger(__name__)
POLL_MS = 25


class Transport(QWidget):
    """Transport bar for one clip.

    Signals: ``position_changed(seconds)`` while the position moves (and after stop/seek),
    ``state_changed(state)`` with 'playing' / 'paused' / 'stopped', ``playback_failed(reason)``.
    """

    position_changed = Signal(float)
    state_changed = Signal(str)
    playback_failed = Signal(str)

    def __init__(self, parent: QWidget | None = None, engine: PlaybackEngine | None = None) -> None:
        super().__init__(parent)
        self.engine = engine if engine is not None else PlaybackEngine()
        weakref.finalize(self, self.engine.close)
        self._clip: Clip | None = None
        self._state = self.engine.state
        self._position = -1.0
        style = self.style()
        self._play_icon = style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay)
        self._pause_icon = style.standardIcon(QStyle.StandardPixmap.SP_MediaPause)
        self.play_button = QToolButton(icon=self._play_icon, toolTip="Play (Space)")
        self.stop_button = QToolButton(icon=style.standardIcon(QStyle.StandardPixmap.SP_MediaStop),
                                       toolTip="Stop")
        self.loop_button = QToolButton(text="Loop", checkable=True, toolTip="Repeat the clip")
        self.time_label = QLabel("0.00 / 0.00 s")
        self.time_label.setMinimumWidth(self.time_label.fontMetrics().horizontalAdvance("0000.00 / 0000.00 s"))
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        for widget in (self.play_button, self.stop_button, self.loop_button, self.time_label):
            layout.addWidget(widget)
        layout.addWidget(self.status_label, 1)
        self.play_button.clicked.connect(self.toggle_play)
        self.stop_button.clicked.connect(self.stop)
        self.loop_button.toggled.connect(self._on_loop_toggled)
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self._on_timer)
        if not self.engine.available:
            self._show_problem(f"No audio output: {self.engine.unavailable_reason}")
        else:
            self._set_enabled(False)

    # -- public API ---------------------------------------------------------------------
    @property
    def clip(self) -> Clip | None:
        """The clip loaded for playback, if any."""
        return self._clip

    def set_clip(self, clip: Clip | None) -> None:
        """Load ``clip`` for playback (stopping the current one); None unloads."""
        self._timer.stop()
        self._clip = clip
        if not self.engine.available:
            return
        self.engine.close()
        self._position = -1.0
        if clip is None:
            self._set_enabled(False)
            self._update()
            return
        try:
            self.engine.load(clip.samples, clip.format.sample_rate)
        except PlaybackUnavailable as exc:
            self._show_problem(f"No audio output: {exc.reason}")
            self.playback_failed.emit(exc.reason)
            return
        self.status_label.clear()
        self._set_enabled(True)
        self._update()

    def play_from(self, seconds: float) -> None:
        """Play from ``seconds`` (e.g. where the user clicked a plot)."""
        self._play(seconds)

    def toggle_play(self) -> None:
        """Pause when playing, otherwise play (bound to Space by the main window)."""
        if not self.play_button.isEnabled():
            return
        if self.engine.state == PlaybackState.PLAYING:
            self.engine.pause()
            self._update()
        else:
            self._play(None)

    def stop(self) -> None:
        if self.engine.loaded:
            self.engine.stop()
        self._update()

    # -- internals ----------------------------------------------------------------------
    def _play(self, seconds: float | None) -> None:
        if not self.play_button.isEnabled():
            return
        try:
            started = self.engine.play(from_seconds=seconds)
        except PlaybackUnavailable as exc:
            self._show_problem(f"No audio output: {exc.reason}")
            return
        if started:
            self._timer.start()
        self._update()

    def _on_loop_toggled(self, checked: bool) -> None:
        self.engine.loop = checked

    def _on_timer(self) -> None:
        self._update()
        if self.engine.state != PlaybackState.PLAYING:
            self._timer.stop()

    def _update(self) -> None:
        engine = self.engine
        position = engine.position_seconds()
        if position != self._position:
            self._position = position
            self.position_changed.emit(position)
        self.time_label.setText(f"{position:.2f} / {engine.duration:.2f} s")
        if engine.state != self._state:
            self._state = engine.state
            playing = engine.state == PlaybackState.PLAYING
            self.play_button.setIcon(self._pause_icon if playing else self._play_icon)
            self.play_button.setToolTip("Pause (Space)" if playing else "Play (Space)")
            self.state_changed.emit(engine.state)
        if engine.error and self.play_button.isEnabled():
            log.warning("playback stopped: %s", engine.error)
            self._show_problem(f"Playback stopped: {engine.error}")
            self.playback_failed.emit(engine.error)

    def _show_problem(self, text: str) -> None:
        self._timer.stop()
        self._set_enabled(False)
        self.status_label.setText(text)

    def _set_enabled(self, enabled: bool) -> None:
        for button in (self.play_button, self.stop_button, self.loop_button):
            button.setEnabled(enabled)

    def shutdown(self) -> None:
        """Stop playback and release the audio device (call when the window closes)."""
        self._timer.stop()
        self.engine.close()
