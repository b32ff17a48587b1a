#!/bin/sh
# Put audioscope in this user's application menu: a .desktop entry that runs the audioscope
# beside this script, and its icon. `install-desktop-entry.sh --uninstall` removes both.
# Shipped in dist/audioscope/ by `make package`.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
apps=$data/applications
icons=$data/icons/hicolor/256x256/apps

if [ "${1:-}" = "--uninstall" ]; then
    rm -f "$apps/audioscope.desktop" "$icons/audioscope.png"
    echo "removed $apps/audioscope.desktop and $icons/audioscope.png"
else
    test -x "$here/audioscope" || { echo "install-desktop-entry: no audioscope executable in $here" >&2; exit 1; }
    mkdir -p "$apps" "$icons"
    cp "$here/audioscope.png" "$icons/audioscope.png"
    sed "s|^Exec=.*|Exec=\"$here/audioscope\"|" "$here/audioscope.desktop" > "$apps/audioscope.desktop"
    echo "installed $apps/audioscope.desktop (runs $here/audioscope)"
fi
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$apps" 2>/dev/null || true
