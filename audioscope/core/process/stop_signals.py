"""SIGINT, SIGTERM and SIGHUP as an exception in a command-line command, so it stops cleanly.

Python's default turns only SIGINT into an exception; SIGTERM and SIGHUP end the process
on the spot, skipping every ``finally`` (temporary folders stay, workers are not stopped).
Inside ``stop_signals_raise()`` each of them raises ``StopRequested`` in the main thread
instead: a ``SystemExit`` with the shell's status for the signal (128 + its number), so even
uncaught it ends the program without a traceback. Stop signals arriving after the first are
ignored until the process exits: its clean-up is not interrupted halfway.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Iterator

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


class StopRequested(SystemExit):
    """Raised by a stop signal; ``code`` is 128 + the signal's number (130, 143, 129)."""

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum

    @property
    def signal_name(self) -> str:
        return signal.Signals(self.signum).name


def say_stopped(signum: int) -> None:
    """"audioscope: stopped by SIGTERM" on stderr (on a line of its own after a progress bar)."""
    try:
        start = "\n" if sys.stderr.isatty() else ""
        print(f"{start}audioscope: stopped by {signal.Signals(signum).name}", file=sys.stderr, flush=True)
    except (OSError, ValueError, AttributeError):
        pass          # after SIGHUP the terminal may be gone


def _raise_stop(signum: int, _frame) -> None:
    for other in STOP_SIGNALS:              # one stop is enough: let its clean-up run
        signal.signal(other, signal.SIG_IGN)
    raise StopRequested(signum)


@contextlib.contextmanager
def stop_signals_raise() -> Iterator[None]:
    """Within the block, a stop signal raises ``StopRequested`` in the main thread; the
    previous handlers are restored afterwards, unless a stop signal came."""
    previous = {signum: signal.signal(signum, _raise_stop) for signum in STOP_SIGNALS}
    stopped = False
    try:
        yield
    except StopRequested:
        stopped = True
        raise
    finally:
        if not stopped:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
