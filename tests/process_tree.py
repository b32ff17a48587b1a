"""A real process's descendants, read from /proc (Linux; psutil is not a dependency)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

Process = tuple[int, int]      # (pid, start time in clock ticks): a PID may be reused


def _stat(pid: int) -> list[str] | None:
    """/proc/<pid>/stat's fields from the state on (index 0: state, 1: ppid, 19: start time)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def descendants(pid: int) -> list[Process]:
    """Every living process below ``pid``, as (pid, start time)."""
    found, todo = [], children(pid)
    while todo:
        child = todo.pop()
        fields = _stat(child)
        if fields is not None and fields[0] != "Z":
            found.append((child, int(fields[19])))
            todo += children(child)
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def alive(process: Process) -> bool:
    """Still running: not gone, not a zombie, and the PID not taken by another process."""
    fields = _stat(process[0])
    return fields is not None and fields[0] != "Z" and int(fields[19]) == process[1]


def survivors(processes: list[Process], within_s: float) -> list[Process]:
    """Those of ``processes`` still alive after ``within_s`` seconds (returns at once when none is)."""
    deadline = time.monotonic() + within_s
    while True:
        left = [p for p in processes if alive(p)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def wait_for(condition: Callable[[], object], within_s: float, what: str) -> object:
    """``condition()``'s first true value, polled; AssertionError naming ``what`` after ``within_s``."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {within_s:.0f} s waiting for {what}")
