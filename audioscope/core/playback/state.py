"""The states of a playback engine."""

from __future__ import annotations

from enum import StrEnum


class PlaybackState(StrEnum):
    """What the engine is doing; the value is the word the transport's ``state_changed`` sends."""

    STOPPED = "stopped"
    PLAYING = "playing"
    PAUSED = "paused"
