"""Write a file whole or not at all: into a unique temporary file beside it, renamed over it
at the end. A failure leaves neither a half-written file nor the temporary one behind."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

_UMASK = os.umask(0o022)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(out: str | Path) -> Iterator[Path]:
    """A unique temporary path beside ``out`` (two writers never share one) that replaces
    ``out`` when the block succeeds. Raises OSError, naming an unwritable folder as such."""
    out = Path(out)
    name = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(out.parent, os.W_OK):
            raise PermissionError(f"its folder {out.parent} is not writable")
        fd, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".partial")
        os.close(fd)
        yield Path(name)
        os.chmod(name, 0o666 & ~_UMASK)       # as an ordinary new file, not mkstemp's 0600
        os.replace(name, out)
    finally:
        if name is not None:
            with contextlib.suppress(OSError):
                os.unlink(name)
