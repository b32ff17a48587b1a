"""Review tags from the clip table: its context menu (right-click, or T on the current row)
tags the clip as mislabeled, ambiguous, noisy, keep or a word of your own, adds a note,
removes the tag, or lists every clip with the same tag. The tags live in ``ReviewTags``."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QInputDialog, QMenu, QTableView

from audioscope.core.dataset.clip_filter import ClipFilter
from audioscope.core.dataset.metadata import Dataset
from audioscope.core.store.review_tags import TAG_CHOICES, ReviewTags, TagStoreError, dataset_identity
from audioscope.gui.browser.clip_filter_proxy import ClipFilterProxy
from audioscope.gui.browser.clip_table import ClipTableModel

log = logging.getLogger(__name__)
SHORTCUT = "T"


class TagMenu(QObject):
    """Tags for the clips of ``table``; ``show_filter(ClipFilter)`` lists the clips of a tag.

    Emits ``unavailable(message)`` when the database cannot be used (the table goes on
    without tags) and ``tagged(slice_file_name)`` after every change.
    """

    unavailable = Signal(str)
    tagged = Signal(str)

    def __init__(self, table: QTableView, proxy: ClipFilterProxy, model: ClipTableModel, show_filter) -> None:
        super().__init__(table)
        self._table, self._proxy, self._model, self._show_filter = table, proxy, model, show_filter
        self.store: ReviewTags | None = None
        self.menu: QMenu | None = None            # the menu last shown
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._on_menu_requested)
        shortcut = QShortcut(QKeySequence(SHORTCUT), table)
        shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        shortcut.activated.connect(self.open_at_current)

    def set_dataset(self, dataset: Dataset) -> None:
        """Open the tags of ``dataset`` (wherever its folder lies) and show them in the table."""
        if self.store is not None:
            self.store.close()
        try:
            self.store = ReviewTags(dataset_identity(dataset.table))
        except TagStoreError as exc:
            self.store = None
            log.warning("%s", exc)
            self.unavailable.emit(str(exc))
            return
        self._model.set_tags(self.store.all())

    def tag(self, clip: str, word: str, note: str | None = None) -> None:
        """Tag ``clip`` with ``word``; ``note`` None keeps the note it had."""
        if self.store is None:
            return
        if note is None:
            earlier = self.store.get(clip)
            note = earlier.note if earlier is not None else ""
        self._change(lambda: self.store.set(clip, word, note), clip)

    def remove(self, clip: str) -> None:
        if self.store is not None:
            self._change(lambda: self.store.remove(clip), clip)

    def open_at_current(self) -> None:
        """The menu for the current row, at that row (the T key)."""
        current = self._table.currentIndex()
        if current.isValid():
            rect = self._table.visualRect(current)
            self._open(current.row(), self._table.viewport().mapToGlobal(rect.bottomLeft()))

    def menu_for(self, proxy_row: int) -> QMenu:
        clip = str(self._proxy.row_record(proxy_row)["slice_file_name"])
        menu = QMenu(self._table)
        if self.store is None:
            menu.addAction("Review tags are unavailable (see the status bar)").setEnabled(False)
            return menu
        earlier = self.store.get(clip)
        for word in (*TAG_CHOICES, *(w for w in self.store.words() if w not in TAG_CHOICES)):
            action = menu.addAction(f"Tag as {word}", lambda w=word: self.tag(clip, w))
            action.setCheckable(True)
            action.setChecked(earlier is not None and earlier.tag == word)
        menu.addAction("Tag with another word…", lambda: self._ask_word(clip))
        menu.addSeparator()
        note = menu.addAction("Note…", lambda: self._ask_note(clip))
        remove = menu.addAction("Remove the tag", lambda: self.remove(clip))
        note.setEnabled(earlier is not None)
        remove.setEnabled(earlier is not None)
        if earlier is not None:
            menu.addSeparator()
            menu.addAction(f"List the clips tagged {earlier.tag}", lambda: self._list(earlier.tag))
        return menu

    # -- internals ----------------------------------------------------------------------
    def _on_menu_requested(self, position: QPoint) -> None:
        index = self._table.indexAt(position)
        if index.isValid():
            self._table.setCurrentIndex(index)
            self._open(index.row(), self._table.viewport().mapToGlobal(position))

    def _open(self, proxy_row: int, at: QPoint) -> None:
        self.menu = self.menu_for(proxy_row)
        self.menu.popup(at)

    def _change(self, write, clip: str) -> None:
        try:
            write()
        except TagStoreError as exc:
            self.unavailable.emit(str(exc))
            return
        self._model.set_tags(self.store.all())
        self.tagged.emit(clip)

    def _list(self, word: str) -> None:
        self._show_filter(ClipFilter(names=self.store.clips_tagged(word), names_label=f"tagged {word}"))

    def _ask_word(self, clip: str) -> None:
        word, ok = QInputDialog.getText(self._table, "Tag the clip", f"A word for {clip}:")
        if ok and word.strip():
            self.tag(clip, word)

    def _ask_note(self, clip: str) -> None:
        earlier = self.store.get(clip)
        note, ok = QInputDialog.getMultiLineText(self._table, "Note", f"{clip} ({earlier.tag}):", earlier.note)
        if ok:
            self.tag(clip, earlier.tag, note)
