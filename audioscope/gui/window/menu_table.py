"""Menus built from one table: {title: entries}, each entry (text, slot, shortcut), a QAction,
an object with ``add_to(menu)`` (a group of actions, e.g. the export actions) or None (a separator)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenuBar

Entry = tuple[str, Callable[[], object], str | None] | QAction | object | None


def add_menus(bar: QMenuBar, menus: dict[str, list[Entry]]) -> None:
    """Add ``menus`` to ``bar`` in order."""
    for title, entries in menus.items():
        menu = bar.addMenu(title)
        for entry in entries:
            if entry is None:
                menu.addSeparator()
            elif isinstance(entry, QAction):
                menu.addAction(entry)
            elif hasattr(entry, "add_to"):
                entry.add_to(menu)
            else:
                text, slot, shortcut = entry
                action = menu.addAction(text, slot)
                if shortcut:
                    action.setShortcut(QKeySequence(shortcut))
