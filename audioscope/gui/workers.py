"""Background work: run a function in QThreadPool, deliver only the newest result.

A ``Worker`` (a QRunnable, not a QObject) reports through a ``WorkerSignals`` object that
lives on the GUI thread. ``LatestOnly`` owns one such object (as its Qt child) for all its
jobs, so it outlives every job and is deleted on the GUI thread, never by a pool thread.
Its receivers are slots of a QObject on the GUI thread, so the signals crossing from a pool
thread are queued and callbacks always run on the GUI thread. A worker never touches a widget.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from audioscope.core.process.cancellation import cancellable

log = logging.getLogger(__name__)


class WorkerSignals(QObject):
    """``finished(token, result)`` or ``failed(token, exception)``, exactly one per run."""

    finished = Signal(object, object)
    failed = Signal(object, object)
    progress = Signal(object, int, int)      # token, done, total


class StaleJob(Exception):
    """A job that was superseded before it started, so it did not run."""


class Worker(QRunnable):
    """Runs ``fn(*args)`` on a pool thread and reports through ``signals``.

    Create it on the GUI thread. Without a ``signals`` argument it makes its own
    ``WorkerSignals``; keep a reference to ``worker.signals`` until the result arrives. The
    pool deletes the runnable after ``run`` (autoDelete), so never use it after ``start``.
    """

    def __init__(self, fn: Callable[..., Any], *args: Any, token: object = None,
                 signals: WorkerSignals | None = None,
                 still_wanted: Callable[[], bool] | None = None, reports_progress: bool = False) -> None:
        super().__init__()
        self.fn, self.args, self.token = fn, args, token
        self.signals = signals if signals is not None else WorkerSignals()
        self.still_wanted = still_wanted
        self.reports_progress = reports_progress
        self.setAutoDelete(True)

    def run(self) -> None:
        if not self._wanted():
            self._report(self.signals.failed, StaleJob())  # superseded while queued: skip the work
            return
        try:
            with cancellable(self._wanted):      # long jobs stop early when superseded
                if self.reports_progress:
                    result = self.fn(*self.args, progress=self._progress)
                else:
                    result = self.fn(*self.args)
        except Exception as exc:  # reported, never raised into the pool thread
            self._report(self.signals.failed, exc)
        else:
            self._report(self.signals.finished, result)

    def _wanted(self) -> bool:
        try:
            return self.still_wanted is None or bool(self.still_wanted())
        except RuntimeError:  # its owner was deleted (window closed): nobody wants it
            return False

    def _progress(self, done: int, total: int) -> None:
        """Passed to ``fn`` as ``progress=``; safe to call from the pool thread."""
        try:
            self.signals.progress.emit(self.token, int(done), int(total))
        except RuntimeError:
            pass

    def _report(self, signal, value: object) -> None:
        try:
            signal.emit(self.token, value)
        except RuntimeError:  # the signals object was deleted: nobody is waiting any more
            log.debug("result of job %r discarded: its receiver is gone", self.token)


ResultCallback = Callable[[Any], None]
ErrorCallback = Callable[[Exception], None]
ProgressCallback = Callable[[int, int], None]


class LatestOnly(QObject):
    """Submits jobs for one consumer; only the most recent job's outcome is delivered.

    Every ``submit`` (and ``cancel``) starts a new generation; results and errors from
    older generations are dropped when they arrive, and jobs superseded while still queued
    do not run at all — holding a key down through a thousand rows leaves no backlog.
    """

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool if pool is not None else QThreadPool.globalInstance()
        self._generation = 0
        self._signals = WorkerSignals(self)  # shared by all jobs; a child, so it dies with us
        self._signals.finished.connect(self._on_finished)
        self._signals.failed.connect(self._on_failed)
        self._signals.progress.connect(self._on_progress)
        self._pending: dict[int, tuple[ResultCallback, ErrorCallback | None]] = {}
        self._progress_callbacks: dict[int, ProgressCallback] = {}

    @property
    def generation(self) -> int:
        return self._generation

    @property
    def is_busy(self) -> bool:
        """True while the latest job has not reported yet."""
        return self._generation in self._pending

    def submit(self, fn: Callable[..., Any], *args: Any, on_result: ResultCallback,
               on_error: ErrorCallback | None = None, on_progress: ProgressCallback | None = None) -> int:
        """Run ``fn(*args)`` in the pool; return the job's generation number.

        With ``on_progress``, ``fn`` is called with a ``progress=`` keyword: a callable
        ``(done, total)`` it may call from the pool thread; ``on_progress(done, total)`` then
        runs on the GUI thread, for the latest job only.
        """
        self._generation += 1
        self._pending[self._generation] = (on_result, on_error)
        generation = self._generation
        self._progress_callbacks.clear()
        if on_progress is not None:
            self._progress_callbacks[generation] = on_progress
        self._pool.start(Worker(fn, *args, token=generation, signals=self._signals,
                                still_wanted=lambda: generation == self._generation,
                                reports_progress=on_progress is not None))
        return generation

    def cancel(self) -> None:
        """Drop whatever is in flight (the jobs still run to completion)."""
        self._generation += 1

    @Slot(object, int, int)
    def _on_progress(self, generation: int, done: int, total: int) -> None:
        callback = self._progress_callbacks.get(generation)
        if callback is not None and generation == self._generation:
            callback(done, total)

    @Slot(object, object)
    def _on_finished(self, generation: int, result: object) -> None:
        self._progress_callbacks.pop(generation, None)
        entry = self._pending.pop(generation, None)
        if entry is None or generation != self._generation:
            return
        entry[0](result)

    @Slot(object, object)
    def _on_failed(self, generation: int, error: Exception) -> None:
        entry = self._pending.pop(generation, None)
        if entry is None or generation != self._generation:
            return
        on_error = entry[1]
        if on_error is None:
            log.error("background job failed: %s", error, exc_info=error)
        else:
            on_error(error)
