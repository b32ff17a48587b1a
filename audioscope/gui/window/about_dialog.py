"""Help → About: the version and the licences of the code, the weights, the model and the data."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from audioscope import __version__


def show_about(parent: QWidget) -> None:
    from audioscope.core.model.licences import licences_html

    QMessageBox.about(parent, "About audioscope",
                      f"<b>audioscope {__version__}</b><p>An explorer for the UrbanSound8K "
                      f"dataset.</p>{licences_html()}")
