"""Qt widgets of audioscope: thin adapters over audioscope.core objects."""
