"""Workers in the real QThreadPool: results arrive on the GUI thread, stale ones are dropped."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QThreadPool

from audioscope.core.signal.audio import load_clip
from audioscope.gui.workers import LatestOnly, Worker


def slow(value, seconds: float):
    time.sleep(seconds)
    return value, threading.get_ident()


def fail(message: str):
    raise ValueError(message)


@pytest.fixture
def pool():
    pool = QThreadPool.globalInstance()
    yield pool
    assert pool.waitForDone(10_000), "background jobs still running after the test"


class Collector:
    def __init__(self) -> None:
        self.results: list = []
        self.errors: list[Exception] = []
        self.threads: list[int] = []

    def on_result(self, result) -> None:
        self.results.append(result)
        self.threads.append(threading.get_ident())

    def on_error(self, error: Exception) -> None:
        self.errors.append(error)
        self.threads.append(threading.get_ident())


def settle(qtbot, pool: QThreadPool) -> None:
    """Let every job finish and every queued result be delivered."""
    assert pool.waitForDone(10_000)
    qtbot.wait(50)


def test_a_result_arrives_on_the_gui_thread(qtbot, pool):
    jobs, seen = LatestOnly(), Collector()
    generation = jobs.submit(slow, "a", 0.01, on_result=seen.on_result, on_error=seen.on_error)
    assert generation == jobs.generation == 1 and jobs.is_busy
    qtbot.waitUntil(lambda: bool(seen.results), timeout=5000)
    (value, worker_thread), = seen.results
    assert value == "a" and not jobs.is_busy
    assert worker_thread != threading.get_ident()  # the job ran elsewhere …
    assert seen.threads == [threading.get_ident()]  # … and was delivered here


def test_a_slow_stale_job_is_dropped_when_a_newer_one_finishes_first(qtbot, pool):
    jobs, seen = LatestOnly(), Collector()
    jobs.submit(slow, "old", 0.4, on_result=seen.on_result)
    jobs.submit(slow, "new", 0.0, on_result=seen.on_result)
    qtbot.waitUntil(lambda: bool(seen.results), timeout=5000)
    settle(qtbot, pool)  # the old job has finished and its result was posted by now
    assert [value for value, _ in seen.results] == ["new"]


def test_a_stale_job_that_finishes_first_is_dropped_too(qtbot, pool):
    jobs, seen = LatestOnly(), Collector()
    started = threading.Event()

    def first():
        started.set()
        return "old", threading.get_ident()

    jobs.submit(first, on_result=seen.on_result)
    assert started.wait(5)
    time.sleep(0.05)  # no event processing: "old" is done but its result is still queued
    jobs.submit(slow, "new", 0.2, on_result=seen.on_result)
    settle(qtbot, pool)
    assert [value for value, _ in seen.results] == ["new"]


def test_many_quick_submissions_deliver_only_the_last(qtbot, pool):
    jobs, seen = LatestOnly(), Collector()
    for i in range(20):
        jobs.submit(slow, i, 0.01 * (i % 3), on_result=seen.on_result)
    settle(qtbot, pool)
    assert [value for value, _ in seen.results] == [19]


def test_an_exception_arrives_as_failed_and_the_pool_keeps_working(qtbot, pool):
    jobs, seen = LatestOnly(), Collector()
    jobs.submit(fail, "broken clip", on_result=seen.on_result, on_error=seen.on_error)
    qtbot.waitUntil(lambda: bool(seen.errors), timeout=5000)
    error, = seen.errors
    assert isinstance(error, ValueError) and str(error) == "broken clip"
    assert error.__traceback__ is not None and seen.results == []
    assert seen.threads == [threading.get_ident()]
    jobs.submit(slow, "after", 0.0, on_result=seen.on_result, on_error=seen.on_error)
    qtbot.waitUntil(lambda: bool(seen.results), timeout=5000)
    assert seen.results[0][0] == "after"


def test_a_stale_failure_is_dropped(qtbot, pool):
    jobs, seen = LatestOnly(), Collector()
    jobs.submit(fail, "old", on_result=seen.on_result, on_error=seen.on_error)
    jobs.submit(slow, "new", 0.1, on_result=seen.on_result, on_error=seen.on_error)
    settle(qtbot, pool)
    assert seen.errors == [] and [value for value, _ in seen.results] == ["new"]


def test_cancel_drops_the_job_in_flight(qtbot, pool):
    jobs, seen = LatestOnly(), Collector()
    jobs.submit(slow, "x", 0.1, on_result=seen.on_result)
    jobs.cancel()
    settle(qtbot, pool)
    assert seen.results == [] and not jobs.is_busy


def test_an_unhandled_failure_is_logged(qtbot, pool, caplog):
    jobs = LatestOnly()
    jobs.submit(fail, "nobody listens", on_result=lambda r: None)
    settle(qtbot, pool)
    assert "nobody listens" in caplog.text


def test_a_worker_decodes_a_real_clip(qtbot, pool, original_files):
    worker = Worker(load_clip, original_files[0], token="clip-0")
    signals = worker.signals  # keep the signals object alive until delivery
    with qtbot.waitSignal(signals.finished, timeout=10_000) as done:
        pool.start(worker)
    token, clip = done.args
    assert token == "clip-0" and clip.signal.size > 0


def test_a_worker_reports_a_bad_file_as_failed(qtbot, pool, tmp_path):
    bad = tmp_path / "not-audio.wav"
    bad.write_bytes(b"this is not a wave file")
    worker = Worker(load_clip, bad, token=7)
    signals = worker.signals
    with qtbot.waitSignal(signals.failed, timeout=10_000) as failed:
        pool.start(worker)
    assert failed.args[0] == 7 and isinstance(failed.args[1], Exception)
    assert "not-audio.wav" in str(failed.args[1])


def test_jobs_superseded_while_queued_do_not_run(qtbot):
    import threading
    import time

    from PySide6.QtCore import QThreadPool

    from audioscope.gui.workers import LatestOnly

    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    runner = LatestOnly(pool=pool)
    ran, results, lock = [], [], threading.Lock()

    def job(i):
        with lock:
            ran.append(i)
        time.sleep(0.05)
        return i

    for i in range(100):  # like holding Down through a hundred rows
        runner.submit(job, i, on_result=results.append)
    qtbot.waitUntil(lambda: results == [99], timeout=10_000)
    assert pool.waitForDone(5000)
    assert len(ran) <= 3 and ran[-1] == 99, ran  # the first (already running) and the last
    assert not runner.is_busy


def counting(n: int, progress):
    for i in range(1, n + 1):
        progress(i, n)
        time.sleep(0.002)
    return threading.get_ident()


def test_progress_reaches_the_gui_thread_for_the_latest_job_only(qtbot, pool):
    jobs, seen, steps, old_steps = LatestOnly(), Collector(), [], []
    old_started, old_may_report, old_reported = threading.Event(), threading.Event(), threading.Event()

    def superseded_while_running(n: int, progress):
        """Starts while it is the latest job, reports only once a newer one was submitted."""
        old_started.set()
        assert old_may_report.wait(10)
        counting(n, progress)
        old_reported.set()
        return "old"

    jobs.submit(superseded_while_running, 20, on_result=old_steps.append,
                on_progress=lambda d, t: old_steps.append((d, t)))
    assert old_started.wait(10)      # running, so it will report (not skipped as stale while queued)
    jobs.submit(counting, 5, on_result=seen.on_result,
                on_progress=lambda d, t: steps.append((d, t, threading.get_ident())))
    old_may_report.set()             # the old job now emits all 20 steps, and its result, stale
    qtbot.waitUntil(lambda: bool(seen.results), timeout=5000)
    assert old_reported.wait(10)
    settle(qtbot, pool)              # everything the old job emitted was delivered or dropped by now
    assert [(d, t) for d, t, _ in steps] == [(i, 5) for i in range(1, 6)]
    assert {thread for _, _, thread in steps} == {threading.get_ident()}
    assert seen.results[0] != threading.get_ident()
    assert old_steps == []           # the superseded job's 20 steps and its result were dropped
