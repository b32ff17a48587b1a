"""Run batch tasks on local worker processes, or wherever joblib is configured to send them.

joblib's default local backend (loky) starts each worker as a fresh interpreter, which must
import numpy, scipy.fft, soundfile and joblib before its first task: about 0.7 s of CPU per
worker, measured here — a fifth of extracting all 1761 clips of two folds on two cores.
Where it is safe, ``run_tasks`` instead forks the workers from the calling process, which has
those modules loaded already, so they start in milliseconds.

Forking is safe only in a process whose other threads cannot hold locks the child would need.
It is used on Linux, from a process with one Python thread and without Qt (the window runs
Qt's own threads, and keeps loky's fresh interpreters), and only while joblib's backend is the
default local one: under ``joblib.parallel_config(backend="dask")`` the tasks go to the cluster.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

FORKED = "forked processes"
JOBLIB = "joblib"


def worker_count(jobs: int) -> int:
    """joblib's convention: ``jobs`` processes, or all cores for -1 (cores + 1 + jobs below 0)."""
    import joblib

    cores = joblib.cpu_count()
    return max(1, jobs if jobs > 0 else cores + 1 + jobs)


def pool_kind(jobs: int) -> str:
    """``FORKED`` when ``run_tasks`` would fork its workers, else ``JOBLIB``."""
    import joblib.parallel
    from joblib._parallel_backends import LokyBackend

    backend, _ = joblib.parallel.get_active_backend()
    if (sys.platform.startswith("linux") and worker_count(jobs) > 1
            and type(backend) is LokyBackend and threading.active_count() == 1
            and "PySide6.QtCore" not in sys.modules):
        return FORKED
    return JOBLIB


def run_tasks(function: Callable[..., Any], tasks: Iterable[tuple], jobs: int = -1,
              stats: dict | None = None) -> Iterator[Any]:
    """``function(*args)`` for each ``args`` of ``tasks``, yielded in order as they finish in
    turn. ``function`` must be importable (a module-level function). ``stats["pool"]``, if
    given, receives the kind of pool used."""
    kind = pool_kind(jobs)
    if stats is not None:
        stats["pool"] = kind
    if kind == FORKED:
        yield from _forked(function, tasks, worker_count(jobs))
        return
    import joblib

    runner = joblib.Parallel(n_jobs=jobs, return_as="generator")
    yield from runner(joblib.delayed(function)(*args) for args in tasks)


def _forked(function: Callable[..., Any], tasks: Iterable[tuple], workers: int) -> Iterator[Any]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # All workers are forked at the first submit, before the executor starts its own threads.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as executor:
        futures = [executor.submit(function, *args) for args in tasks]
        try:
            for future in futures:
                yield future.result()
        finally:
            for future in futures:     # the caller stopped early or a task failed: drop the rest
                future.cancel()
