"""Command-line interface: one module per command and what they share. Nothing here imports
Qt."""
