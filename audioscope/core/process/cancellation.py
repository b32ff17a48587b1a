"""Stopping long computations nobody waits for any more, from inside them.

A GUI worker runs its job inside ``cancellable(still_wanted)``; code that takes long (the
embedding networks: a why strip is 17 copies of a clip) calls ``raise_if_unwanted()`` between
its steps, so a job made stale by a newer selection stops at the next step instead of taking
the CPU the new clip needs for seconds. Outside ``cancellable`` it never raises.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar

_still_wanted: ContextVar[Callable[[], bool] | None] = ContextVar("audioscope_still_wanted", default=None)


class Cancelled(Exception):
    """The job was superseded while it ran."""


@contextlib.contextmanager
def cancellable(still_wanted: Callable[[], bool]) -> Iterator[None]:
    token = _still_wanted.set(still_wanted)
    try:
        yield
    finally:
        _still_wanted.reset(token)


def raise_if_unwanted() -> None:
    check = _still_wanted.get()
    if check is not None and not check():
        raise Cancelled()
