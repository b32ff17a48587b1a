"""Worker processes that end with the process that started them.

Left alone, a worker outlives a parent that was killed (parent PID 1, ~120 MB each): the forked
workers of ``process_pool`` inherit the write ends of their task pipes, so they never read an
end of file, and loky's workers wait five minutes for a next task before they give up.

* Forked workers (``bind_forked_worker``, their pool's initializer) ask Linux to kill them when
  the thread that forked them ends (``PR_SET_PDEATHSIG``). ``process_pool`` forks only from a
  process's one thread, so that is when the parent ends; elsewhere they watch (below).
* loky's workers are started by whichever thread submits work (in the window a pool thread,
  which ends when idle), so they watch instead: a daemon thread checks twice a second whether
  their parent PID changed (``watch_parent``, their executor's initializer).

Either way a worker that finds its parent already gone leaves at once. Workers ignore SIGINT:
Ctrl+C in a terminal reaches the whole process group, and the parent decides (it ends them).
They are started with SIGINT blocked (``starting_workers``), so it cannot interrupt their
start-up either. SIGTERM and SIGHUP end a worker at once. ``end_reusable_workers`` ends loky's
workers from the parent (the window does so when it quits).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

WATCH_INTERVAL_S = 0.5
ORPHAN_EXIT_STATUS = 1
_PR_SET_PDEATHSIG = 1            # linux/prctl.h
_watched_parent: int | None = None


def orphaned(parent_pid: int) -> bool:
    """True when this process's parent is no longer ``parent_pid`` (it ended: we were
    re-parented to init or a subreaper)."""
    return os.getppid() != parent_pid


def bind_forked_worker(parent_pid: int) -> None:
    """Initializer of a worker forked by ``parent_pid``'s only thread: it dies with it."""
    _worker_signals()
    if not _kill_on_parent_death():
        watch_parent(parent_pid)
    if orphaned(parent_pid):     # the parent died before the request above took effect
        os._exit(ORPHAN_EXIT_STATUS)


def watch_parent(parent_pid: int) -> None:
    """Exit this worker process within ``WATCH_INTERVAL_S`` of ``parent_pid`` ending (armed
    once per process; later calls do nothing). Never call it in ``parent_pid`` itself."""
    global _watched_parent
    if _watched_parent is not None:
        return
    _watched_parent = parent_pid
    if threading.current_thread() is threading.main_thread():
        _worker_signals()
    threading.Thread(target=_watch, args=(parent_pid,), name="audioscope-parent-watch",
                     daemon=True).start()
    if orphaned(parent_pid):
        os._exit(ORPHAN_EXIT_STATUS)


@contextlib.contextmanager
def starting_workers(spawned: bool = False) -> Iterator[None]:
    """SIGINT blocked in the calling thread within the block: processes and threads started
    there inherit the block (a SIGINT meanwhile waits, and reaches this thread afterwards).

    ``spawned``: the workers are fresh interpreters (loky's); multiprocessing's resource
    tracker, which they use, is started first, as its start unblocks SIGINT again."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    if spawned:
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def end_reusable_workers() -> None:
    """Kill the workers of joblib's reusable (loky) executor, if this process started one."""
    module = sys.modules.get("joblib.externals.loky.reusable_executor")
    executor = getattr(module, "_executor", None)
    if executor is not None:
        executor.shutdown(wait=True, kill_workers=True)


def _watch(parent_pid: int) -> None:
    while not orphaned(parent_pid):
        time.sleep(WATCH_INTERVAL_S)
    os._exit(ORPHAN_EXIT_STATUS)


def _worker_signals() -> None:
    """SIGINT ignored (the parent decides), SIGTERM and SIGHUP end the worker (a forked one
    inherits the parent's handlers, which would raise in the task instead)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)


def _kill_on_parent_death() -> bool:
    """Ask Linux for SIGKILL when the forking thread ends; False where that is unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False
