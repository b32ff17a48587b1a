"""Training a model bundle: leave-one-fold-out cross-validation, the final fit, and the
report."""
