"""The clip browser: the metadata table, its filter bar and the fold overview."""
