"""The line above a clip's plots: as many of its parts as fit one line, then "…", and the
whole of it in the tooltip. A header that wrapped to two lines at 1024 px took the 17 px the
plots' minimum heights needed, and the hover read-out was laid over the time axis."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

SEPARATOR = " · "
ELLIPSIS = " …"


class ClipHeader(QLabel):
    """A rich-text label that never asks for more width than it is given."""

    def __init__(self, parent: QWidget | None = None, *, separator: str = SEPARATOR) -> None:
        super().__init__(parent, textFormat=Qt.TextFormat.RichText)
        self._separator = separator
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._parts: list[str] = []
        self._warnings: list[str] = []
        self._shown = 0

    def set_parts(self, parts: list[str], warnings: list[str] | tuple[str, ...] = ()) -> None:
        """Show ``parts`` joined on one line (the last ones dropped if they do not fit) and each
        of ``warnings`` on a line of its own, in full."""
        self._parts, self._warnings = list(parts), list(warnings)
        self.setToolTip(self.full_text() if parts else "")
        self._fit()

    def clear(self) -> None:
        self.set_parts([])

    def full_text(self) -> str:
        """Every part and warning, whether or not it is shown."""
        return "<br>".join([self._separator.join(self._parts), *self._warnings]) if self._parts else ""

    def shown_parts(self) -> int:
        """How many of the parts are on the line."""
        return self._shown

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(0, super().minimumSizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self._fit()

    def _fit(self) -> None:
        width = self.contentsRect().width() - 2 * self.margin()
        document = QTextDocument()
        document.setDefaultFont(self.font())
        document.setDocumentMargin(0)

        def fits(html: str) -> bool:
            document.setHtml(html)
            return document.idealWidth() <= width

        shown = len(self._parts)
        line = self._separator.join(self._parts)
        while shown > 1 and not fits(line):
            shown -= 1
            line = self._separator.join(self._parts[:shown]) + ELLIPSIS
        self._shown = shown
        self.setText("<br>".join([f"<nobr>{line}</nobr>", *self._warnings]) if self._parts else "")
