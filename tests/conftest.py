"""Shared fixtures: real UrbanSound8K material from ../shared/us8k, isolated cache and logs."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Headless Qt and a private cache/log folder for the whole run, set before anything imports them.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_private = Path(tempfile.mkdtemp(prefix="audioscope-tests-"))
atexit.register(shutil.rmtree, _private, ignore_errors=True)
os.environ["AUDIOSCOPE_CACHE_DIR"] = str(_private / "cache")
os.environ["AUDIOSCOPE_LOG_DIR"] = str(_private / "log")
os.environ["AUDIOSCOPE_DATA_DIR"] = str(_private / "data")

from us8k_subsets import FLAC_22K, ORIGINALS  # noqa: E402 (after the environment is set)


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"test data not found at {path}: the tests read real UrbanSound8K audio from "
                    f"../shared/us8k beside the repository (or set AUDIOSCOPE_US8K)")
    return path


@pytest.fixture(scope="session")
def originals_root() -> Path:
    """The official-layout folder with 44 original clips and all 8732 metadata rows."""
    return _require(ORIGINALS / "metadata" / "UrbanSound8K.csv").parents[1]


@pytest.fixture(scope="session")
def flac_root() -> Path:
    """Folds 1 and 2 as 22050 Hz mono FLAC (1761 clips)."""
    return _require(FLAC_22K / "metadata" / "UrbanSound8K.csv").parents[1]


@pytest.fixture(scope="session")
def original_files(originals_root: Path) -> list[Path]:
    files = sorted(originals_root.glob("audio/fold*/*.wav"))
    assert len(files) == 44, f"expected the 44 original clips, found {len(files)}"
    return files
