"""Qt-free core of audioscope: dataset, audio loading, features, cache.

Nothing in this package imports Qt; it is importable and testable without a display.
Heavy libraries (scikit-learn, joblib) are imported lazily, where they are used.

Importing it tunes glibc's allocator to reuse freed array memory (see ``allocator``): every
process that analyses audio — the window, the commands, joblib's and Dask's workers — imports
this package first.
"""

from audioscope.core.allocator import keep_freed_memory

keep_freed_memory()
