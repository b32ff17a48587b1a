"""The application's log file: rotating, and quiet when it cannot be written.

A full disk, a vanished or read-only folder makes every write of a plain ``logging`` file
handler print a "--- Logging error ---" traceback on stderr, amid the command's own output.
``LogFile`` says once, in one line naming the file and the reason, that it stops, and then
writes nothing more. (A record that cannot be formatted — a programming error — is still
reported as ``logging`` does.)
"""

from __future__ import annotations

import logging.handlers
import sys

MAX_BYTES = 1_000_000
BACKUP_COUNT = 3


class LogFile(logging.handlers.RotatingFileHandler):
    """A rotating log file (``MAX_BYTES``, ``BACKUP_COUNT`` old ones) that gives up on the
    first failed write; ``failure`` then holds the one line said on stderr."""

    def __init__(self, path) -> None:
        # backslashreplace: a file name that is not UTF-8 (a surrogate escape) is logged, not an error
        super().__init__(path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8",
                         errors="backslashreplace")
        self.failure: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.failure is None:
            super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging override)
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            super().handleError(record)
            return
        if self.failure is not None:
            return
        self.failure = (f"audioscope: WARNING: cannot write the log file {self.baseFilename} "
                        f"({error.strerror or error}); no more messages go to it")
        stream, self.stream = self.stream, None
        try:
            if stream is not None:
                stream.close()       # its buffer cannot be flushed either: dropped with it
        except (OSError, ValueError):
            pass
        try:
            print(self.failure, file=sys.stderr, flush=True)
        except (OSError, ValueError):
            pass                     # no stderr either: nothing more to do
