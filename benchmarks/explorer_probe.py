"""The explorer's costs for benchmarks/run.py: its latencies, start and memory, measured in a
fresh process by ``explorer()``, and its installed size (``installed_sizes``).

    python benchmarks/explorer_probe.py DATASET_ROOT N_CLIPS SETTINGS_INI

Opens the main window offscreen, selects N_CLIPS available clips one after another and, for
each, times selection → views drawn (``ClipPane.inspected``, then the views repainted),
selection → prediction drawn (``predicted``, then the prediction panel repainted) and
selection → why strip drawn (``explained``, then the views repainted). A stage is "drawn"
when the event-loop pass that painted it returns. The next clip is selected once the strip
is drawn (or cannot be: no prediction). Prints one JSON line.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
STAGE_LIMIT_S = 60.0


def probe(root: Path, n_clips: int, settings: str) -> dict:
    t0 = time.perf_counter()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, QObject, QSettings
    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication([])
    app.setApplicationName("audioscope-bench")
    from audioscope.core.dataset.clip_filter import ClipFilter
    from audioscope.gui.window.main_window import MainWindow

    window = MainWindow(settings=QSettings(settings, QSettings.Format.IniFormat))
    window.resize(1440, 900)
    paints: dict[str, list[float]] = {"window": [], "views": [], "prediction": []}
    groups: dict[int, str] = {}

    class PaintProbe(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                paints[groups.get(id(obj), "window")].append(time.perf_counter())
            return False

    paint_probe = PaintProbe()
    window.installEventFilter(paint_probe)
    window.show()

    def spin(cond, limit=STAGE_LIMIT_S) -> bool:
        end = time.perf_counter() + limit
        while not cond():
            if time.perf_counter() > end:
                return False
            app.processEvents()
            time.sleep(0.0005)
        return True

    spin(lambda: paints["window"])
    first_paint = paints["window"][0] - t0
    spin(lambda: window.is_warm)
    warm = time.perf_counter() - t0
    opened = []
    window.dataset_opened.connect(opened.append)
    window.open_dataset(root)
    spin(lambda: opened)
    window.browser.filter_bar.set_filter(ClipFilter(availability=True), notify=True)
    spin(lambda: False, 0.5)
    pane = window.current
    watched = {"views": pane.views.graphics.viewport(), "prediction": pane.predictions}
    for group, widget in watched.items():
        for w in [widget, *widget.findChildren(QWidget)]:
            groups[id(w)] = group
            w.installEventFilter(paint_probe)

    marks: dict[str, float] = {}
    outcome: dict[str, object] = {}
    pane.inspected.connect(lambda _i: marks.setdefault("views", time.perf_counter()))
    pane.predicted.connect(lambda i: (outcome.setdefault("prediction", i.prediction),
                                      marks.setdefault("prediction", time.perf_counter())))
    pane.explained.connect(lambda occ: (outcome.setdefault("occlusion", occ),
                                        marks.setdefault("why", time.perf_counter())))
    stage_group = {"views": "views", "prediction": "prediction", "why": "views"}
    drawn: dict[str, float] = {}

    def settled() -> bool:
        now = time.perf_counter()          # this pass of the event loop has returned
        for stage, group in stage_group.items():
            mark = marks.get(stage)
            if stage not in drawn and mark is not None and paints[group] and paints[group][-1] > mark:
                drawn[stage] = now
        if "prediction" in outcome and outcome["prediction"] is None:
            return "prediction" in drawn            # no prediction: no why strip either
        return len(drawn) == len(stage_group)

    rows = []
    available = window.browser.proxy.rowCount()
    for i in range(n_clips):
        for record in (marks, outcome, drawn):
            record.clear()
        started = time.perf_counter()
        window.browser.select_row(i % available)
        spin(settled)
        app.processEvents()
        rows.append({stage: (drawn[stage] - started if stage in drawn else None) for stage in stage_group}
                    | {"strip": outcome.get("occlusion") is not None})
    status = Path("/proc/self/status").read_text().splitlines()
    rss = next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))
    from audioscope.core.model.classifier import shared_bundle

    return {"first_paint_s": first_paint, "warm_s": warm, "rows": rows, "rss_mb": rss,
            "metadata_rows": window.browser.proxy.total_count, "recipe": shared_bundle().recipe.name,
            "distinct_clips": min(available, n_clips)}


def explorer(root: Path, n_clips: int, display: str | None = None) -> dict:
    """Run the probe in a fresh process on ``root``; view ``n_clips`` available clips; medians
    and p95 of each stage over the clips that reached it. With ``display`` (an X server, e.g.
    Xvfb's ":99") the window is a real X11 one (Qt's xcb platform), else offscreen."""
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "AUDIOSCOPE_CACHE_DIR": str(Path(folder) / "cache")}
        if display is not None:
            env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb")
        out = subprocess.run([sys.executable, __file__, str(root), str(n_clips), str(Path(folder) / "s.ini")],
                             capture_output=True, text=True, env=env, timeout=1800)
        if out.returncode != 0:
            raise RuntimeError(f"the explorer probe failed ({out.returncode}):\n{out.stderr[-4000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["platform"] = "X11 (xcb)" if display is not None else "offscreen"
    rows = result.pop("rows")
    result["clips_viewed"] = len(rows)
    for stage in ("views", "prediction", "why"):
        values = [r[stage] for r in rows if r[stage] is not None and (stage != "why" or r["strip"])]
        result[stage] = ((statistics.median(values), float(np.percentile(values, 95)), len(values))
                         if values else (float("nan"), float("nan"), 0))
    result["without_strip"] = sum(not r["strip"] for r in rows)
    return result


@contextlib.contextmanager
def x_server() -> Iterator[str | None]:
    """An Xvfb display for the probe's real X11 window (None when Xvfb is not installed)."""
    if shutil.which("Xvfb") is None:
        yield None
        return
    display = f":{150 + os.getpid() % 100}"
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        yield display if server.poll() is None else None
    finally:
        server.terminate()
        server.wait(timeout=10)


def installed_sizes() -> dict:
    """Bytes in site-packages of each distribution audioscope needs at run time (its
    requirements without extras, recursively), of resources/ and of dist/audioscope/."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    site = Path(np.__file__).resolve().parents[1]
    sizes: dict[str, int] = {}
    queue = [req for req in metadata.requires("audioscope") or []]
    while queue:
        req = Requirement(queue.pop())
        name = canonicalize_name(req.name)
        if name in sizes or (req.marker is not None and not req.marker.evaluate({"extra": ""})):
            continue
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            continue
        files = [Path(f.locate()).resolve() for f in dist.files or []]
        sizes[name] = sum(f.stat().st_size for f in files if f.is_relative_to(site) and f.is_file())
        queue.extend(dist.requires or [])

    def folder(path: Path) -> int | None:
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() else None

    return {"packages": sizes, "embeddings": folder(REPO / "resources" / "embeddings"),
            "model": folder(REPO / "resources" / "model"), "dist": folder(REPO / "dist" / "audioscope")}


if __name__ == "__main__":
    from audioscope.core.process.allocator import keep_freed_memory

    keep_freed_memory()      # as audioscope's entry points do
    print(json.dumps(probe(Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3])))
