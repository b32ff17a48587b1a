"""How the clip table's costs grow with the metadata (issue 18, item 4): the real 8732-row
UrbanSound8K.csv, and a synthetic copy FACTOR times as long made here (each copy's fsIDs moved
past the real ones, so every row is a distinct clip; metadata only, no audio).

    python benchmarks/scale_probe.py ORIGINALS_ROOT FACTOR
    python benchmarks/scale_probe.py extract FLAC_ROOT N_CLIPS "2 local"|"1 local"|"2 Dask"

Runs offscreen in a fresh process and prints one JSON line: the seconds to open the dataset,
to build the table model and its filter proxy, to sort each column (then repaint the view),
to filter by class and fold, to search a text; and the resident memory before and after.
``scale()`` runs it for several factors. ``extraction_growth()`` times a cold-cache
extraction of N clips on one or two local workers and on a two-worker Dask LocalCluster.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FSID_STEP = 1_000_000          # above every real fsID (the largest is under 210 000)


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))


def scaled_dataset(originals: Path, factor: int, folder: Path) -> Path:
    """An UrbanSound8K folder whose metadata is ``factor`` copies of the real table."""
    import pandas as pd

    rows = pd.read_csv(originals / "metadata" / "UrbanSound8K.csv")
    copies = []
    for k in range(factor):
        copy = rows.copy()
        copy["fsID"] = copy["fsID"] + k * FSID_STEP
        copy["slice_file_name"] = [f"{fs}-{rest.split('-', 1)[1]}" for fs, rest in
                                   zip(copy["fsID"], copy["slice_file_name"])]
        copies.append(copy)
    root = folder / "UrbanSound8K"
    (root / "metadata").mkdir(parents=True)
    for fold in range(1, 11):
        (root / "audio" / f"fold{fold}").mkdir(parents=True)
    pd.concat(copies, ignore_index=True).to_csv(root / "metadata" / "UrbanSound8K.csv", index=False)
    return root


def probe(originals: Path, factor: int) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QTableView

    app = QApplication([])
    from audioscope.core.dataset.clip_filter import ClipFilter
    from audioscope.core.dataset.metadata import load_dataset
    from audioscope.gui.browser.clip_filter_proxy import ClipFilterProxy
    from audioscope.gui.browser.clip_table import ClipTableModel

    with tempfile.TemporaryDirectory() as folder:
        root = scaled_dataset(originals, factor, Path(folder))
        before = rss_mb()
        started = time.perf_counter()
        dataset = load_dataset(root)
        opened = time.perf_counter() - started
        started = time.perf_counter()
        proxy = ClipFilterProxy()
        proxy.setSourceModel(ClipTableModel(dataset))
        view = QTableView()
        view.setModel(proxy)
        view.resize(900, 500)
        view.show()
        app.processEvents()
        modelled = time.perf_counter() - started

        def timed(fn, *args) -> float:
            started = time.perf_counter()
            fn(*args)
            view.viewport().repaint()
            return time.perf_counter() - started

        sorts = [timed(proxy.sort, col, order) for order in (Qt.SortOrder.DescendingOrder, Qt.SortOrder.AscendingOrder)
                 for col in range(7)]
        filters = [timed(proxy.set_filter, ClipFilter(classes={"siren", "dog_bark"}, folds={1, 2, 3}))
                   for _ in range(3)]
        searches = [timed(proxy.set_filter, ClipFilter(text=text)) for text in ("1", "siren 10", "100032", "1")]
        timed(proxy.set_filter, ClipFilter())
        return {"factor": factor, "rows": len(dataset.table), "open_s": opened, "model_s": modelled,
                "sort_s": statistics.median(sorts), "sort_max_s": max(sorts),
                "filter_s": statistics.median(filters), "search_s": statistics.median(searches),
                "search_max_s": max(searches), "rss_before_mb": before, "rss_after_mb": rss_mb()}


def extraction(flac: Path, n_clips: int, where: str) -> dict:
    """Cold-cache extraction (embeddings recipe) of ``n_clips`` clips of ``flac`` spread over
    its folds and classes, on ``where``: "1 local", "2 local" workers or "2 Dask" (a
    LocalCluster of 2 single-thread worker processes, started before the clock)."""
    import contextlib

    from audioscope.core.batch.extraction import joblib_backend
    from audioscope.core.batch.vectors import extract_vectors
    from audioscope.core.dataset.metadata import load_dataset
    from audioscope.core.store.cache import FeatureCache

    table = load_dataset(flac).table
    table = table[table["available"]]
    table = table.iloc[::max(1, len(table) // n_clips)][:n_clips]
    paths = table["path"].tolist()
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        scheduler = None
        if where.endswith("Dask"):
            from dask.distributed import LocalCluster

            cluster = stack.enter_context(LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                                       dashboard_address=None))
            scheduler = cluster.scheduler_address
        stack.enter_context(joblib_backend(scheduler))
        started = time.perf_counter()
        _vectors, errors = extract_vectors(paths, jobs=int(where.split()[0]) if scheduler is None else -1,
                                           cache=FeatureCache(Path(folder) / "cache"))
        seconds = time.perf_counter() - started
    return {"clips": len(paths), "where": where, "seconds": seconds, "errors": len(errors)}


def extraction_growth(flac: Path, sizes: tuple[int, ...],
                      places: tuple[str, ...] = ("1 local", "2 local", "2 Dask")) -> list[dict]:
    """``extraction`` in a fresh process for each size and place."""
    out = []
    for n in sizes:
        for where in places:
            done = subprocess.run([sys.executable, __file__, "extract", str(flac), str(n), where],
                                  capture_output=True, text=True, timeout=3600)
            if done.returncode != 0:
                raise RuntimeError(f"the extraction probe failed ({done.returncode}):\n{done.stderr[-4000:]}")
            out.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return out


def scale(originals: Path, factors: tuple[int, ...] = (1, 10)) -> list[dict]:
    """``probe`` in a fresh process per factor."""
    out = []
    for factor in factors:
        done = subprocess.run([sys.executable, __file__, str(originals), str(factor)], capture_output=True,
                              text=True, timeout=1800, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
        if done.returncode != 0:
            raise RuntimeError(f"the scale probe failed ({done.returncode}):\n{done.stderr[-4000:]}")
        out.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return out


if __name__ == "__main__":
    if sys.argv[1] == "extract":
        print(json.dumps(extraction(Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4])))
    else:
        print(json.dumps(probe(Path(sys.argv[1]), int(sys.argv[2]))))
