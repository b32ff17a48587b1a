"""Charts written to files (no window): drawn with QPainter on an offscreen QImage."""
