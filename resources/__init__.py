"""Data files shipped with audioscope (model bundle, icons); installed as ``audioscope.resources``."""
