"""Render resources/icons/audioscope.svg to audioscope.png (256 px) beside it, for the .desktop
entry and window managers that take no SVG. Run after changing the SVG:

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/render_icon.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"


def render(size: int = 256) -> Path:
    renderer = QSvgRenderer(str(ICONS / "audioscope.svg"))
    if not renderer.isValid():
        raise SystemExit(f"{ICONS / 'audioscope.svg'}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    out = ICONS / "audioscope.png"
    if not image.save(str(out), "PNG"):
        raise SystemExit(f"{out}: cannot write")
    return out


if __name__ == "__main__":
    app = QGuiApplication(sys.argv[:1])
    print(render())
