"""core.process_pool: forked workers where that is safe, joblib everywhere else; same results."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.us8k_subsets import FLAC_22K

# Each case runs in a fresh interpreter: whether forking is safe depends on the whole process
# (its threads, whether Qt is loaded), which the test session itself does not control.
CASE = r"""
import json, os, sys, threading
import numpy as np
from audioscope.core.process_pool import run_tasks, pool_kind

def task(i):
    return i, os.getpid()

case = sys.argv[1]
if case == "qt":
    import PySide6.QtCore
if case == "thread":
    stop = threading.Event()
    threading.Thread(target=stop.wait, daemon=True).start()
stats = {}
if case == "threading-backend":
    import joblib
    with joblib.parallel_config(backend="threading"):
        results = list(run_tasks(task, [(i,) for i in range(20)], jobs=2, stats=stats))
else:
    results = list(run_tasks(task, [(i,) for i in range(20)], jobs=int(sys.argv[2]), stats=stats))
print(json.dumps({"pool": stats["pool"], "order": [r[0] for r in results],
                  "pids": sorted({r[1] for r in results}), "me": os.getpid()}))
"""


def run_case(case: str, jobs: int = 2) -> dict:
    out = subprocess.run([sys.executable, "-c", CASE, case, str(jobs)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forking is used on Linux only")
def test_a_plain_process_forks_its_workers():
    result = run_case("plain")
    assert result["pool"] == "forked processes"
    assert result["order"] == list(range(20))                      # results come back in order
    assert len(result["pids"]) == 2 and result["me"] not in result["pids"]   # two other processes


@pytest.mark.parametrize("case, jobs", [("qt", 2), ("thread", 2), ("threading-backend", 2), ("plain", 1)])
def test_processes_that_must_not_fork_use_joblib(case, jobs):
    result = run_case(case, jobs)
    assert result["pool"] == "joblib"
    assert result["order"] == list(range(20))


def test_a_failing_task_raises_in_the_caller():
    code = ("from audioscope.core.process_pool import run_tasks\n"
            "def task(i):\n    if i == 3: raise ValueError('task 3 failed')\n    return i\n"
            "list(run_tasks(task, [(i,) for i in range(8)], jobs=2))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and "ValueError: task 3 failed" in out.stderr


EXTRACT = r"""
import json, sys
import numpy as np
from audioscope.core.vectors import extract_vectors, vectors_for_files
paths = sys.argv[1:]
stats = {}
matrix, errors = extract_vectors(paths, jobs=2, stats=stats)
direct = np.array(vectors_for_files(paths))
print(json.dumps({"pool": stats["pool"], "equal": bool(np.array_equal(matrix, direct)), "errors": errors}))
"""


def test_forked_extraction_equals_computing_in_this_process():
    paths = [str(p) for p in sorted((FLAC_22K / "audio" / "fold2").glob("*.flac"))[:70]]
    out = subprocess.run([sys.executable, "-c", EXTRACT, *paths], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    expected_pool = "forked processes" if sys.platform.startswith("linux") else "joblib"
    assert result == {"pool": expected_pool, "equal": True, "errors": []}
