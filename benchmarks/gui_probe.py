"""The explorer's responsiveness for benchmarks/run.py: the timings the test suite leaves to
the benchmark (the tests check the behaviour behind each by counting, on any machine),
measured in a fresh process by ``responsiveness()``.

    python benchmarks/gui_probe.py ORIGINALS_ROOT FLAC_ROOT REPEATS WORK_FOLDER

Offscreen, on the real metadata and clips: ``ClipFilter.mask`` on the 8732 rows; the clip
table's filter and sort (with a repaint); ``ClipViews.set_analysis`` of a 4 s clip and of a
10-minute file (with its first render); and in the main window, a Down key press and the
settling after the last of a run of them, 200 dropped files until the last one's views are
set, and the event loop's gaps (a 5 ms timer) while a 20-minute file is analysed and drawn.
Prints one JSON line of lists of seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

LIMIT_S = 300.0


def _seconds(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


def masks(originals: Path, repeats: int) -> dict:
    """``ClipFilter.mask`` on the full metadata: text alone, and five criteria with text."""
    from audioscope.core.dataset.clip_filter import ClipFilter
    from audioscope.core.dataset.metadata import load_dataset

    table = load_dataset(originals).table
    filters = {"mask_text": ClipFilter(text="1"),
               "mask_combined": ClipFilter(classes={"siren", "dog_bark"}, folds={1, 2, 3}, salience=1,
                                           availability=False, text="10")}
    out = {}
    for name, f in filters.items():
        f.mask(table)
        out[name] = [_seconds(f.mask, table) for _ in range(repeats)]
    return out


def clip_table(app, originals: Path, repeats: int) -> dict:
    """The clip table over the 8732 rows in a shown QTableView: a filter applied, cleared, and
    each of the 7 columns sorted (alternately descending and ascending) then repainted."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QTableView

    from audioscope.core.dataset.clip_filter import ClipFilter
    from audioscope.core.dataset.metadata import load_dataset
    from audioscope.gui.browser.clip_filter_proxy import ClipFilterProxy
    from audioscope.gui.browser.clip_table import ClipTableModel

    proxy = ClipFilterProxy()
    proxy.setSourceModel(ClipTableModel(load_dataset(originals)))
    view = QTableView()
    view.setModel(proxy)
    view.resize(900, 500)
    view.show()
    app.processEvents()
    chosen = ClipFilter(classes={"siren", "dog_bark"}, folds={1, 2, 3}, text="1")
    out: dict[str, list[float]] = {"filter": [], "unfilter": [], "sort": []}
    for i in range(repeats):
        out["filter"].append(_seconds(proxy.set_filter, chosen))
        out["unfilter"].append(_seconds(proxy.set_filter, ClipFilter()))
        order = Qt.SortOrder.DescendingOrder if i % 2 == 0 else Qt.SortOrder.AscendingOrder
        for col in range(7):
            started = time.perf_counter()
            proxy.sort(col, order)
            view.viewport().repaint()
            out["sort"].append(time.perf_counter() - started)
        app.processEvents()
    view.close()
    return out


def ten_minute_file(flac: Path, folder: Path, seconds: int) -> Path:
    """Fold 1 clips of the 22 kHz set back to back, ``seconds`` long, as a 16-bit WAV."""
    import soundfile as sf

    pieces, total = [], 0
    for path in sorted((flac / "audio" / "fold1").glob("*.flac")):
        data, rate = sf.read(path, dtype="float32")
        pieces.append(data)
        total += data.size
        if total >= seconds * rate:
            break
    out = folder / f"{seconds // 60} minutes.wav"
    sf.write(out, np.concatenate(pieces)[:seconds * rate], rate, subtype="PCM_16")
    return out


def clip_views(app, originals: Path, flac: Path, folder: Path, repeats: int) -> dict:
    """``set_analysis`` of a 4 s clip (a 1000×700 ClipViews, as in its tests), and of a 10-minute
    file on a new ClipViews each time, with the first full render (``graphics.grab``)."""
    from audioscope.core.dataset.metadata import load_dataset
    from audioscope.core.store.cached_analysis import analyse_file
    from audioscope.gui.clip.clip_views import ClipViews

    def shown() -> ClipViews:
        widget = ClipViews()
        widget.resize(1000, 700)
        widget.show()
        app.processEvents()
        return widget

    bark = analyse_file(originals / "audio" / "fold1" / "31323-3-0-1.wav")
    row = load_dataset(originals).row_for_file(bark.clip.path)
    widget = shown()
    widget.set_analysis(bark, row)
    out = {"set_analysis": [_seconds(widget.set_analysis, bark, row) for _ in range(5 * repeats)],
           "ten_minutes": []}
    widget.close()
    long = analyse_file(ten_minute_file(flac, folder, 600))
    for _ in range(repeats):
        widget = shown()
        started = time.perf_counter()
        widget.set_analysis(long)
        widget.graphics.grab()
        out["ten_minutes"].append(time.perf_counter() - started)
        widget.close()
        app.processEvents()
    return out


def explorer(app, originals: Path, flac: Path, folder: Path, repeats: int) -> dict:
    """In the main window (1440×900): Down presses through the 22 kHz set's clips, 200 dropped
    files, and the event loop while a 20-minute file is analysed and drawn."""
    import soundfile as sf
    from PySide6.QtCore import QElapsedTimer, QSettings, Qt, QTimer
    from PySide6.QtTest import QTest

    from audioscope.core.dataset.clip_filter import ClipFilter
    from audioscope.core.signal.audio import load_clip
    from audioscope.core.store.cache import FeatureCache
    from audioscope.gui.window.main_window import MainWindow

    window = MainWindow(settings=QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat),
                        cache=FeatureCache(folder / "cache"))
    window.resize(1440, 900)
    window.show()

    def spin(cond) -> None:
        end = time.perf_counter() + LIMIT_S
        while not cond():
            if time.perf_counter() > end:
                raise RuntimeError("the explorer did not get there in time")
            app.processEvents()
            time.sleep(0.0005)

    spin(lambda: window.is_warm)
    inspected: list = []
    window.current.inspected.connect(inspected.append)
    out: dict[str, list[float]] = {"press": [], "settle": [], "drop": [], "gaps": [], "analysis": []}

    # a run of Down presses as fast as Qt takes them, then until the last clip's views are set
    opened: list = []
    window.dataset_opened.connect(opened.append)
    window.open_dataset(flac)
    spin(lambda: opened)
    window.browser.filter_bar.set_filter(ClipFilter(availability=True), notify=True)
    inspected.clear()
    window.browser.select_row(0)
    spin(lambda: inspected)
    table = window.browser.table
    table.setFocus()
    presses = 100
    for _ in range(repeats * 2):
        inspected.clear()
        for _ in range(presses):
            started = time.perf_counter()
            QTest.keyClick(table, Qt.Key.Key_Down)
            out["press"].append(time.perf_counter() - started)
        last = window.browser.proxy.row_record(table.currentIndex().row())["slice_file_name"]
        started = time.perf_counter()
        spin(lambda last=last: inspected and inspected[-1].request.row["slice_file_name"] == last)
        out["settle"].append(time.perf_counter() - started)

    # 200 files dropped at once, until the last one's views are set
    originals_files = sorted((originals / "audio").glob("fold*/*.wav"))
    for r in range(repeats):
        drops = folder / f"drops-{r}"
        drops.mkdir()
        files = []
        for i in range(200):
            source = originals_files[i % len(originals_files)]
            files.append(drops / f"{i:03d}-{source.name}")
            shutil.copy(source, files[-1])
        inspected.clear()
        started = time.perf_counter()
        window.browser.add_files(files)
        spin(lambda last=files[-1]: inspected and inspected[-1].request.path == last)
        out["drop"].append(time.perf_counter() - started)

    # the event loop's gaps (a 5 ms timer) while a 20-minute file is analysed and drawn
    parts, total, seconds = [], 0, 1200
    for path in sorted(flac.glob("audio/fold*/*.flac")):
        parts.append(load_clip(path).signal)
        total += len(parts[-1])
        if total > seconds * 22050:
            break
    signal = np.concatenate(parts)[: seconds * 22050]
    for r in range(max(1, repeats // 2)):
        long_file = folder / f"twenty minutes {r}.flac"
        sf.write(long_file, signal, 22050)
        app.processEvents()
        gaps, clock = [], QElapsedTimer()
        timer = QTimer(interval=5, timerType=Qt.TimerType.PreciseTimer)
        timer.timeout.connect(lambda gaps=gaps, clock=clock: gaps.append(clock.restart() / 1000))
        inspected.clear()
        clock.start()
        timer.start()
        started = time.perf_counter()
        window.browser.add_files([long_file])
        spin(lambda long_file=long_file: inspected and inspected[-1].request.path == long_file)
        out["analysis"].append(time.perf_counter() - started)
        timer.stop()
        out["gaps"].extend(gaps)
    window.close()
    return out


def probe(originals: Path, flac: Path, repeats: int, folder: Path) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    app.setApplicationName("audioscope-bench")
    return {**masks(originals, 50 * repeats), **clip_table(app, originals, 2 * repeats),
            **clip_views(app, originals, flac, folder, 3 * repeats),
            **explorer(app, originals, flac, folder, repeats)}


def responsiveness(originals: Path, flac: Path, repeats: int) -> dict:
    """Run the probe in a fresh process; ``repeats`` scales the passes (1 for --quick, 5 else)."""
    with tempfile.TemporaryDirectory(prefix="audioscope-bench-gui-") as folder:
        env = {**os.environ, "AUDIOSCOPE_CACHE_DIR": str(Path(folder) / "cache")}
        out = subprocess.run([sys.executable, __file__, str(originals), str(flac), str(repeats), folder],
                             capture_output=True, text=True, env=env, timeout=3600, check=False)
        if out.returncode != 0:
            raise RuntimeError(f"the responsiveness probe failed ({out.returncode}):\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    from audioscope.core.process.allocator import keep_freed_memory

    keep_freed_memory()      # as audioscope's entry points do
    print(json.dumps(probe(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))))
