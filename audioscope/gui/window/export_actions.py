"""File → Export: the clip views as PNG or SVG, the filtered table as CSV, and the features
of the selected clips as CSV or NPZ (computed in the background)."""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox

from audioscope.core.batch.export import (
    ExportError,
    atomic_path,
    export_clip_features,
    refuse_inside,
    write_table_csv,
)
from audioscope.core.inspection.clip_inspection import CACHE_FROM_S
from audioscope.core.store.cache import FeatureCache
from audioscope.gui.browser.clip_browser import ClipBrowser
from audioscope.gui.clip.clip_views import ClipViews
from audioscope.gui.workers import LatestOnly

if TYPE_CHECKING:                  # imported where used: the window paints before pandas loads
    import pandas as pd

log = logging.getLogger(__name__)


def save_views(views: ClipViews, out: Path) -> None:
    """The views as shown: ``.png`` (a screen grab with the header) or ``.svg`` (vector plots)."""
    out = Path(out)
    if views.analysis is None:
        raise ExportError("no clip is shown: select one first")
    suffix = out.suffix.lower()
    with atomic_path(out) as tmp:
        if suffix == ".png":
            if not views.grab().save(str(tmp), "PNG"):
                raise OSError("the image could not be encoded")
        elif suffix == ".svg":          # Qt's own SVG painter: text and lines stay vectors
            generator = QSvgGenerator()
            generator.setFileName(str(tmp))
            generator.setSize(views.size())
            generator.setViewBox(QRect(QPoint(0, 0), views.size()))
            generator.setTitle(views.analysis.clip.path.name)
            generator.setDescription("audioscope clip views")
            painter = QPainter(generator)
            views.render(painter, QPoint(0, 0))
            painter.end()
        else:
            raise ExportError(f"{out}: views are exported as .png or .svg")


def shown_table(browser: ClipBrowser) -> pd.DataFrame:
    """The dataset rows the table shows, filtered and in their displayed order, with the
    model's ``predicted``, ``confidence`` and ``correct`` columns when it shows predictions."""
    import pandas as pd
    proxy = browser.proxy
    model = proxy.clip_model()
    if model is None or model.table is None:
        return pd.DataFrame()
    rows = model.table_rows()
    shown = [int(rows[proxy.source_row(i)]) for i in range(proxy.rowCount())]
    table = model.table.iloc[shown]
    if model.predictions is None:
        return table
    predictions = model.predictions.iloc[shown].set_axis(table.index)
    has = predictions["predicted"] != ""
    return table.assign(predicted=predictions["predicted"], confidence=predictions["confidence"],
                        correct=predictions["correct"].where(has, None))


def selected_rows(browser: ClipBrowser) -> pd.DataFrame:
    """The selected table rows that are on disk, in displayed order."""
    import pandas as pd
    proxy, selection = browser.proxy, browser.table.selectionModel()
    picked = sorted(index.row() for index in selection.selectedRows())
    records = [proxy.row_record(row) for row in picked]
    frame = pd.DataFrame(records) if records else pd.DataFrame()
    return frame[frame["available"]] if len(frame) else frame


class ExportActions(QObject):
    """The Export submenu of a main window (its ``browser``, ``current`` pane and status bar)."""

    exported = Signal(str)          # the path written
    failed = Signal(str)            # why an export did not happen

    def __init__(self, window: QMainWindow, browser: ClipBrowser, cache: FeatureCache) -> None:
        super().__init__(window)
        self._window, self._browser, self._cache = window, browser, cache
        self._jobs = LatestOnly(self)

    def add_to(self, menu: QMenu) -> None:
        export = menu.addMenu("&Export")
        export.addAction("Clip &views as PNG or SVG…", lambda: self.export_views())
        export.addAction("Filtered &table as CSV…", lambda: self.export_table())
        export.addAction("&Features of the selected clips as CSV or NPZ…", lambda: self.export_features())
        export.addAction("Review &tags as CSV…", lambda: self.export_tags())

    def export_tags(self, out: Path | None = None) -> None:
        store, model = self._browser.tags.store, self._browser.model
        if store is None or not store.all():
            self._problem("No review tags yet: right-click a clip in the table (or press T) to tag it.")
            return
        out = out or self._ask("Export review tags", "review_tags.csv", "CSV table (*.csv)")
        if out is not None:
            self._run(lambda: store.export_csv(out, model.table), out)

    def export_views(self, out: Path | None = None) -> None:
        out = out or self._ask("Export clip views", "views.png", "PNG image (*.png);;SVG drawing (*.svg)")
        if out is not None:
            self._run(lambda: save_views(self._window.current.views, out), out)

    def _dataset_root(self) -> Path | None:
        dataset = getattr(self._window, "dataset", None)
        return dataset.root if dataset is not None else None

    def export_table(self, out: Path | None = None) -> None:
        table = shown_table(self._browser)
        if table.empty:
            self._problem("The table is empty: open a dataset, or loosen the filter.")
            return
        out = out or self._ask("Export the filtered table", "clips.csv", "CSV table (*.csv)")
        if out is not None:
            self._run(lambda: write_table_csv(table, out), out)

    def export_features(self, out: Path | None = None) -> None:
        rows = selected_rows(self._browser)
        if rows.empty:
            self._problem("Select one or more clips that are on disk (Shift or Ctrl + click), then export.")
            return
        if self._jobs.is_busy:
            self._problem("A features export is still running; wait for it to finish.")
            return
        out = out or self._ask("Export features", "features.npz", "NumPy arrays (*.npz);;CSV table (*.csv)")
        if out is None:
            return
        try:
            refuse_inside(out, self._dataset_root())
        except ExportError as exc:
            self._problem(str(exc))
            return
        self._status(f"Exporting features of {len(rows)} clips…")
        export = functools.partial(export_clip_features, cache_from_s=CACHE_FROM_S)   # as the views do
        self._jobs.submit(export, rows, out, self._cache,
                          on_result=lambda errors: self._done(out, errors),
                          on_error=lambda exc: self._problem(str(exc)),
                          on_progress=lambda done, total: self._status(f"Exporting features: {done}/{total} clips…"))

    # -- internals ----------------------------------------------------------------------
    def _ask(self, title: str, name: str, filters: str) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self._window, title, str(Path.home() / name), filters)
        return Path(path) if path else None

    def _run(self, write, out: Path) -> None:
        try:
            refuse_inside(out, self._dataset_root())
            write()
        except ExportError as exc:
            self._problem(str(exc))
            return
        except OSError as exc:               # a writer outside core.batch.export (review tags)
            self._problem(f"{out}: cannot be written ({exc.strerror or exc})")
            return
        self._done(out, [])

    def _done(self, out: Path, errors: list[str]) -> None:
        note = f" ({len(errors)} clips could not be read)" if errors else ""
        self._status(f"Exported {out}{note}")
        log.info("exported %s%s", out, note)
        self.exported.emit(str(out))

    def _status(self, text: str) -> None:
        self._window.statusBar().showMessage(text, 8000)

    def _problem(self, text: str) -> None:
        log.warning("export: %s", text)
        self._status(text)
        self.failed.emit(text)
        box = QMessageBox(QMessageBox.Icon.Warning, "Export", text, parent=self._window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()                      # not modal to the event loop: the app keeps running
