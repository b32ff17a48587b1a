"""Work over many clips: clip vectors in parallel through the cache, feature extraction and
export, and the dataset-wide summaries the gallery and the map draw."""
