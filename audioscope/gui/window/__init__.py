"""The main window and what it owns: menus, transport, exports, dialogs, quitting on a
signal."""
