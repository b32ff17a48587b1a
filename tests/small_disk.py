"""A real, nearly full file system for tests: a small tmpfs where the machine lets us mount one,
else a file-size limit on the process under test (``RLIMIT_FSIZE``)."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def small_tmpfs(folder: Path, size_bytes: int) -> Iterator[Path | None]:
    """``folder`` as a tmpfs of ``size_bytes`` (rounded up to pages), or None when mounting is
    not permitted here (not root, no CAP_SYS_ADMIN, a container that forbids it)."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(folder)],
                             capture_output=True).returncode == 0 if hasattr(os, "geteuid") else False
    try:
        yield folder if mounted else None
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], check=False)


def file_size_limit(limit_bytes: int) -> Callable[[], None]:
    """A ``preexec_fn`` that caps every file the child writes at ``limit_bytes``: writes beyond
    fail with EFBIG ("File too large") instead of killing it with SIGXFSZ."""
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return apply
