"""audioscope benchmarks: per clip against the tutorial's pipeline and the I/O + FFT floor,
whole-dataset feature extraction (cold and warm cache), and the explorer (selection latency,
cold start, memory). Writes a Markdown report.

    python benchmarks/run.py [--quick] [--data ../shared/us8k] [--out docs/benchmarks.md]

Ratios are measured in the same run on the same files; times are medians (and p95).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def timed(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


def tutorial_pipeline(path: str) -> np.ndarray:
    """The tutorial: librosa.load with res_type='kaiser_fast', 40 MFCCs, mean over time."""
    import librosa

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y, sr = librosa.load(path, res_type="kaiser_fast")
        return librosa.feature.mfcc(y=y, sr=sr, n_mfcc=40).mean(axis=1)


def floor_pipeline(path: str) -> None:
    """What any analysis must do: read the file and one real FFT over all frames."""
    import soundfile as sf

    data, _ = sf.read(path, dtype="float32", always_2d=True)
    mono = data.mean(axis=1)
    frames = np.lib.stride_tricks.sliding_window_view(np.pad(mono, 1024), 2048)[::512]
    np.fft.rfft(frames, axis=1)


def audioscope_pipeline(path: str, bundle) -> None:
    """Load + resample + envelope + mel + MFCC + prediction, as the explorer's worker does per
    clip: the views' analysis and the model's coarser one share one STFT."""
    from audioscope.core.audio import load_clip
    from audioscope.core.features import compute_feature_sets
    from audioscope.core.recipe import COARSE_PARAMS

    clip = load_clip(path)
    features, coarse = compute_feature_sets(clip.signal, [bundle.feature_params, COARSE_PARAMS])
    bundle.predict_features(features, clip.signal, coarse=coarse)


def per_clip(files: list[str], repeats: int) -> dict:
    from audioscope.core.classifier import load_bundle

    bundle = load_bundle()
    for path in files[:2]:  # warm imports and caches for all three
        tutorial_pipeline(path), floor_pipeline(path), audioscope_pipeline(path, bundle)
    rows = {"tutorial": [], "audioscope": [], "floor": []}
    for _ in range(repeats):
        for path in files:
            rows["tutorial"].append(timed(tutorial_pipeline, path))
            rows["audioscope"].append(timed(audioscope_pipeline, path, bundle))
            rows["floor"].append(timed(floor_pipeline, path))
    return {name: (statistics.median(v), p95(v)) for name, v in rows.items()}


def whole_dataset(root: Path, limit: int | None) -> dict:
    from audioscope.core.cache import FeatureCache
    from audioscope.core.dataset import load_dataset
    from audioscope.core.training import extract_vectors

    table = load_dataset(root).table
    paths = table.loc[table["available"], "path"].tolist()[:limit]
    cache = FeatureCache(tempfile.mkdtemp(prefix="audioscope-bench-"))
    stats: dict = {}
    started = time.perf_counter()
    extract_vectors(paths, jobs=-1, cache=cache, stats=stats)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    extract_vectors(paths, jobs=-1, cache=cache)
    warm = time.perf_counter() - started
    started = time.perf_counter()
    mel_mfcc_of_files(paths)
    mel_mfcc = time.perf_counter() - started
    sample = paths[:: max(1, len(paths) // 40)]
    tutorial = statistics.median(timed(tutorial_pipeline, p) for p in sample) * len(paths)
    return {"clips": len(paths), "cold_s": cold, "warm_s": warm, "tutorial_s": tutorial,
            "mel_mfcc_s": mel_mfcc, "cores": os.cpu_count(), "pool": stats["pool"]}


def mel_mfcc_of_files(paths: list[str]) -> None:
    """The tutorial's features done audioscope's way (decode, mel, MFCC; plus the envelope),
    for every file, in 32-file tasks on all cores, on the same workers as extraction; no cache."""
    from audioscope.core.process_pool import run_tasks

    chunks = [paths[i:i + 32] for i in range(0, len(paths), 32)]
    list(run_tasks(_mel_mfcc_task, [(chunk,) for chunk in chunks], jobs=-1))


def _mel_mfcc_task(chunk: list[str]) -> int:
    from audioscope.core.audio import load_clip
    from audioscope.core.features import compute_features

    return sum(compute_features(load_clip(p).signal).mfcc.shape[0] for p in chunk)


EXPLORER_PROBE = r"""
import json, os, sys, time
t0 = time.perf_counter()
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from pathlib import Path
from PySide6.QtCore import QEvent, QObject, QSettings
from PySide6.QtWidgets import QApplication
app = QApplication([]); app.setApplicationName("audioscope-bench")
from audioscope.gui.main_window import MainWindow
from audioscope.core.clip_filter import ClipFilter
window = MainWindow(settings=QSettings(sys.argv[3], QSettings.Format.IniFormat))
window.resize(1440, 900)
painted = []
class PaintProbe(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            painted.append(time.perf_counter())
        return False
probe = PaintProbe(); window.installEventFilter(probe); window.show()
def spin(cond, limit=60):
    end = time.time() + limit
    while not cond() and time.time() < end:
        app.processEvents(); time.sleep(0.0005)
spin(lambda: painted and window.is_warm)
first_paint = painted[0] - t0
opened = []; window.dataset_opened.connect(opened.append); window.open_dataset(Path(sys.argv[1])); spin(lambda: opened)
window.browser.filter_bar.set_filter(ClipFilter(availability=True), notify=True)
spin(lambda: False, 0.5)
viewport = window.current.views.graphics.viewport()
viewport.installEventFilter(probe); window.current.predictions.installEventFilter(probe)
latencies, available = [], window.browser.proxy.rowCount()
for i in range(int(sys.argv[2])):
    done = []
    window.current.inspected.connect(lambda inspection: done.append(time.perf_counter()))
    started = time.perf_counter(); window.browser.select_row(i % available); spin(lambda: done)
    spin(lambda: painted[-1] > done[0])      # views and prediction painted after the result
    app.processEvents()                      # let that paint finish
    latencies.append(time.perf_counter() - started)
    window.current.inspected.disconnect()
rss = next(int(l.split()[1]) / 1024 for l in open("/proc/self/status") if l.startswith("VmRSS:"))
print(json.dumps({"first_paint_s": first_paint, "latencies": latencies, "rss_mb": rss,
                  "rows": window.browser.proxy.total_count, "distinct_clips": min(available, len(latencies))}))
"""


def explorer(root: Path, n_clips: int) -> dict:
    """Run the explorer in a fresh process on ``root``; view ``n_clips`` available clips."""
    import json

    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "AUDIOSCOPE_CACHE_DIR": str(Path(folder) / "cache")}
        out = subprocess.run([sys.executable, "-c", EXPLORER_PROBE, str(root), str(n_clips),
                              str(Path(folder) / "s.ini")], capture_output=True, text=True,
                             env=env, timeout=900, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    lat = result.pop("latencies")
    result["selection_median_s"], result["selection_p95_s"] = statistics.median(lat), p95(lat)
    result["clips_viewed"] = len(lat)
    return result


def versions() -> str:
    import librosa
    import PySide6
    import sklearn
    import soundfile

    return (f"Python {platform.python_version()}, numpy {np.__version__}, librosa {librosa.__version__}, "
            f"scikit-learn {sklearn.__version__}, soundfile {soundfile.__version__} "
            f"(libsndfile {soundfile.__libsndfile_version__}), PySide6 {PySide6.__version__}")


def report(clip: dict, dataset: dict, gui: dict, big: dict, quick: bool) -> str:
    ms = lambda s: f"{1000 * s:.1f} ms"  # noqa: E731
    t, a, f = clip["tutorial"], clip["audioscope"], clip["floor"]
    lines = [
        "# Benchmarks", "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}. "
        f"{versions()}.", f"Made by `make bench`{' (quick run: a few clips only)' if quick else ''}; "
        "ratios are measured in the same run on the same files.", "",
        "## Per clip (the 44 original-format clips)", "",
        "| pipeline | median | p95 |", "|---|---|---|",
        f"| tutorial: `librosa.load(res_type='kaiser_fast')` + `feature.mfcc` | {ms(t[0])} | {ms(t[1])} |",
        f"| audioscope: load + resample + envelope + mel + MFCC + prediction | {ms(a[0])} | {ms(a[1])} |",
        f"| floor: `soundfile.read` + one real FFT over all frames | {ms(f[0])} | {ms(f[1])} |", "",
        f"audioscope is **{t[0] / a[0]:.1f}×** faster than the tutorial's pipeline (target ≥ 5×) and "
        f"**{a[0] / f[0]:.1f}×** the floor (target ≤ 3×), by medians.", "",
        f"## Whole dataset ({dataset['clips']} clips, {dataset['cores']} cores)", "",
        f"- The tutorial's sequential loop (`librosa.load` + 40 MFCCs, estimated from a sample of "
        f"clips): {dataset['tutorial_s']:.1f} s.",
        f"- The classifier's clip vectors (`audioscope extract`: two analyses and 807 statistics a "
        f"clip), cold cache: {dataset['cold_s']:.1f} s, {dataset['clips'] / dataset['cold_s']:.0f} clips/s; "
        f"ratio **{dataset['tutorial_s'] / dataset['cold_s']:.1f}×** (target ≥ 3×); workers: "
        f"{dataset['pool']}.",
        f"- The tutorial's own features (mel spectrogram and MFCCs, plus the envelope) computed by "
        f"audioscope, no cache: {dataset['mel_mfcc_s']:.1f} s, {dataset['clips'] / dataset['mel_mfcc_s']:.0f} "
        f"clips/s; ratio **{dataset['tutorial_s'] / dataset['mel_mfcc_s']:.1f}×**.",
        f"- Warm cache: {dataset['warm_s']:.2f} s for all clip vectors (target < 2 s).", "",
        "## Explorer (window 1440×900, offscreen)", "",
        f"- Selection to all three views and the prediction painted, the 44 original-format clips: "
        f"median {ms(gui['selection_median_s'])}, p95 {ms(gui['selection_p95_s'])} (target p95 ≤ 50 ms).",
        f"- The same over {big['clips_viewed']} clips of the 22 kHz FLAC set: median "
        f"{ms(big['selection_median_s'])}, p95 {ms(big['selection_p95_s'])}.",
        f"- Cold start to the first painted window: {gui['first_paint_s']:.2f} s (target ≤ 1.5 s).",
        f"- Resident memory with the {big['rows']}-row metadata loaded and {big['clips_viewed']} clips "
        f"viewed ({big['distinct_clips']} different): {big['rss_mb']:.0f} MB (target ≤ 400 MB).", "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a few clips only (used by the tests)")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "us8k")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    args = parser.parse_args()
    originals = sorted(str(p) for p in (args.data / "UrbanSound8K" / "audio").glob("fold*/*.wav"))
    if args.quick:
        originals = originals[:4]
    clip = per_clip(originals, repeats=1 if args.quick else 3)
    dataset = whole_dataset(args.data / "UrbanSound8K-22k", limit=70 if args.quick else None)
    gui = explorer(args.data / "UrbanSound8K", n_clips=5 if args.quick else 44)
    big = explorer(args.data / "UrbanSound8K-22k", n_clips=5 if args.quick else 100)
    text = report(clip, dataset, gui, big, args.quick)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
