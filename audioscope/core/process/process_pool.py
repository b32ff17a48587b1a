"""Run batch tasks on local worker processes, or wherever joblib is configured to send them.

joblib's default local backend (loky) starts each worker as a fresh interpreter, which must
import numpy, scipy.fft, soundfile and joblib before its first task: about 0.7 s of CPU per
worker, measured here — a fifth of extracting all 1761 clips of two folds on two cores.
Where it is safe, ``run_tasks`` instead forks the workers from the calling process, which has
those modules loaded already, so they start in milliseconds.

Forking copies only the calling thread, so it is safe only where no other thread can hold a
lock the child needs. It is used when all of these hold, else joblib is:

* Linux (macOS system libraries are not fork-safe);
* Python 3.11: its ProcessPoolExecutor forks every worker before starting its own threads,
  and Python 3.12+ warns about any fork of a process with threads — numpy's idle BLAS
  threads included (OpenBLAS makes those safe with its own fork handlers);
* one Python thread and no Qt application (the window runs Qt's threads: it keeps loky);
* joblib's backend is the default local one: under ``joblib.parallel_config(backend="dask")``
  the tasks go to the cluster.

Unlike loky's workers, forked ones get no BLAS thread limits: the tasks here (decoding, FFTs,
sparse products, statistics) make no BLAS calls.

Workers end with the calling process, however it ends (``worker_lifetime``): forked ones and
loky's are bound to it by their pool's initializer (loky's reusable executor is kept as long
as the initializer's arguments do not change: always, in one process). When the caller is
interrupted (KeyboardInterrupt, or SystemExit from a signal handler) the forked workers are
killed at once rather than left to finish their tasks; joblib does the same for loky's.
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from audioscope.core.process.allocator import keep_freed_memory, release_freed_memory
from audioscope.core.process.worker_lifetime import bind_forked_worker, starting_workers, watch_parent

FORKED = "forked processes"
JOBLIB = "joblib"
IN_PROCESS = "the calling process"
_IN_FLIGHT_PER_WORKER = 2     # tasks queued ahead per worker: keeps workers busy, progress live


def worker_count(jobs: int) -> int:
    """joblib's convention: ``jobs`` processes, or all cores for -1 (cores + 1 + jobs below 0)."""
    import joblib

    if jobs == 0:
        raise ValueError("jobs must not be 0 (use -1 for all cores)")
    return max(1, jobs if jobs > 0 else joblib.cpu_count() + 1 + jobs)


def pool_kind(jobs: int) -> str:
    """``FORKED`` when ``run_tasks`` would fork its workers, else ``JOBLIB``."""
    import joblib.parallel

    backend, _ = joblib.parallel.get_active_backend()
    if (sys.platform.startswith("linux") and sys.version_info[:2] == (3, 11)
            and worker_count(jobs) > 1 and type(backend).__name__ == "LokyBackend"
            and threading.active_count() == 1 and not _qt_application_running()):
        return FORKED
    return JOBLIB


def _qt_application_running() -> bool:
    """A Qt application runs its own threads. (Only importing QtCore starts none: the built
    application imports it at start-up for every command.)"""
    qt = sys.modules.get("PySide6.QtCore")
    return qt is not None and qt.QCoreApplication.instance() is not None


def run_tasks(function: Callable[..., Any], tasks: Iterable[tuple], jobs: int = -1,
              stats: dict | None = None) -> Iterator[Any]:
    """``function(*args)`` for each ``args`` of ``tasks``, yielded in the order of ``tasks``.

    ``function`` must be importable (a module-level function). ``tasks`` is consumed lazily, a
    few tasks ahead of the results. ``stats["pool"]``, if given, receives where they ran
    (``FORKED``, ``JOBLIB``, ``IN_PROCESS`` for a single task, "" when there were none)."""
    kind = pool_kind(jobs)
    tasks = iter(tasks)
    if kind == FORKED:
        first = list(itertools.islice(tasks, worker_count(jobs)))   # no more workers than tasks
        if len(first) > 1:
            if stats is not None:
                stats["pool"] = FORKED
            yield from _forked(function, itertools.chain(first, tasks), len(first))
            return
        if stats is not None:                    # none or one: not worth a process
            stats["pool"] = IN_PROCESS if first else ""
        for args in first:
            yield function(*args)
        return
    if stats is not None:
        stats["pool"] = JOBLIB
    import joblib

    backend = _bound_backend()
    runner = joblib.Parallel(n_jobs=jobs, return_as="generator", backend=backend)
    task = _TunedTask(function)
    calls = (joblib.delayed(task)(*args) for args in tasks)
    if backend is None:                      # Dask's workers and others: not ours to start
        yield from runner(calls)
        return
    with starting_workers(spawned=True):     # the call starts loky's workers
        results = runner(calls)
    yield from results


class _TunedTask:
    """``function(*args)`` on a loky or Dask worker, its allocator tuned once per process (an
    entry point, as ``app.main`` is; forked workers inherit the caller's setting), and what the
    task freed handed back to the OS at its end. loky stops a worker that has grown 300 MB past
    its size after its first task (its leak check): the class gallery's first tasks are mel
    sums, and the embedding tasks after them, with the freed activations kept, passed that and
    had their workers restarted. It keeps the function's name, which Dask shows its tasks by."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function
        self.__name__ = getattr(function, "__name__", "task")

    def __call__(self, *args: Any) -> Any:
        global _tuned
        if not _tuned:
            _tuned = True
            keep_freed_memory()
        try:
            return self.function(*args)
        finally:
            release_freed_memory()           # a few ms, once a task (dozens of clips)


_tuned = False


def _bound_backend() -> Any:
    """For loky's local processes, a copy of joblib's active backend whose workers watch this
    process from their start (``worker_lifetime.watch_parent``); else None (Dask and others:
    the active backend as it is)."""
    import joblib.parallel

    backend, _ = joblib.parallel.get_active_backend()
    if type(backend).__name__ != "LokyBackend":
        return None
    settings = {**backend.backend_kwargs, "initializer": watch_parent, "initargs": (os.getpid(),)}
    return type(backend)(nesting_level=backend.nesting_level,
                         inner_max_num_threads=backend.inner_max_num_threads, **settings)


def _forked(function: Callable[..., Any], tasks: Iterator[tuple], workers: int) -> Iterator[Any]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # Python 3.11 forks all workers at the first submit, before the executor starts its threads.
    executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                   initializer=bind_forked_worker, initargs=(os.getpid(),))
    pending: deque = deque()
    try:
        for args in itertools.islice(tasks, 1):
            with starting_workers():       # the first submit forks them all
                pending.append(executor.submit(function, *args))
        for args in itertools.islice(tasks, workers * _IN_FLIGHT_PER_WORKER - 1):
            pending.append(executor.submit(function, *args))
        while pending:
            result = pending.popleft().result()
            for args in itertools.islice(tasks, 1):
                pending.append(executor.submit(function, *args))
            yield result
    except (KeyboardInterrupt, SystemExit):   # interrupted: do not wait for the running tasks
        _kill_workers(executor)
        raise
    finally:   # done, failed, or the caller stopped early: drop what has not started
        executor.shutdown(wait=True, cancel_futures=True)


def _kill_workers(executor: Any) -> None:
    """Kill a ProcessPoolExecutor's workers (Python 3.11's: the only one forked here).

    A worker killed while it sends a result leaves half a message in the result pipe, and the
    executor's thread would wait for the rest forever (and ``shutdown`` with it). This process
    holds the pipe's only other write end: closed, the thread reads the end, calls the pool
    broken and stops."""
    for process in list(executor._processes.values()):
        process.kill()
    executor._result_queue._writer.close()
