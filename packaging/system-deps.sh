#!/bin/sh
# Install the system libraries audioscope needs (Qt's X11/EGL libraries, PortAudio, Xvfb
# for the tests) on Debian/Ubuntu. Uses apt-get when running as root or with password-less
# sudo; otherwise prints the command to run. Other systems: prints what to look for.
set -eu
PACKAGES="libegl1 libgl1 libglib2.0-0 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0
libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libportaudio2 libasound2-plugins xvfb xauth"

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "system-deps: not a Debian/Ubuntu system; make sure Qt 6's X11/EGL libraries and PortAudio are installed." >&2
    exit 0
fi
missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"
else
    echo "system-deps: these system packages are missing:$missing" >&2
    echo "system-deps: install them with: sudo apt-get install$missing" >&2
    exit 1
fi
echo "system-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing
