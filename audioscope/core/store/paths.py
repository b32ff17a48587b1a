"""Where audioscope keeps its own files: cache, logs and review tags (platformdirs, overridable)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "audioscope"
CACHE_DIR_ENV = "AUDIOSCOPE_CACHE_DIR"
LOG_DIR_ENV = "AUDIOSCOPE_LOG_DIR"
DATA_DIR_ENV = "AUDIOSCOPE_DATA_DIR"


def cache_dir() -> Path:
    """The feature cache: $AUDIOSCOPE_CACHE_DIR, else the platform's user cache folder."""
    override = os.environ.get(CACHE_DIR_ENV)
    return Path(override).expanduser() if override else Path(platformdirs.user_cache_dir(APP_NAME))


def log_dir() -> Path:
    """Log files: $AUDIOSCOPE_LOG_DIR, else the platform's user log folder."""
    override = os.environ.get(LOG_DIR_ENV)
    return Path(override).expanduser() if override else Path(platformdirs.user_log_dir(APP_NAME))


def data_dir() -> Path:
    """What the user made and keeps (review tags): $AUDIOSCOPE_DATA_DIR, else the platform's
    user data folder."""
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override).expanduser() if override else Path(platformdirs.user_data_dir(APP_NAME))
