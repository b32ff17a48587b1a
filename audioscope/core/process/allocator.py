"""Keep freed array memory for reuse instead of returning it to the OS after every clip.

glibc hands each allocation over 128 kB to the OS with ``mmap`` and gives it back on ``free``,
so every clip's analysis arrays (a few MB) arrive as fresh pages, and each first touch of a
fresh page is a page fault. On the 2-core virtual machine this was measured on, those faults
took half the time of ``compute_features`` (3.1 ms → 1.5 ms a 4 s clip once memory is reused).
Arrays up to 32 MB now come from the heap, and up to 128 MB of freed memory is kept; larger
arrays (long files) still go straight back to the OS. ``AUDIOSCOPE_KEEP_FREED_MEMORY=0``
leaves the allocator alone. Entry points call it: ``app.main`` (window and commands), and
``process_pool`` on each loky or Dask worker; forked workers inherit it.

What is kept is only worth keeping while clips keep coming. The window's why strip runs the
networks on 16 masked copies of a clip, and the freed activations stayed resident: 425 → 620 MB
over 20 clips. ``release_freed_memory`` (glibc's ``malloc_trim``) hands them back once a clip's
work is done: the window then stayed at 410 MB (3–10 ms a call, on the worker thread).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
MMAP_THRESHOLD = 32 << 20     # glibc's maximum on 64-bit systems
TRIM_THRESHOLD = 128 << 20
TOP_PAD = 16 << 20


def keep_freed_memory() -> bool:
    """Tune glibc's allocator as described above; False where there is no glibc (nothing done)."""
    if not sys.platform.startswith("linux") or os.environ.get("AUDIOSCOPE_KEEP_FREED_MEMORY") == "0":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):       # not glibc (e.g. musl has no mallopt)
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return all(mallopt(option, value) == 1 for option, value in (
        (_M_MMAP_THRESHOLD, MMAP_THRESHOLD), (_M_TRIM_THRESHOLD, TRIM_THRESHOLD), (_M_TOP_PAD, TOP_PAD)))


def release_freed_memory() -> bool:
    """Return freed heap memory to the OS now (glibc's ``malloc_trim``, every arena); False
    where there is no glibc or ``AUDIOSCOPE_KEEP_FREED_MEMORY=0`` (nothing done)."""
    if not sys.platform.startswith("linux") or os.environ.get("AUDIOSCOPE_KEEP_FREED_MEMORY") == "0":
        return False
    try:
        trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return False
    trim.argtypes, trim.restype = (ctypes.c_size_t,), ctypes.c_int
    trim(0)
    return True
