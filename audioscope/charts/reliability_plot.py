"""The reliability diagram of a model card's calibration, drawn as a PNG with QPainter.

Used by ``audioscope train`` (reliability.png in the bundle) and by docs/classifier.md. Runs
without a window: a QGuiApplication on the offscreen platform is made when there is none.
"""

from __future__ import annotations

import os

WIDTH, HEIGHT = 640, 520
_MARGIN = (70, 30, 40, 60)           # left, top, right, bottom


def reliability_png(calibration: dict) -> bytes:
    """PNG bytes: accuracy against confidence per bin, before and after calibration."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPen

    _app = QGuiApplication.instance() or QGuiApplication([])   # fonts need an application
    image = QImage(WIDTH, HEIGHT, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    left, top, right, bottom = _MARGIN
    plot = QRectF(left, top, WIDTH - left - right, HEIGHT - top - bottom)

    def at(x: float, y: float) -> QPointF:
        return QPointF(plot.left() + x * plot.width(), plot.bottom() - y * plot.height())

    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setFont(QFont("DejaVu Sans", 9))
    painter.setPen(QPen(QColor("#888888"), 1))
    for tick in range(6):
        v = tick / 5
        painter.drawLine(at(v, 0), at(v, 0) + QPointF(0, 5))
        painter.drawLine(at(0, v), at(0, v) - QPointF(5, 0))
        painter.drawText(QRectF(at(v, 0).x() - 20, plot.bottom() + 6, 40, 16), Qt.AlignmentFlag.AlignCenter, f"{v:.1f}")
        painter.drawText(QRectF(plot.left() - 45, at(0, v).y() - 8, 36, 16),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{v:.1f}")
    painter.drawRect(plot)
    before, after = calibration["reliability_uncalibrated"], calibration["reliability_calibrated"]
    edges = before["edges"]
    for bins, colour, inset in ((before, QColor(200, 120, 60, 120), 0.0), (after, QColor(40, 90, 170, 200), 0.25)):
        for i, accuracy in enumerate(bins["accuracy"]):
            if accuracy is None:
                continue
            width = edges[i + 1] - edges[i]
            painter.fillRect(QRectF(at(edges[i] + inset * width, accuracy),
                                    at(edges[i + 1] - inset * width, 0)), colour)
    painter.setPen(QPen(QColor("#444444"), 1, Qt.PenStyle.DashLine))
    painter.drawLine(at(0, 0), at(1, 1))
    painter.setPen(QColor("black"))
    painter.drawText(QRectF(plot.left(), HEIGHT - 28, plot.width(), 20), Qt.AlignmentFlag.AlignCenter,
                     "Confidence of the predicted class (out-of-fold)")
    painter.save()
    painter.translate(18, plot.center().y())
    painter.rotate(-90)
    painter.drawText(QRectF(-120, -10, 240, 20), Qt.AlignmentFlag.AlignCenter, "Accuracy")
    painter.restore()
    legend = [(QColor(200, 120, 60, 120), f"uncalibrated: ECE {calibration['ece_uncalibrated']:.3f}"),
              (QColor(40, 90, 170, 200), f"{calibration['method']} (T = {calibration['temperature']:.2f}), "
                                         f"cross-fitted: ECE {calibration['ece_calibrated_cross_fitted']:.3f}")]
    for row, (colour, text) in enumerate(legend):
        y = plot.top() + 10 + 20 * row
        painter.fillRect(QRectF(plot.left() + 10, y, 14, 12), colour)
        painter.drawText(QPointF(plot.left() + 30, y + 11), text)
    painter.drawText(QRectF(plot.left(), 6, plot.width(), 20), Qt.AlignmentFlag.AlignCenter,
                     f"Reliability, {calibration['bins']} bins (dashed: perfectly calibrated)")
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())
