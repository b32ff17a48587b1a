"""Qt-free core of audioscope: signal, dataset, store, model, batch work, training, inspection.

Nothing in this package imports Qt; it is importable and testable without a display.
Heavy libraries (scikit-learn, joblib, onnxruntime) are imported lazily, where they are used.
docs/architecture.md describes the layers; pyproject.toml's import-linter contracts keep them.
"""
