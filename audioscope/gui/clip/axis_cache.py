"""Axes drawn from a pixmap cache: repaint what changed, not every tick label.

pyqtgraph records each axis as a QPicture and replays it on every paint of the region it
lies in, glyph by glyph. A clip's views repaint the whole plot area several times (the new
images, the prediction, the why strip), and replaying the eleven axes of the four plots and
two colour bars took 15 ms of each clip's 21 ms of painting (X11, Xvfb: 1440×900). With
Qt's device-coordinate cache an axis is rendered into a pixmap once and blitted after that;
pyqtgraph's ``update()`` on a new range or new ticks renders it again.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem


def cache_axes(scene_owner: pg.GraphicsView) -> int:
    """Give every axis in ``scene_owner``'s scene a device-coordinate cache; how many."""
    axes = [item for item in scene_owner.scene().items() if isinstance(item, pg.AxisItem)]
    for axis in axes:
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    return len(axes)
