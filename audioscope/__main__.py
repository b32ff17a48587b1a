"""``python -m audioscope``."""

from audioscope.app import main

raise SystemExit(main())
