"""What audioscope keeps on disk outside a dataset: the feature cache and its vector store,
atomic writes, the user folders and the packaged resources; and the read-through analysis of a
file (decode, then features from the cache or computed)."""
