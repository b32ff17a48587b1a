"""Entry point: parse arguments, set up logging, run a subcommand or open the window."""

from __future__ import annotations

import logging
import os
import shlex
import sys
from pathlib import Path

from audioscope import __version__
from audioscope.cli.parser import build_parser, run_command
from audioscope.core.process.allocator import keep_freed_memory
from audioscope.core.process.stop_signals import StopRequested, say_stopped, stop_signals_raise
from audioscope.core.store.paths import log_dir
from audioscope.log_file import LogFile

log = logging.getLogger("audioscope")


def setup_logging(verbose: bool = False) -> Path | None:
    """Log to a rotating file in the user log folder (and to stderr with --verbose).

    Returns the log file's path, or None when the folder cannot be written. A write that
    fails later (a full disk) is said once on stderr, and the file is no longer written.
    """
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    stderr = logging.StreamHandler()
    stderr.setLevel(logging.DEBUG if verbose else logging.WARNING)
    stderr.setFormatter(logging.Formatter("audioscope: %(levelname)s: %(message)s"))
    root.addHandler(stderr)
    path = log_dir() / "audioscope.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = LogFile(path)
    except OSError as exc:
        log.warning("cannot write the log file %s (%s)", path, exc)
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    return path


def has_display() -> bool:
    """False on Linux when neither X11, Wayland nor an explicit Qt platform is available."""
    if not sys.platform.startswith("linux"):
        return True
    return any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def main(argv: list[str] | None = None) -> int:
    # Child processes (joblib's workers and its resource tracker, the self-test's command-line
    # check) start as "python -m"/"-c", which would put the current folder first on their
    # sys.path: a json.py or joblib.py there would run. Python >= 3.11 leaves it off for every
    # child that inherits this. (A frozen application has no current folder on its path.)
    os.environ["PYTHONSAFEPATH"] = "1"
    keep_freed_memory()
    args = build_parser().parse_args(argv)
    log_path = setup_logging(args.verbose)
    log.info("audioscope %s: %s", __version__, shlex.join(sys.argv[1:] if argv is None else argv) or "the window")
    if args.command or args.self_test is not None:
        return run_headless(args)
    if not has_display():
        print("audioscope: no display found (DISPLAY and WAYLAND_DISPLAY are unset). Run it in a "
              "desktop session, or set QT_QPA_PLATFORM=offscreen for a headless window.",
              file=sys.stderr)
        return 2
    from audioscope.gui.window.explorer_app import run_explorer  # Qt only when a window is wanted

    return run_explorer(dataset=args.dataset, log_path=log_path)


def run_headless(args) -> int:
    """A command or the self-test. SIGINT, SIGTERM or SIGHUP stops it cleanly (its ``finally``
    blocks run, its workers are stopped): one line on stderr, status 128 + the signal number."""
    try:
        with stop_signals_raise():
            if args.command:
                return run_command(args)
            from audioscope.self_test import run_self_test

            return run_self_test(Path(args.self_test) if args.self_test else None)
    except StopRequested as stop:
        log.info("stopped by %s", stop.signal_name)
        say_stopped(stop.signum)
        return stop.code

