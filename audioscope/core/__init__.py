"""Qt-free core of audioscope: dataset, audio loading, features, cache.

Nothing in this package imports Qt; it is importable and testable without a display.
Heavy libraries (librosa, scikit-learn) are imported lazily, where they are used.
"""
