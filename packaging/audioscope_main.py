"""Entry script of the frozen application (packaging/audioscope.spec): ``audioscope.app.main``."""

import multiprocessing

from audioscope.app import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # `train --jobs` worker processes re-run this executable
    raise SystemExit(main())
