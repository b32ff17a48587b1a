"""Per-clip inspection for the window: everything one click computes (analysis, prediction, why
strip, view images), with no Qt."""
