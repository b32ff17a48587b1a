"""Playback: the PortAudio engine whose callback only copies numpy frames, and its states."""
