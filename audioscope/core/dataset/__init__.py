"""UrbanSound8K metadata: loading and validating the table, resolving rows to files on disk,
and the table's filter."""
