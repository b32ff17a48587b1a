"""``audioscope --self-test [FILE]``: the real explorer window, headless, on one clip.

Builds the window on Qt's offscreen platform, shows FILE (or a generated one-second tone, written
to a temporary folder), checks that the waveform, mel spectrogram and MFCC views hold data of the
right shape and paint pixels, and that the bundled model predicted; reports PortAudio's version
(in a frozen application, PortAudio and libsndfile must load from the application's own folder).
Prints one line and returns 0, or ``audioscope self-test FAILED: <reason>`` on stderr and 1.
Settings and the feature cache live in that temporary folder: the user's are not touched (the
log file is the application's usual one).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TIMEOUT_S = 180.0   # a cold start of a frozen app on a slow disk takes tens of seconds
EXCERPT_S = 10.0    # the worker processes are checked on at most this much of the file


class SelfTestFailure(Exception):
    """One check failed; the message is the reason printed."""


def make_tone(folder: Path, seconds: float = 1.0, rate: int = 22050) -> Path:
    """A test tone (900 Hz, swept ±300 Hz twice a second) as a 16-bit ``folder/tone.wav``."""
    import soundfile

    t = np.arange(int(seconds * rate)) / rate
    phase = 2 * np.pi * (900 * t - 300 / (2 * np.pi * 2) * np.cos(2 * np.pi * 2 * t))
    path = folder / "tone.wav"
    soundfile.write(path, (0.5 * np.sin(phase)).astype(np.float32), rate, subtype="PCM_16")
    return path


def portaudio_status() -> str:
    """"PortAudio <version>", or why playback is unavailable. In a frozen app, PortAudio must
    load, and from the application's own folder (raises SelfTestFailure otherwise)."""
    from audioscope.core.playback.device import PlaybackUnavailable, import_sounddevice

    frozen = getattr(sys, "frozen", False)
    try:
        sd = import_sounddevice()
    except PlaybackUnavailable as exc:
        if frozen:
            raise SelfTestFailure(f"the bundled PortAudio does not load: {exc.reason}") from None
        return f"no playback ({exc.reason})"
    if frozen and sys.platform.startswith("linux"):
        for library in ("libportaudio", "libsndfile"):
            check_bundled(library)
    return sd.get_portaudio_version()[1].split(",")[0]


def check_bundled(library: str) -> None:
    """In a frozen app on Linux: ``library`` is loaded, and from the application's folder."""
    maps = Path("/proc/self/maps").read_text(encoding="utf-8", errors="replace").splitlines()
    loaded = {line.split()[-1] for line in maps if f"/{library}" in line}
    bundle = str(Path(getattr(sys, "_MEIPASS", "")).resolve())
    if not loaded or not all(path.startswith(bundle + os.sep) for path in loaded):
        raise SelfTestFailure(f"{library} was not loaded from the application folder {bundle} "
                              f"but from {', '.join(sorted(loaded)) or 'nowhere'}")


def _qt_message(_mode, _context, message: str) -> None:
    """Qt's messages on stderr, less the offscreen platform's notice that it has no window manager."""
    if "propagateSizeHints" not in message:
        print(f"Qt: {message}", file=sys.stderr)


def _wait(app, done, what: str, deadline: float) -> None:
    """Run the event loop until ``done()`` or the deadline."""
    while not done():
        if time.perf_counter() > deadline:
            raise SelfTestFailure(f"timed out after {TIMEOUT_S:.0f} s waiting for {what}")
        app.processEvents()
        time.sleep(0.005)


def _coloured(widget, items) -> list[float]:
    """Share of coloured (not grey) pixels inside each of ``items`` (plot ViewBoxes) in a grab of
    ``widget``. Background, grid and axes are grey: an empty plot scores about 0.003."""
    from PySide6.QtGui import QImage

    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    rgb = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
    rgb = rgb.reshape(image.height(), image.bytesPerLine())[:, :image.width() * 4]
    rgb = rgb.reshape(image.height(), image.width(), 4)[..., :3].astype(np.int16)
    scale = image.width() / max(widget.width(), 1)  # device pixel ratio
    shares = []
    for item in items:
        rect = widget.mapFromScene(item.sceneBoundingRect()).boundingRect()
        region = rgb[max(int(rect.top() * scale), 0):int(rect.bottom() * scale),
                     max(int(rect.left() * scale), 0):int(rect.right() * scale)]
        coloured = (region.max(axis=2) - region.min(axis=2)) > 24
        shares.append(float(coloured.mean()) if coloured.size else 0.0)
    return shares


def check_views(pane, inspection) -> None:
    """The three views show ``inspection``: data of the right shape, and painted pixels."""
    from audioscope.core.inspection.view_images import MAX_IMAGE_COLUMNS

    views, features = pane.views, inspection.analysis.features
    if views.analysis is not inspection.analysis:
        raise SelfTestFailure("the views do not show the analysed clip")
    times, _ = views.wave_upper.getData()
    if times is None or len(times) == 0 or len(times) != len(features.envelope.times):
        raise SelfTestFailure("the waveform view holds no envelope")
    columns = min(features.mel_db.shape[1], MAX_IMAGE_COLUMNS)  # long clips are decimated
    for name, image, rows in (("mel spectrogram", views.mel_image.image, features.params.n_mels),
                              ("MFCC", views.mfcc_image.image, features.params.n_mfcc)):
        if image is None or image.shape != (rows, columns) or columns < 1:
            shape = None if image is None else image.shape
            raise SelfTestFailure(f"the {name} view holds an image of shape {shape}, "
                                  f"expected ({rows}, {columns})")
        if not np.isfinite(image).all():
            raise SelfTestFailure(f"the {name} image has non-finite values")
    if inspection.analysis.clip.peak_dbfs == -np.inf:
        return  # a silent clip draws a flat line and a uniform image: nothing to see
    names = ("waveform", "mel", "mfcc")  # the three views (views.plots may hold more)
    boxes = [views.plots[name].getViewBox() for name in names]
    for name, share in zip(names, _coloured(views.graphics, boxes)):
        if share < 0.01:
            raise SelfTestFailure(f"the {name} view was not painted ({share:.1%} coloured pixels)")


def check_parallel_extraction(path: Path, folder: Path) -> str:
    """The worker processes start and give the vector computed here: joblib's (loky) from this
    Qt process, as the window's map and gallery use them, and the forked ones ``train`` and
    ``extract`` use from the command line, in a separate Qt-free process (run in ``folder``,
    never where the user stands: its "-c" would import a json.py from there). Returns the kind
    of workers the command line used."""
    import numpy as np

    from audioscope.core.batch.vectors import extract_vectors, vectors_for_files

    path = excerpt(path, folder)
    here = vectors_for_files([str(path)])[0]
    if isinstance(here, str):
        return "not tried"                       # nothing to compare (the views said why already)
    matrix, errors = extract_vectors([str(path)] * 2, jobs=2)
    if errors or not np.array_equal(matrix[0], here):
        raise SelfTestFailure(f"feature extraction in worker processes went wrong: {errors or 'other values'}")
    # In the built application sys.executable is audioscope itself, which runs "-c" as Python
    # (skipping flags such as -P, which keeps the current folder off sys.path).
    child = subprocess.run([sys.executable, "-P", "-c", _COMMAND_LINE_EXTRACTION, str(path.resolve())],
                           capture_output=True, text=True, timeout=300, cwd=folder)
    try:
        result = json.loads(child.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise SelfTestFailure(f"command-line feature extraction failed: {child.stderr.strip()[-500:]}") from None
    if result["errors"] or not np.array_equal(np.array(result["first"]), here) or not result["all_equal"]:
        raise SelfTestFailure(f"command-line feature extraction ({result['pool']}) went wrong: "
                              f"{result['errors'] or 'other values'}")
    return result["pool"]


def embedding_runtime() -> str:
    """Which embedding networks ran, and on what: in a built app, onnxruntime and the model
    files must come from the application's own folder (SelfTestFailure otherwise)."""
    from audioscope.core.model.classifier import shared_bundle
    from audioscope.core.model.embedding.runtime import shared_model

    if not shared_bundle().recipe.uses_embeddings:
        return "the clip statistics"
    import onnxruntime

    models = [shared_model(name).model for name in ("birdnet", "aisfx")]
    if getattr(sys, "frozen", False):
        bundle = str(Path(getattr(sys, "_MEIPASS", "")).resolve()) + os.sep
        for path in [Path(onnxruntime.__file__), *(m.path for m in models)]:
            if not str(path.resolve()).startswith(bundle):
                raise SelfTestFailure(f"{path} is not inside the application folder {bundle}")
    return (f"BirdNET + aiSFX embeddings ({', '.join(m.path.name for m in models)}, checked) "
            f"on onnxruntime {onnxruntime.__version__}")


def excerpt(path: Path, folder: Path, seconds: float = EXCERPT_S) -> Path:
    """``path`` itself, or for a longer file its first ``seconds`` as a WAV in ``folder``: the
    worker check computes 42 copies, which for a 30-minute file would take minutes and GBs."""
    import soundfile

    try:
        info = soundfile.info(str(path))
        if info.duration <= seconds:
            return path
        samples, rate = soundfile.read(str(path), frames=int(seconds * info.samplerate), dtype="float32")
    except (soundfile.LibsndfileError, OSError, RuntimeError, ValueError):
        return path            # the loader gives the reason, if there is one
    short = folder / "excerpt.wav"
    soundfile.write(short, samples, rate, subtype="FLOAT")
    return short


# 40 copies: two tasks, so two workers really start (one task would run in the process itself).
_COMMAND_LINE_EXTRACTION = """
import json, sys
import numpy as np
from audioscope.core.batch.vectors import extract_vectors
stats = {}
matrix, errors = extract_vectors([sys.argv[1]] * 40, jobs=2, stats=stats)
print(json.dumps({"pool": stats.get("pool"), "errors": errors, "first": matrix[0].tolist(),
                  "all_equal": bool((matrix == matrix[0]).all())}))
"""


def _run(folder: Path, file: Path | None, started: float) -> str:
    from PySide6.QtCore import QSettings, QThreadPool, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from audioscope.core.dataset.metadata import CLASS_NAMES
    from audioscope.gui.clip.prediction_panel import percent
    from audioscope.gui.window.main_window import MainWindow

    previous_handler = qInstallMessageHandler(_qt_message)
    app = QApplication.instance() or QApplication(["audioscope"])
    deadline = started + TIMEOUT_S
    window = MainWindow(settings=QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    try:
        window.show()
        if window.windowIcon().pixmap(64, 64).isNull():
            raise SelfTestFailure("the application icon cannot be drawn (Qt's SVG plugin is missing?)")
        path = file.resolve() if file is not None else make_tone(folder)
        outcome: dict[str, object] = {}
        window.current.inspected.connect(lambda inspection: outcome.setdefault("ok", inspection))
        window.current.predicted.connect(lambda inspection: outcome.setdefault("predicted", inspection))
        window.current.failed.connect(lambda message: outcome.setdefault("failed", message))
        window.browser.add_files([path])
        _wait(app, lambda: bool(outcome), f"{path.name} to be analysed", deadline)
        if "failed" in outcome:
            raise SelfTestFailure(str(outcome["failed"]).replace("\n", " — "))
        app.processEvents()
        check_views(window.current, outcome["ok"])
        _wait(app, lambda: "predicted" in outcome, f"the prediction of {path.name}", deadline)
        inspection = outcome["predicted"]
        app.processEvents()
        prediction = inspection.prediction
        if prediction is None:
            raise SelfTestFailure(inspection.prediction_problem or "no prediction")
        total = sum(prediction.probabilities.values())
        if prediction.predicted not in CLASS_NAMES or abs(total - 1) > 1e-3:
            raise SelfTestFailure(f"implausible prediction {prediction.probabilities}")
        bars = window.current.predictions.bar_values()
        if len(bars) != len(CLASS_NAMES) or bars[0][0] != prediction.predicted:
            raise SelfTestFailure(f"the prediction panel shows {bars[:1]}, not {prediction.predicted}")
        _wait(app, lambda: window.is_warm, "the model warm-up", deadline)
        command_line_pool = check_parallel_extraction(path, folder)
        audio = portaudio_status()
        runtime = embedding_runtime()
        familiar = {True: ", unlike any training clip", False: ", like training clips", None: ""}
        return (f"audioscope self-test ok: {path.name} {inspection.analysis.clip.duration:.2f} s, "
                f"3 views drawn, predicted '{prediction.predicted}' ({percent(prediction.confidence)}"
                f"{familiar[prediction.unfamiliar]}) from {runtime}, "
                f"worker processes ok ({command_line_pool} for the command line), {audio}, "
                f"in {time.perf_counter() - started:.1f} s")
    finally:
        window.close()
        window.deleteLater()
        app.processEvents()
        # a prediction still running writes the temporary cache: let it end before the folder goes
        QThreadPool.globalInstance().waitForDone(10_000)
        qInstallMessageHandler(previous_handler)


def run_self_test(file: Path | None = None) -> int:
    """The ``--self-test`` command: 0 and one summary line on stdout, or 1 and the reason on stderr."""
    from audioscope.core.store.paths import CACHE_DIR_ENV

    started = time.perf_counter()
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # headless, whatever display there is
    saved_cache_dir = os.environ.get(CACHE_DIR_ENV)
    try:
        with tempfile.TemporaryDirectory(prefix="audioscope-self-test-") as tmp:
            os.environ[CACHE_DIR_ENV] = str(Path(tmp) / "cache")  # the window's own cache, here
            summary = _run(Path(tmp), file, started)
    except SelfTestFailure as exc:
        print(f"audioscope self-test FAILED: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # any other failure is a failed self-test, with its reason
        logging.getLogger(__name__).info("self-test failed", exc_info=True)  # log file; -v: stderr
        print(f"audioscope self-test FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        os.environ.pop(CACHE_DIR_ENV, None)
        if saved_cache_dir is not None:
            os.environ[CACHE_DIR_ENV] = saved_cache_dir
    print(summary, flush=True)
    return 0
