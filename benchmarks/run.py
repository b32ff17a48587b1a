"""audioscope benchmarks: per clip against the tutorial's pipeline and the I/O + FFT floor
(both recipes, and the embedding networks alone), whole-dataset vector extraction (cold and
warm cache, both recipes) and the dataset map, the explorer (selection → views, prediction and
why strip drawn; cold start; memory), its responsiveness (the timings the test suite leaves to
this benchmark: filter, sort, drawing, key presses, drops, the event loop during a long
analysis), the installed size, and how the clip table's costs grow with a synthetic metadata
table ten times as long (``scale_probe``). Writes a Markdown report.

    python benchmarks/run.py [--quick] [--data ../shared/us8k] [--out docs/benchmarks.md]

Ratios are measured in the same run on the same files; times are medians (and p95).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from dataclasses import asdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))   # explorer_probe, also under python -P
from explorer_probe import explorer, installed_sizes, x_server  # noqa: E402
from gui_probe import responsiveness  # noqa: E402
from inference_probe import BATCH_CLIPS, batch_costs, batch_section  # noqa: E402
from scale_probe import extraction_growth, scale  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
MIB = 1 << 20


def summary(values: list[float]) -> tuple[float, float]:
    """(median, p95)."""
    return statistics.median(values), float(np.percentile(values, 95))


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
    """What the explorer's two workers do for a clip, without the cache: decode + resample +
    the views' envelope, mel and MFCC (``inspect_clip``), then the recipe's vector and the
    prediction (``predict_clip``). The stats recipe's coarser analysis shares the views' STFT."""
    from audioscope.core.model.stats_recipe import COARSE_PARAMS
    from audioscope.core.store.cached_analysis import analyse_file

    also = (COARSE_PARAMS,) if bundle.recipe.uses_statistics else ()
    analysis = analyse_file(path, bundle.feature_params, also=also)
    sets = [(analysis.features, *analysis.extra)] if also else None
    bundle.predict_vector(bundle.vectors([analysis.clip.signal], sets)[0], int(Path(path).parent.name[4:]))


def embedding_parts(signals: list[np.ndarray], repeats: int) -> dict:
    """ms per clip of each embedding network's input and inference, one clip per call."""
    from audioscope.core.model.embedding import aisfx_input, birdnet_input
    from audioscope.core.model.embedding.runtime import shared_model
    from audioscope.core.model.recipes import EMBEDDINGS

    birdnet, aisfx = shared_model("birdnet"), shared_model("aisfx")
    rows: dict[str, list[float]] = {k: [] for k in ("birdnet_in", "birdnet", "aisfx_in", "aisfx", "vector")}
    counts = {"windows": [], "blocks": []}
    for _ in range(repeats):
        for s in signals:
            started = time.perf_counter()
            windows = birdnet_input.windows_48k(s, 22050)
            rows["birdnet_in"].append(time.perf_counter() - started)
            rows["birdnet"].append(timed(birdnet.run, windows))
            started = time.perf_counter()
            blocks = aisfx_input.model_input(s, 22050)
            rows["aisfx_in"].append(time.perf_counter() - started)
            rows["aisfx"].append(timed(aisfx.run, blocks))
            rows["vector"].append(timed(EMBEDDINGS.vectors, [s], 22050))
            counts["windows"].append(len(windows))
            counts["blocks"].append(len(blocks))
    return {**{k: summary(v) for k, v in rows.items()}, **{k: float(np.mean(v)) for k, v in counts.items()}}


def bundle_of(recipe, dataset: dict):
    """The bundled model when it is of ``recipe``, else one fitted here (``final`` only, no
    calibration or novelty) on the whole-dataset run's vectors: same kind, same cost a clip."""
    from audioscope.core.model.classifier import ModelBundle, load_bundle
    from audioscope.core.signal.features import FeatureParams

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bundled = load_bundle()
    if bundled.recipe is recipe:
        return bundled, "the bundled model"
    X, y = dataset["vectors"][recipe.name], dataset["labels"]
    keep = np.isfinite(X).all(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = recipe.make_model(int(keep.sum())).fit(X[keep], y[keep])
    card = {"recipe": recipe.version, "feature_params": asdict(FeatureParams())}
    return ModelBundle(Path(tempfile.gettempdir()), card, {"final": model}), \
        f"a model fitted in this run on the {int(keep.sum())} clips' vectors of the whole-dataset run"


def per_clip(files: list[str], repeats: int, dataset: dict) -> dict:
    from audioscope.core.model.embedding.runtime import unload_models, use_threads
    from audioscope.core.model.recipes import EMBEDDINGS, STATS
    from audioscope.core.signal.audio import load_clip

    use_threads(os.cpu_count() or 1)          # as the explorer: one clip at a time, all cores
    unload_models()                           # sessions the whole-dataset run loaded had 1 thread
    (embeddings, emb_source), (stats, stats_source) = bundle_of(EMBEDDINGS, dataset), bundle_of(STATS, dataset)
    pipelines = {"tutorial": tutorial_pipeline, "floor": floor_pipeline,
                 "embeddings": lambda p: audioscope_pipeline(p, embeddings),
                 "stats": lambda p: audioscope_pipeline(p, stats)}
    for path in files[:2]:                     # warm imports, sessions and caches for all
        for fn in pipelines.values():
            fn(path)
    rows: dict[str, list[float]] = {name: [] for name in pipelines}
    for _ in range(repeats):
        for path in files:
            for name, fn in pipelines.items():
                rows[name].append(timed(fn, path))
    parts = embedding_parts([load_clip(p).signal for p in files], repeats)
    return {**{name: summary(v) for name, v in rows.items()}, "parts": parts,
            "sources": {"embeddings": emb_source, "stats": stats_source}}


def whole_dataset(root: Path, limit: int | None) -> dict:
    """Cold- and warm-cache extraction with each recipe, on local workers. Runs before this
    process loads onnxruntime (the forked workers must not inherit its sessions)."""
    from audioscope.core.batch.vectors import extract_vectors
    from audioscope.core.dataset.metadata import Dataset, load_dataset
    from audioscope.core.model.recipes import DEFAULT_RECIPE, EMBEDDINGS, STATS
    from audioscope.core.process.process_pool import worker_count
    from audioscope.core.store.cache import FeatureCache

    full = load_dataset(root)
    table = full.table[full.table["available"]]
    if limit is not None:                      # a spread of folds and classes
        table = table.iloc[::max(1, len(table) // limit)][:limit]
    paths = table["path"].tolist()
    out: dict = {"clips": len(paths), "cores": os.cpu_count(), "workers": worker_count(-1),
                 "labels": table["classID"].to_numpy(dtype=int), "vectors": {}}
    with tempfile.TemporaryDirectory(prefix="audioscope-bench-") as kept:   # the map's vectors
        for recipe in (EMBEDDINGS, STATS):
            with tempfile.TemporaryDirectory(prefix="audioscope-bench-") as folder:
                cache, stats = FeatureCache(kept if recipe is DEFAULT_RECIPE else folder), {}
                started = time.perf_counter()
                out["vectors"][recipe.name], _ = extract_vectors(paths, jobs=-1, cache=cache, stats=stats,
                                                                 recipe=recipe)
                cold = time.perf_counter() - started
                started = time.perf_counter()
                extract_vectors(paths, jobs=-1, cache=cache, recipe=recipe)
                warm = time.perf_counter() - started
            out[recipe.name] = {"cold_s": cold, "warm_s": warm, "pool": stats["pool"]}
        out["mel_mfcc_s"] = timed(mel_mfcc_of_files, paths)
        sample = paths[:: max(1, len(paths) // 40)]
        out["tutorial_s"] = statistics.median(timed(tutorial_pipeline, p) for p in sample) * len(paths)
        # last: t-SNE's threads must not be running when workers are forked
        subset = Dataset(root=full.root, table=table.reset_index(drop=True))
        out["map"] = dataset_map(subset, FeatureCache(kept))
    return out


def dataset_map(dataset, cache) -> dict:
    """The explorer's dataset map (``compute_map``) of ``dataset`` from a cache that holds its
    vectors already (the cold cost is the extraction's): the layout, then the map reopened."""
    from audioscope.core.batch.dataset_map import compute_map

    started = time.perf_counter()
    first = compute_map(dataset, cache)
    layout = time.perf_counter() - started
    started = time.perf_counter()
    again = compute_map(dataset, cache)
    return {"clips": len(first), "layout_s": layout, "reopen_s": time.perf_counter() - started,
            "reopened_from_cache": again.from_cache}


def mel_mfcc_of_files(paths: list[str]) -> None:
    """The tutorial's features done audioscope's way (decode, mel, MFCC; plus the envelope),
    for every file, in 32-file tasks on all cores, on the same workers as extraction; no cache."""
    from audioscope.core.process.process_pool import run_tasks

    chunks = [paths[i:i + 32] for i in range(0, len(paths), 32)]
    list(run_tasks(_mel_mfcc_task, [(chunk,) for chunk in chunks], jobs=-1))


def _mel_mfcc_task(chunk: list[str]) -> int:
    from audioscope.core.signal.audio import load_clip
    from audioscope.core.signal.features import compute_features

    return sum(compute_features(load_clip(p).signal).mfcc.shape[0] for p in chunk)


class CpuShare:
    """How much of the machine's CPU other processes used while the benchmark ran."""

    def __init__(self) -> None:
        self.start = (time.perf_counter(), self._busy(), self._own())

    @staticmethod
    def _busy() -> float:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # all but idle, iowait

    @staticmethod
    def _own() -> float:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def others(self) -> float:
        wall, busy, own = (a - b for a, b in zip((time.perf_counter(), self._busy(), self._own()), self.start))
        return max(0.0, (busy - own) / (wall * (os.cpu_count() or 1)))


def versions() -> str:
    import librosa
    import onnxruntime
    import PySide6
    import sklearn
    import soundfile

    return (f"Python {platform.python_version()}, numpy {np.__version__}, librosa {librosa.__version__}, "
            f"scikit-learn {sklearn.__version__}, onnxruntime {onnxruntime.__version__}, soundfile "
            f"{soundfile.__version__} (libsndfile {soundfile.__libsndfile_version__}), PySide6 {PySide6.__version__}")


def cpu_model() -> str:
    """The processor's name (/proc/cpuinfo's "model name"), else the machine type: the same code
    ran 1.3-3x slower on one host than on another, so a report says which it was made on."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()} ({platform.machine()})"
    except OSError:
        pass
    return platform.machine()


def report(clip: dict, dataset: dict, gui: dict, big: dict, responsive: dict, sizes: dict, quick: bool,
           others: float, batches: dict) -> str:
    ms = lambda s: f"{1000 * s:.1f} ms"  # noqa: E731
    mib = lambda b: "not built" if b is None else f"{b / MIB:.0f} MiB"  # noqa: E731
    row = lambda label, v: f"| {label} | {ms(v[0])} | {ms(v[1])} |"  # noqa: E731
    t, e, s, f, parts = clip["tutorial"], clip["embeddings"], clip["stats"], clip["floor"], clip["parts"]
    n, emb, sta = dataset["clips"], dataset["embeddings"], dataset["stats"]
    packages = dict(sorted(sizes["packages"].items(), key=lambda kv: -kv[1]))
    total = sum(packages.values())
    biggest = ", ".join(f"{name} {mib(b)}" for name, b in list(packages.items())[:6])
    met = lambda ok: "**met**" if ok else "**not met**"  # noqa: E731

    def stage(result: dict, name: str) -> str:
        median, high, count = result[name]
        missing = f" ({count} of {result['clips_viewed']} clips)" if count < result["clips_viewed"] else ""
        return f"{ms(median)} / {ms(high)}{missing}"
    load = (f"Other processes used {100 * others:.0f} % of the CPU during the run: figures measured while "
            f"other work ran." if others > 0.05 else f"The machine was otherwise idle ({100 * others:.0f} % "
            f"of its CPU used by other processes).")
    lines = [
        "# Benchmarks", "",
        f"Machine: {cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}. "
        f"{versions()}.", f"Made by `make bench`{' (quick run: a few clips only)' if quick else ''}; "
        f"ratios are measured in the same run on the same files. {load}", "",
        f"## Per clip ({len(clip['files'])} original-format clips of UrbanSound8K)", "",
        f"{clip['repeats']} pass{'es' if clip['repeats'] > 1 else ''} over the clips. Embeddings recipe: "
        f"{clip['sources']['embeddings']}; stats recipe: {clip['sources']['stats']}.", "",
        "| pipeline | median | p95 |", "|---|---|---|",
        row("tutorial: `librosa.load(res_type='kaiser_fast')` + `feature.mfcc`", t),
        row("audioscope, embeddings recipe: load + resample + envelope + mel + MFCC (the views) + "
            "BirdNET and aiSFX embeddings + prediction", e),
        row("audioscope, stats recipe (the previous default): load + resample + envelope + mel + MFCC + "
            "807 statistics + prediction", s),
        row("floor: `soundfile.read` + one real FFT over all frames", f), "",
        f"By medians, the embeddings recipe takes **{e[0] / t[0]:.1f}×** the tutorial's time and "
        f"**{e[0] / f[0]:.1f}×** the floor's; the stats recipe is **{t[0] / s[0]:.1f}×** faster than the "
        f"tutorial (its target ≥ 5×) and **{s[0] / f[0]:.1f}×** the floor (its target ≤ 3×); the "
        f"embeddings recipe costs **{e[0] / s[0]:.0f}×** the stats recipe's time.", "",
        f"The embedding vector alone, one clip per inference call (onnxruntime, {os.cpu_count()} threads, "
        f"as in the explorer), from the clip's 22 050 Hz signal:", "",
        "| part | median | p95 |", "|---|---|---|",
        row(f"BirdNET input: resample to 48 kHz, 3 s windows ({parts['windows']:.1f} a clip)", parts["birdnet_in"]),
        row("BirdNET inference", parts["birdnet"]),
        row(f"aiSFX input: resample to 44.1 kHz, log-mel, 2.3 s blocks ({parts['blocks']:.1f} a clip)",
            parts["aisfx_in"]),
        row("aiSFX inference", parts["aisfx"]),
        row("the whole vector: `recipes.EMBEDDINGS.vectors([signal], 22050)`", parts["vector"]), "",
        *batch_section(batches), "",
        "More clips a call are no cheaper per clip on this CPU, so audioscope keeps calls small (1 BirdNET "
        "window, 16 aiSFX blocks: larger batches only hold more memory). aiSFX runs as an int8 network "
        "(packaging/embeddings/quantise_aisfx.py; docs/classifier.md has the accuracy check).", "",
        f"## Whole dataset ({n} clips of the 22 kHz FLAC set, {dataset['cores']} cores, "
        f"{dataset['workers']} local workers)", "",
        f"- The tutorial's sequential loop (`librosa.load` + 40 MFCCs, estimated from a sample of "
        f"clips): {dataset['tutorial_s']:.1f} s.",
        f"- Embeddings recipe (`audioscope extract`, the default), cold cache: {emb['cold_s']:.1f} s, "
        f"{n / emb['cold_s']:.1f} clips/s, **{emb['cold_s'] / dataset['tutorial_s']:.0f}×** the tutorial's loop's "
        f"time; workers: {emb['pool']}.",
        f"- Stats recipe (`--recipe stats`: two analyses and 807 statistics a clip), cold cache: "
        f"{sta['cold_s']:.1f} s, {n / sta['cold_s']:.0f} clips/s; ratio **{dataset['tutorial_s'] / sta['cold_s']:.1f}×** "
        f"(target ≥ 3×); workers: {sta['pool']}.",
        f"- The tutorial's own features (mel spectrogram and MFCCs, plus the envelope) computed by "
        f"audioscope, no cache: {dataset['mel_mfcc_s']:.1f} s, {n / dataset['mel_mfcc_s']:.0f} clips/s; "
        f"ratio **{dataset['tutorial_s'] / dataset['mel_mfcc_s']:.1f}×**.",
        f"- Warm cache: {emb['warm_s']:.2f} s for all embedding vectors, {sta['warm_s']:.2f} s for all stats "
        f"vectors (target < 2 s).",
        f"- The dataset map of the {dataset['map']['clips']} clips (`compute_map`: standardise, PCA, t-SNE) "
        f"from the cached embedding vectors: {dataset['map']['layout_s']:.1f} s; reopened "
        f"({'the stored map' if dataset['map']['reopened_from_cache'] else 'computed again'}): "
        f"{dataset['map']['reopen_s']:.2f} s.", "",
        f"## Explorer (window 1440×900, {gui['platform']}; the bundled model, recipe {gui['recipe']})", "",
        "Each clip selected once its previous one's why strip was drawn; a stage counts as drawn when "
        "the event-loop pass that painted it returns. Median / p95:", "",
        "| clips | selection → views drawn | selection → prediction drawn | selection → why strip drawn |",
        "|---|---|---|---|",
        *(f"| {label} | {stage(r, 'views')} | {stage(r, 'prediction')} | {stage(r, 'why')} |"
          for label, r in ((f"{gui['clips_viewed']} original-format clips", gui),
                           (f"{big['clips_viewed']} clips of the 22 kHz FLAC set", big))),
        "| target | p95 ≤ 16 ms | p95 ≤ 100 ms | p95 ≤ 1 s |", "",
        f"- Cold start to the first painted window: {gui['first_paint_s']:.2f} s (target ≤ 0.8 s); the "
        f"model{' and the embedding networks' if gui['recipe'] == 'embeddings' else ''} loaded in the background "
        f"by {gui['warm_s']:.2f} s.",
        f"- Resident memory with the {big['metadata_rows']}-row metadata loaded and {big['clips_viewed']} "
        f"clips viewed ({big['distinct_clips']} different): {big['rss_mb']:.0f} MB (target ≤ 250 MB).", "",
        *responsiveness_section(responsive),
        "## Installed size", "",
        f"- Runtime dependencies ({len(packages)} distributions: audioscope's requirements and theirs, "
        f"their files in site-packages): total {mib(total)}, of which onnxruntime "
        f"{mib(packages.get('onnxruntime'))}. Largest: {biggest}.",
        f"- resources/embeddings (the two ONNX networks): {mib(sizes['embeddings'])}; resources/model: "
        f"{mib(sizes['model'])}.",
        f"- dist/audioscope/ (`make package`): {mib(sizes['dist'])}.", "",
        "## Targets", "",
        "| target | figure | |", "|---|---|---|",
    ]
    worst = lambda stage: max(gui[stage][1], big[stage][1])  # noqa: E731
    for label, figure, ok in (
            ("selection → views drawn, p95 ≤ 16 ms", ms(worst("views")), worst("views") <= 0.016),
            ("selection → prediction drawn, p95 ≤ 100 ms", ms(worst("prediction")), worst("prediction") <= 0.1),
            ("selection → why strip drawn, p95 ≤ 1 s", ms(worst("why")), worst("why") <= 1.0)):
        lines.append(f"| {label} | {figure} (the worse of the two sets, {gui['platform']}) | {met(ok)} |")
    lines.append(f"| cold start to the first paint ≤ 0.8 s | {gui['first_paint_s']:.2f} s | "
                 f"{met(gui['first_paint_s'] <= 0.8)} |")
    lines.append(f"| resident memory, 8732-row table and 100 clips viewed, ≤ 250 MB | {big['rss_mb']:.0f} MB "
                 f"({big['clips_viewed']} clips) | {met(big['rss_mb'] <= 250)} |")
    lines.append(f"| per clip, the embeddings recipe ≥ 2.5× faster than the tutorial | {t[0] / e[0]:.2f}× "
                 f"(medians above) | {met(t[0] / e[0] >= 2.5)} |")
    return "\n".join(lines) + "\n"


def growth_section(grown: list[dict]) -> list[str]:
    """The clip table over the real metadata and a synthetic copy several times as long."""
    ms = lambda s: f"{1000 * s:.1f} ms"  # noqa: E731
    lines = ["## How the table's cost grows", "",
             "The real metadata and a synthetic table made by `benchmarks/scale_probe.py` (copies of "
             "it with new fsIDs; metadata only), each in a fresh process, offscreen: open the dataset, "
             "build the table and its filter proxy, sort each column and repaint (median), filter by "
             "two classes and three folds, search a text (median and worst of four), and the memory "
             "the open table holds.", "",
             "| rows | open | table built | sort | filter | search (worst) | memory held |",
             "|---|---|---|---|---|---|---|"]
    for r in grown:
        rows = f"{r['rows']:,}".replace(",", " ")
        lines.append(f"| {rows} rows | {ms(r['open_s'])} | {ms(r['model_s'])} | {ms(r['sort_s'])} | "
                     f"{ms(r['filter_s'])} | {ms(r['search_s'])} ({ms(r['search_max_s'])}) | "
                     f"{r['rss_after_mb'] - r['rss_before_mb']:.0f} MB |")
    first, last = grown[0], grown[-1]
    factor = last["rows"] / first["rows"]
    ratio = lambda key: last[key] / first[key] if first[key] > 0 else float("nan")  # noqa: E731
    held = (last["rss_after_mb"] - last["rss_before_mb"]) / max(first["rss_after_mb"] - first["rss_before_mb"], 1e-9)
    lines += ["", f"For {factor:.0f}× the rows: open {ratio('open_s'):.1f}×, table built "
              f"{ratio('model_s'):.1f}×, sort {ratio('sort_s'):.1f}×, filter {ratio('filter_s'):.1f}×, "
              f"search {ratio('search_s'):.1f}×, memory {held:.1f}× (linear would be {factor:.0f}×).", ""]
    return lines


def extraction_section(runs: list[dict]) -> list[str]:
    """Cold-cache extraction time against the number of clips, per place it ran."""
    places = list(dict.fromkeys(r["where"] for r in runs))
    sizes = list(dict.fromkeys(r["clips"] for r in runs))
    by = {(r["clips"], r["where"]): r for r in runs}
    cell = lambda r: f"{r['seconds']:.1f} s ({r['clips'] / r['seconds']:.1f} clips/s)"  # noqa: E731
    lines = ["### Extraction against the number of clips", "",
             "Embeddings recipe, cold cache, clips of the 22 kHz FLAC set spread over folds and classes, "
             "each run in a fresh process (the Dask LocalCluster of 2 single-thread worker processes is "
             "started before the clock).", "",
             "| clips | " + " | ".join(places) + " |", "|---" * (len(places) + 1) + "|"]
    for n in sizes:
        lines.append(f"| {n} clips | " + " | ".join(cell(by[n, w]) for w in places) + " |")
    small, big = sizes[0], sizes[-1]
    growth = ", ".join(f"{w} {by[big, w]['seconds'] / by[small, w]['seconds']:.1f}×" for w in places)
    lines += ["", f"For {big / small:.0f}× the clips the time grows: {growth} (linear would be "
              f"{big / small:.0f}×; the fixed part is starting the workers and loading the networks).", ""]
    return lines


def responsiveness_section(r: dict) -> list[str]:
    """The timings the test suite leaves to this benchmark (its tests count the work instead)."""
    ms = lambda s: f"{1000 * s:.1f} ms"  # noqa: E731

    def row(label: str, values: list[float], target: str) -> str:
        median, high = summary(values)
        return f"| {label} | {ms(median)} | {ms(high)} | {target} |"

    gaps = r["gaps"]
    return [
        "## Responsiveness (offscreen)", "",
        "The timings the test suite leaves to this benchmark: its tests check the work behind each "
        "(masks computed, rows read, images decimated, analyses run, timer ticks) by counting, on any "
        "machine. Median / p95 over the repeats:", "",
        "| measurement | median | p95 | target |", "|---|---|---|---|",
        row(f"`ClipFilter.mask` on the 8732-row metadata, text \"1\" ({len(r['mask_text'])}×)",
            r["mask_text"], "≤ 5 ms"),
        row("`ClipFilter.mask`: class, fold, salience, availability and text \"10\"", r["mask_combined"],
            "≤ 5 ms"),
        row(f"clip table of 8732 rows: a filter applied ({len(r['filter'])}×)", r["filter"], "≤ 200 ms"),
        row("clip table: the filter cleared", r["unfilter"], "≤ 200 ms"),
        row(f"clip table: sorted by a column and repainted ({len(r['sort'])}×)", r["sort"], "≤ 200 ms"),
        row(f"clip views: `set_analysis` of a 4 s clip ({len(r['set_analysis'])}×)", r["set_analysis"],
            "median ≤ 250 ms"),
        row(f"clip views: `set_analysis` + first render of a 10-minute file ({len(r['ten_minutes'])}×)",
            r["ten_minutes"], "≤ 2 s"),
        row(f"explorer: one Down key press handled ({len(r['press'])} presses, runs of 100)", r["press"],
            "≤ 30 ms"),
        row(f"explorer: a run's last Down press → that clip's views set ({len(r['settle'])} runs)",
            r["settle"], "≤ 5 s"),
        row(f"explorer: 200 files dropped → the last one's views set ({len(r['drop'])}×)", r["drop"],
            "≤ 10 s"),
        row(f"explorer: event-loop gaps (5 ms timer) while a 20-minute file is analysed and drawn "
            f"({len(gaps)} ticks in {sum(r['analysis']):.1f} s; longest {ms(max(gaps))})", gaps,
            "longest < 100 ms"), "",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a few clips only (used by the tests)")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "us8k")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    args = parser.parse_args()
    from audioscope.core.process.allocator import keep_freed_memory
    from audioscope.core.signal.audio import load_clip

    keep_freed_memory()      # as audioscope's entry points do
    cpu = CpuShare()
    originals = sorted(str(p) for p in (args.data / "UrbanSound8K" / "audio").glob("fold*/*.wav"))
    if args.quick:
        originals = originals[:4]
    dataset = whole_dataset(args.data / "UrbanSound8K-22k", limit=70 if args.quick else None)
    repeats = 1 if args.quick else 3
    clip = {**per_clip(originals, repeats, dataset), "files": originals, "repeats": repeats}
    with x_server() as display:                # a real X11 window where Xvfb is installed
        gui = explorer(args.data / "UrbanSound8K", n_clips=5 if args.quick else 44, display=display)
        big = explorer(args.data / "UrbanSound8K-22k", n_clips=5 if args.quick else 100, display=display)
    responsive = responsiveness(args.data / "UrbanSound8K", args.data / "UrbanSound8K-22k",
                                repeats=1 if args.quick else 5)
    grown = scale(args.data / "UrbanSound8K", (1, 2) if args.quick else (1, 10))
    extracted = extraction_growth(args.data / "UrbanSound8K-22k", (8, 16) if args.quick else (100, 1000, 1761),
                                  ("2 local", "2 Dask") if args.quick else ("1 local", "2 local", "2 Dask"))
    per_call = (1, 8) if args.quick else BATCH_CLIPS       # clips a call
    flacs = sorted((args.data / "UrbanSound8K-22k" / "audio").glob("fold1/*.flac"))[:8 if args.quick else 96]
    batches = batch_costs([load_clip(p).signal for p in flacs], passes=1 if args.quick else 2,
                          clips_per_call=per_call)
    text = report(clip, dataset, gui, big, responsive, installed_sizes(), args.quick, cpu.others(), batches)
    text += "\n" + "\n".join(growth_section(grown) + extraction_section(extracted))
    text += "\n" + (Path(__file__).parent / "remaining.md").read_text(encoding="utf-8")   # by hand
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
