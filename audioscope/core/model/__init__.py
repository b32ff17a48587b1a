"""The classifier: recipes that turn a clip into a vector (pretrained embeddings or clip
statistics), model bundles and their safe loading, calibration, novelty, evaluation and
occlusion."""
