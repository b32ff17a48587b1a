"""Locate files shipped in resources/ (a source checkout or an installed wheel alike)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def resource_path(*parts: str) -> Path:
    """Filesystem path of a bundled resource, e.g. ``resource_path("icons", "audioscope.svg")``.

    resources/ is installed as the package ``audioscope.resources`` (see pyproject.toml), and
    audioscope is never imported from a zip, so the resource is a real file.
    """
    return Path(str(files("audioscope.resources").joinpath(*parts)))
