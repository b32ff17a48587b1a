"""core.process.process_pool: forked workers where that is safe, joblib everywhere else; same results."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.us8k_subsets import FLAC_22K

# Each case runs in a fresh interpreter: whether forking is safe depends on the whole process
# (its threads, whether Qt is loaded), which the test session itself does not control.
CASE = r"""
import json, os, sys, threading, time
import numpy as np
from audioscope.core.process.process_pool import run_tasks, pool_kind

def task(i, barrier):
    if barrier:     # a folder: each task waits until two processes have started one
        open(os.path.join(barrier, str(os.getpid())), "w").close()
        deadline = time.monotonic() + 60
        while len(os.listdir(barrier)) < 2:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no second process ran a task: {os.listdir(barrier)}")
            time.sleep(0.005)
    return i, os.getpid()

case = sys.argv[1]
if case == "qt":
    from PySide6.QtCore import QCoreApplication
    app = QCoreApplication([])
if case == "qt-imported":           # as in the built application's command line: no Qt threads
    import PySide6.QtCore
if case == "thread":
    stop = threading.Event()
    threading.Thread(target=stop.wait, daemon=True).start()
stats = {}
if case == "threading-backend":
    import joblib
    with joblib.parallel_config(backend="threading"):
        results = list(run_tasks(task, [(i, "") for i in range(20)], jobs=2, stats=stats))
else:
    results = list(run_tasks(task, [(i, sys.argv[3]) for i in range(20)], jobs=int(sys.argv[2]), stats=stats))
print(json.dumps({"pool": stats["pool"], "order": [r[0] for r in results],
                  "pids": sorted({r[1] for r in results}), "me": os.getpid()}))
"""


def run_case(case: str, jobs: int = 2, barrier: str = "") -> dict:
    """With a ``barrier`` folder, every task waits until two processes have each begun one."""
    out = subprocess.run([sys.executable, "-c", CASE, case, str(jobs), barrier], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


FORKS = sys.platform.startswith("linux") and sys.version_info[:2] == (3, 11)


@pytest.mark.skipif(not FORKS, reason="forking is used on Linux with Python 3.11 only")
def test_a_plain_process_forks_its_workers(tmp_path):
    # The tasks wait for each other (a barrier), so one worker cannot take them all while the
    # other is still starting: it passes only if two processes run tasks at the same time.
    result = run_case("plain", barrier=str(tmp_path))
    assert result["pool"] == "forked processes"
    assert result["order"] == list(range(20))                      # results come back in order
    assert len(result["pids"]) == 2 and result["me"] not in result["pids"]   # two other processes
    assert sorted(int(name) for name in os.listdir(tmp_path)) == result["pids"]
    assert run_case("qt-imported")["pool"] == "forked processes"


@pytest.mark.parametrize("case, jobs", [("qt", 2), ("thread", 2), ("threading-backend", 2), ("plain", 1)])
def test_processes_that_must_not_fork_use_joblib(case, jobs):
    result = run_case(case, jobs)
    assert result["pool"] == "joblib"
    assert result["order"] == list(range(20))


@pytest.mark.skipif(not FORKS, reason="forking is used on Linux with Python 3.11 only")
def test_a_single_task_runs_in_the_calling_process():
    code = ("import os\nfrom audioscope.core.process.process_pool import run_tasks\n"
            "def task(i):\n    return os.getpid()\n"
            "stats = {}\nprint(list(run_tasks(task, [(0,)], jobs=2, stats=stats)) == [os.getpid()], stats['pool'])\n"
            "print(list(run_tasks(task, [], jobs=2, stats=stats)), repr(stats['pool']))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.splitlines() == ["True the calling process", "[] ''"], out.stderr


LAZY = r"""
import json, multiprocessing, os, sys, time
from audioscope.core.process.process_pool import run_tasks

def task(i, folder):
    time.sleep(0.1)
    open(os.path.join(folder, str(i)), "w").close()
    return i

pulled = []
def tasks():
    for i in range(40):
        pulled.append(i)
        yield i, sys.argv[1]

results = run_tasks(task, tasks(), jobs=2)
first = next(results)
pulled_at_first = len(pulled)
results.close()                     # the caller stops early
print(json.dumps({"first": first, "pulled_at_first": pulled_at_first, "pulled": len(pulled),
                  "workers_left": len(multiprocessing.active_children()),
                  "ran": len(os.listdir(sys.argv[1]))}))
"""


@pytest.mark.skipif(not FORKS, reason="forking is used on Linux with Python 3.11 only")
def test_tasks_are_taken_a_few_ahead_and_dropped_when_the_caller_stops(tmp_path):
    out = subprocess.run([sys.executable, "-c", LAZY, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["first"] == 0
    assert result["pulled_at_first"] <= 2 * 2 + 1            # not the whole list up front
    assert result["workers_left"] == 0                        # close() ended the workers: no more will run
    assert result["pulled"] <= 2 * 2 + 1 and result["ran"] <= result["pulled"]   # of the 40, only those taken


def test_a_failing_task_raises_in_the_caller():
    code = ("from audioscope.core.process.process_pool import run_tasks\n"
            "def task(i):\n    if i == 3: raise ValueError('task 3 failed')\n    return i\n"
            "list(run_tasks(task, [(i,) for i in range(8)], jobs=2))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and "ValueError: task 3 failed" in out.stderr


EXTRACT = r"""
import json, sys
import numpy as np
from audioscope.core.store.cache import FeatureCache
from audioscope.core.batch.vectors import extract_vectors, vectors_for_files
cache = FeatureCache(sys.argv[1])
paths = sys.argv[2:]
stats, again = {}, {}
matrix, errors = extract_vectors(paths, jobs=2, cache=cache, stats=stats)
cached, _ = extract_vectors(paths, jobs=2, cache=cache, stats=again)
direct = np.array(vectors_for_files(paths))
print(json.dumps({"pool": stats["pool"], "equal": bool(np.array_equal(matrix, direct)), "errors": errors,
                  "from_cache": again["from_cache"], "pool_again": again["pool"],
                  "cached_equal": bool(np.array_equal(cached, direct))}))
"""


def test_forked_extraction_equals_computing_in_this_process_and_fills_the_cache(tmp_path):
    paths = [str(p) for p in sorted((FLAC_22K / "audio" / "fold2").glob("*.flac"))[:70]]
    out = subprocess.run([sys.executable, "-c", EXTRACT, str(tmp_path / "cache"), *paths], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    expected_pool = "forked processes" if FORKS else "joblib"
    assert result == {"pool": expected_pool, "equal": True, "errors": [], "from_cache": 70,
                      "pool_again": "" if FORKS else "joblib", "cached_equal": True}


# Workers end with the process that started them. The parent runs 60 s tasks on two workers:
# forked ones, or loky's when a second thread makes forking unsafe.
SLOW = r"""
import sys, threading, time
from audioscope.core.process.process_pool import run_tasks

def task(i):
    time.sleep(60)
    return i

if sys.argv[1] == "joblib":
    threading.Thread(target=threading.Event().wait, daemon=True).start()
stats = {}
try:
    for result in run_tasks(task, [(i,) for i in range(8)], jobs=2, stats=stats):
        pass
except KeyboardInterrupt:
    print("interrupted", stats["pool"], flush=True)
    sys.exit(3)
"""
KINDS = ["forked", "joblib"] if FORKS else ["joblib"]
POOLS = {"forked": "forked processes", "joblib": "joblib"}


@pytest.fixture
def slow_parent():
    """``start(kind)``: the SLOW parent, in a session of its own, once its two workers exist
    (maybe still starting), and them; afterwards whatever is left of the session is killed."""
    from tests.process_tree import command_line, descendants, wait_for

    started = []

    def start(kind: str) -> tuple[subprocess.Popen, list]:
        process = subprocess.Popen([sys.executable, "-c", SLOW, kind], start_new_session=True, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_as_a_shell_starts_it)
        started.append(process)

        def workers():
            found = [p for p in descendants(process.pid) if kind == "forked" or "popen_loky" in command_line(p[0])]
            return found if len(found) >= 2 else None

        return process, wait_for(workers, 60, f"two {kind} workers")

    yield start
    for process in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)       # the session's group: its workers too
        process.communicate()


def _as_a_shell_starts_it() -> None:
    """The child's SIGINT as a shell leaves it for a command: default action, not blocked.
    A child inherits an ignored or blocked SIGINT, and in a long test run this process's own
    may not be the default (seen only in full-suite runs), which made the child deaf to Ctrl+C."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("kind", KINDS)
def test_workers_die_with_a_killed_parent(kind, slow_parent):
    from tests.process_tree import descendants, survivors

    process, workers = slow_parent(kind)
    helpers = descendants(process.pid)               # loky's resource trackers too
    process.kill()                                   # SIGKILL: no clean-up of any kind
    process.wait()
    assert survivors(workers + helpers, within_s=15) == []   # forked: PDEATHSIG; loky: watching


@pytest.mark.parametrize("kind", KINDS)
def test_ctrl_c_is_left_to_the_parent_which_stops_its_workers(kind, slow_parent):
    # Ctrl+C in a terminal sends SIGINT to the whole process group, workers included, even
    # while they start. They ignore it: their tasks go on until the parent stops them, without
    # waiting for the 60 s tasks, and none prints a traceback.
    from tests.process_tree import survivors

    process, workers = slow_parent(kind)
    for pause in (0, 3):                             # now, and once they surely run their tasks
        time.sleep(pause)
        for pid, _ in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGINT)
    assert survivors(workers, within_s=3) == workers and process.poll() is None

    os.killpg(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 3 and out.strip() == f"interrupted {POOLS[kind]}", err
    assert survivors(workers, within_s=15) == []
    assert "Traceback" not in err, err


BIG_RESULTS = r"""
import os, signal, sys, threading
from audioscope.core.process.process_pool import run_tasks

def task(i):
    return b"x" * 4_000_000          # more than a pipe holds: workers are mostly mid-send

if sys.argv[1] == "joblib":
    threading.Thread(target=threading.Event().wait, daemon=True).start()
stats = {}
try:
    for n, result in enumerate(run_tasks(task, [(i,) for i in range(100_000)], jobs=2, stats=stats)):
        if n == 0:                   # interrupted while waiting for a result, in a while
            threading.Timer(1.5, os.kill, (os.getpid(), signal.SIGINT)).start()
except KeyboardInterrupt:
    print("interrupted", stats["pool"], flush=True)
    sys.exit(3)
"""


@pytest.mark.parametrize("kind", KINDS)
def test_an_interrupt_while_workers_send_results_does_not_hang(kind):
    # a worker killed halfway through sending its result once left the pool waiting forever
    process = subprocess.Popen([sys.executable, "-c", BIG_RESULTS, kind], start_new_session=True, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_as_a_shell_starts_it)
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise AssertionError("the interrupted parent hung") from None
    assert process.returncode == 3 and out.strip() == f"interrupted {POOLS[kind]}", err
