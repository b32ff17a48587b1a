"""SIGINT (Ctrl+C in the terminal), SIGTERM and SIGHUP close the window and quit the event loop.

Python runs its signal handlers only when the interpreter gets control, and Qt's event loop
may wait in C for minutes: so the C-level handler writes the signal's number to a socket
(``signal.set_wakeup_fd``) and a ``QSocketNotifier`` on its other end wakes the loop, which
then closes every window and quits. The Python handlers themselves only keep the default
actions (death for SIGTERM and SIGHUP, KeyboardInterrupt in some slot for SIGINT) away.
"""

from __future__ import annotations

import logging
import signal
import socket

from PySide6.QtCore import QObject, QSocketNotifier
from PySide6.QtWidgets import QApplication

from audioscope.core.process.stop_signals import STOP_SIGNALS

log = logging.getLogger(__name__)


class QuitOnSignal(QObject):
    """While installed (on the main thread), a stop signal closes all windows and quits
    ``app``; ``signum`` is then the first such signal's number."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.signum: int | None = None
        self._app = app
        self._reader, self._writer = socket.socketpair()
        for end in (self._reader, self._writer):
            end.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        self._previous = {signum: signal.signal(signum, _leave_to_the_event_loop) for signum in STOP_SIGNALS}
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_woken)

    def uninstall(self) -> None:
        """Restore the previous handlers (a later stop signal acts as it did before)."""
        self._notifier.setEnabled(False)
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        signal.set_wakeup_fd(self._previous_fd)
        self._reader.close()
        self._writer.close()

    def _on_woken(self, *_args) -> None:
        try:
            received = [n for n in self._reader.recv(64) if n in STOP_SIGNALS]
        except BlockingIOError:
            return
        if not received or self.signum is not None:
            return
        self.signum = received[0]
        log.info("quitting on %s", signal.Signals(self.signum).name)
        QApplication.closeAllWindows()
        self._app.quit()


def _leave_to_the_event_loop(_signum: int, _frame) -> None:
    """The Python-level handler: nothing to do, the wake-up socket carries the signal."""
