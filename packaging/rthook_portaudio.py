"""PyInstaller runtime hook: make sounddevice load the PortAudio bundled in the application.

sounddevice asks ``ctypes.util.find_library("portaudio")``, which on Linux consults the system's
ldconfig cache and finds nothing where libportaudio2 is not installed (or finds the system copy
where it is). Answer with the bundled library instead whenever it is there.
"""

import ctypes.util
import glob
import os
import sys

_bundled = sorted(glob.glob(os.path.join(getattr(sys, "_MEIPASS", ""), "libportaudio*.so*")))
if _bundled:
    _system_find_library = ctypes.util.find_library

    def _find_library(name):
        return _bundled[0] if name == "portaudio" else _system_find_library(name)

    ctypes.util.find_library = _find_library
