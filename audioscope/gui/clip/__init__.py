"""The clip pane: the four plots on one time axis, the prediction panel, the why strip, the
compare panes and the view settings."""
