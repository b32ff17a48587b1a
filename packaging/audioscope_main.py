"""Entry script of the frozen application (packaging/audioscope.spec): ``audioscope.app.main``.

In the frozen application ``sys.executable`` is this program, not Python. joblib's process
pool (loky: the window's map and gallery, and ``train``/``extract`` where they cannot fork)
starts its helpers as ``python -c CODE`` and ``python -m MODULE …``, and the self-test runs a
command-line extraction as ``-c CODE``, so this script does what Python would for those forms.
"""

import multiprocessing
import runpy
import sys


def act_as_python(argv: list[str]) -> bool:
    """Run ``-c CODE`` / ``-m MODULE`` (after single-letter interpreter flags) as Python would."""
    args = argv[1:]
    while args and len(args[0]) == 2 and args[0].startswith("-") and args[0] not in ("-c", "-m"):
        args = args[1:]
    if len(args) >= 2 and args[0] == "-c":
        sys.argv = ["-c", *args[2:]]
        exec(compile(args[1], "<string>", "exec"), {"__name__": "__main__"})
        return True
    if len(args) >= 2 and args[0] == "-m":
        sys.argv = [args[1], *args[2:]]
        runpy.run_module(args[1], run_name="__main__", alter_sys=True)
        return True
    return False


if __name__ == "__main__":
    multiprocessing.freeze_support()
    if not act_as_python(sys.argv):
        from audioscope.app import main

        raise SystemExit(main())
