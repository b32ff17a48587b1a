"""Write a file whole or not at all: into a unique temporary file beside it, renamed over it
at the end. A failure leaves neither a half-written file nor the temporary one behind.

A writer killed outright (SIGKILL, a crash) cannot clean up: its temporary file,
``.{name}.{pid}.{random}.partial``, names its process, and the next write of the same file
removes it once that process is gone (``remove_stale_partials``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

PARTIAL_SUFFIX = ".partial"
_TOKEN_BYTES = 4            # the random part: 8 hex digits

_UMASK = os.umask(0o022)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(out: str | Path) -> Iterator[Path]:
    """A unique temporary path beside ``out`` (two writers never share one) that replaces
    ``out`` when the block succeeds; partials that killed writers of ``out`` left go first.
    Raises OSError, naming an unwritable folder as such."""
    out = Path(out)
    name = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(out.parent, os.W_OK):
            raise PermissionError(f"its folder {out.parent} is not writable")
        remove_stale_partials(out)
        name = new_partial(out)
        yield name
        os.chmod(name, 0o666 & ~_UMASK)       # as an ordinary new file, not the partial's 0600
        os.replace(name, out)
    finally:
        if name is not None:
            with contextlib.suppress(OSError):
                os.unlink(name)


def new_partial(out: str | Path, kind: Literal["file", "folder"] = "file") -> Path:
    """Create a new, empty temporary file (mode 0600) or folder (an ordinary one) beside
    ``out``, named ``.{name}.{pid}.{random}.partial`` for ``remove_stale_partials``."""
    out = Path(out)
    for _ in range(100):
        token = secrets.token_hex(_TOKEN_BYTES)
        path = out.parent / f".{out.name}.{os.getpid()}.{token}{PARTIAL_SUFFIX}"
        try:
            if kind == "folder":
                os.mkdir(path)
            else:
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))
            return path
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary name", str(out.parent))


def remove_stale_partials(out: str | Path, kind: Literal["file", "folder"] = "file") -> int:
    """Remove the temporary files (``kind="folder"``: folders, with their contents) that
    writers of ``out`` left beside it when killed: ``.{name}.{pid}.{random}.partial`` whose
    process no longer exists. Returns how many went; never raises OSError.

    Left alone: partials of a living process (this one's too), anything named otherwise or of
    the other kind, symbolic links, and whatever cannot be removed. A process id is only
    meaningful on this machine: do not share the folder with writers on others."""
    if os.name != "posix":          # elsewhere os.kill(pid, 0) would end the process
        return 0
    out = Path(out)
    pattern = re.compile(re.escape(f".{out.name}.") + r"([1-9][0-9]{0,9})\.[0-9a-f]{%d}%s"
                         % (2 * _TOKEN_BYTES, re.escape(PARTIAL_SUFFIX)))
    removed = 0
    try:
        with os.scandir(out.parent) as entries:
            stale = [entry for entry in entries
                     if (match := pattern.fullmatch(entry.name)) and not process_exists(int(match[1]))]
        for entry in stale:
            try:
                if kind == "folder" and entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)         # refuses a folder swapped for a link meanwhile
                elif kind == "file" and entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)
                else:
                    continue
                removed += 1
            except OSError:
                pass
    except OSError:                 # the folder cannot be read (or is gone): nothing to do
        pass
    return removed


def process_exists(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine: signal 0 checks without sending anything."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):    # PermissionError: another user's; or an impossible pid
        return True
    return True
