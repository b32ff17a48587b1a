"""ClipViews (offscreen Qt, real clips): drawn data, linked time axes, playhead, hover, clicks."""

from __future__ import annotations

import re

import numpy as np
import pyqtgraph as pg
import pytest
import soundfile as sf
from PySide6.QtCore import QPoint, QPointF, Qt

from audioscope.core.dataset.metadata import load_dataset
from audioscope.core.signal.features import FeatureParams
from audioscope.core.store.cached_analysis import analyse_file
from audioscope.gui.clip.clip_views import MFCC_Z_LIMIT, ClipViews

DOG_BARK = "fold1/31323-3-0-1.wav"    # 44.1 kHz stereo, 4 s, barks with clear mel structure
SIREN = "fold1/40722-8-0-0.wav"       # 11.025 kHz mono 8-bit, 4 s


@pytest.fixture(scope="module")
def dataset(originals_root):
    return load_dataset(originals_root)


@pytest.fixture(scope="module")
def bark(originals_root):
    return analyse_file(originals_root / "audio" / DOG_BARK)


@pytest.fixture
def views(qtbot, bark, dataset):
    widget = ClipViews()
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_analysis(bark, dataset.row_for_file(bark.clip.path))
    return widget


def pixel(views: ClipViews, plot, x: float, y: float) -> QPoint:
    """Viewport pixel of view coordinates (x, y) on ``plot``."""
    scene = plot.getViewBox().mapViewToScene(QPointF(x, y))
    return views.graphics.mapFromScene(scene)


def view_point(views: ClipViews, plot, pos: QPoint) -> QPointF:
    return plot.getViewBox().mapSceneToView(views.graphics.mapToScene(pos))


def test_the_plots_draw_the_features_and_the_header_names_the_clip(views, bark):
    f = bark.features
    np.testing.assert_array_equal(views.mel_image.image, f.mel_db)
    assert views.mel_image.lut.shape[0] == 256
    top = float(f.mel_db.max())
    assert tuple(views.mel_image.levels) == pytest.approx((top - 80, top))
    np.testing.assert_array_equal(views.wave_upper.yData, f.envelope.maxs)
    np.testing.assert_array_equal(views.wave_lower.yData, f.envelope.mins)
    np.testing.assert_array_equal(views.wave_upper.xData, f.envelope.times)
    assert f.envelope.maxs.size == 2000
    # MFCCs: standardised per coefficient, so row 0 (about -300) does not wash out the rest
    shown = views.mfcc_image.image
    assert abs(f.mfcc[0].mean()) > 10 * np.abs(f.mfcc[1:].mean(axis=1)).mean()
    np.testing.assert_allclose(shown.std(axis=1), 1.0, atol=1e-3)
    np.testing.assert_allclose(shown.mean(axis=1), 0.0, atol=1e-3)
    assert tuple(views.mfcc_image.levels) == (-MFCC_Z_LIMIT, MFCC_Z_LIMIT)
    header = views.header.text()
    for part in ("31323-3-0-1.wav", "dog_bark", "fold 1", "background", bark.clip.format.describe()):
        assert part in header


def test_the_frequency_axis_is_in_hz_with_low_frequencies_at_the_bottom(views, bark, qtbot):
    f = bark.features
    ticks = dict((label, y) for y, label in views.mel_ticks.ticks)
    assert ["0", "250", "500", "1k", "2k", "4k", "8k"] == list(ticks)
    # the axis draws those with a text line of room (at this size all; a short plot fewer)
    assert views.mel_plot.getAxis("left")._tickLevels[0] == views.mel_ticks.shown == views.mel_ticks.ticks
    views.resize(1000, 420)
    qtbot.waitUntil(lambda: len(views.mel_ticks.shown) < len(views.mel_ticks.ticks))
    assert views.mel_plot.getAxis("left")._tickLevels[0] == views.mel_ticks.shown
    assert views.mel_ticks.shown[-1][1] == "8k" and set(views.mel_ticks.shown) < set(views.mel_ticks.ticks)
    views.resize(1000, 700)
    centres = f.mel_frequencies
    row_1k = np.searchsorted(centres, 1000)          # first band centred above 1 kHz
    assert row_1k - 0.5 < ticks["1k"] < row_1k + 0.5
    assert ticks["0"] == 0 and all(a < b for a, b in zip(list(ticks.values()), list(ticks.values())[1:]))
    # image row 0 (the lowest mel band) sits at y = 0, the bottom of an upright view
    assert not views.mel_plot.getViewBox().yInverted()
    assert views.mel_image.mapToView(QPointF(0, 0)).y() == pytest.approx(0)
    assert views.mel_image.mapToView(QPointF(0, f.mel_db.shape[0])).y() == pytest.approx(f.mel_db.shape[0])
    # rendered: this clip has far more energy in low bands, so the bottom strip is brighter
    qtbot.wait(10)
    image = views.graphics.grab().toImage()
    rect = views.graphics.mapFromScene(views.mel_plot.getViewBox().sceneBoundingRect()).boundingRect()
    ratio = image.devicePixelRatio()

    def brightness(y0: float, y1: float) -> float:
        values = [image.pixelColor(int(x * ratio), int(y * ratio)).lightness()
                  for x in np.linspace(rect.left() + 5, rect.right() - 5, 40)
                  for y in np.linspace(y0, y1, 5)]
        return float(np.mean(values))

    h = rect.height()
    assert brightness(rect.bottom() - 0.12 * h, rect.bottom() - 0.02 * h) > \
        brightness(rect.top() + 0.02 * h, rect.top() + 0.12 * h) + 40


def test_all_three_plots_follow_one_master_time_axis(views):
    master = views.master
    assert views.mel_plot.getViewBox().linkedView(0) is master
    assert views.mfcc_plot.getViewBox().linkedView(0) is master
    assert views.wave_plot.getViewBox() is master
    for plot, (x0, x1) in ((views.mfcc_plot, (1.0, 2.0)), (views.mel_plot, (0.5, 1.5)),
                           (views.wave_plot, (2.25, 3.5))):
        plot.setXRange(x0, x1, padding=0)
        for other in views.plots.values():
            assert other.getViewBox().viewRange()[0] == pytest.approx([x0, x1], abs=1e-6)


def test_the_playhead_moves_on_all_three_plots(views):
    views.set_playhead(1.25)
    for name, plot in views.plots.items():
        line = views.playheads[name]
        assert line.value() == 1.25 and line.isVisible() and line in plot.items


def test_hovering_reads_out_time_frequency_db_and_mfcc_values(views, bark, qtbot):
    f = bark.features
    ticks = dict((label, y) for y, label in views.mel_ticks.ticks)
    pos = pixel(views, views.mel_plot, 1.5, ticks["1k"])
    qtbot.wait(30)
    qtbot.mouseMove(views.graphics.viewport(), pos)
    qtbot.waitUntil(lambda: "Hz" in views.readout.text())
    text = views.readout.text()
    t, hz, db = (float(x) for x in re.fullmatch(r"t = (\S+) s\s+(\S+) Hz\s+(\S+) dB", text).groups())
    assert t == pytest.approx(1.5, abs=0.01) and hz == pytest.approx(1000, rel=0.03)
    at = view_point(views, views.mel_plot, pos)
    col, row = round(at.x() * f.params.sample_rate / f.params.hop_length), int(at.y())
    assert db == pytest.approx(float(f.mel_db[row, col]), abs=0.05)
    assert views.crosshair.x_lines["waveform"].isVisible() and views.crosshair.x_lines["mfcc"].value() == pytest.approx(at.x())
    assert views.crosshair.y_lines["mel"].isVisible() and not views.crosshair.y_lines["mfcc"].isVisible()

    pos = pixel(views, views.mfcc_plot, 2.0, 3.0)
    qtbot.wait(30)     # pyqtgraph drops mouse moves closer than 1/mouseRateLimit (10 ms)
    qtbot.mouseMove(views.graphics.viewport(), pos)
    qtbot.waitUntil(lambda: "MFCC" in views.readout.text())
    at = view_point(views, views.mfcc_plot, pos)
    col = round(at.x() * f.params.sample_rate / f.params.hop_length)
    assert views.readout.text() == f"t = {at.x():.3f} s   MFCC 3 = {f.mfcc[3, col]:.2f}"
    assert abs(at.x() - 2.0) < 0.01


def test_clicking_a_plot_emits_the_time(views, qtbot):
    for plot, t in ((views.wave_plot, 2.0), (views.mfcc_plot, 0.75)):
        with qtbot.waitSignal(views.time_clicked, timeout=2000) as clicked:
            qtbot.mouseClick(views.graphics.viewport(), Qt.MouseButton.LeftButton,
                             pos=pixel(views, plot, t, 0.0))
        assert clicked.args[0] == pytest.approx(t, abs=0.01)


def test_clear_shows_the_message_and_a_new_clip_brings_the_plots_back(views, bark):
    views.clear("File missing: audio/fold3/1234-5-0-0.wav")
    assert views.analysis is None and views.message.isVisible() and not views.graphics.isVisible()
    assert views.message.text() == "File missing: audio/fold3/1234-5-0-0.wav"
    assert views.mel_image.image is None and views.header.text() == ""
    views.set_analysis(bark)
    assert views.graphics.isVisible() and not views.message.isVisible()
    assert "dog_bark" not in views.header.text() and "31323-3-0-1.wav" in views.header.text()


def test_colour_map_db_range_and_a_shared_colour_scale(views, bark, originals_root):
    top = float(bark.features.mel_db.max())
    views.set_colormap("viridis")
    np.testing.assert_array_equal(views.mel_image.lut, pg.colormap.get("viridis").getLookupTable(nPts=256))
    assert views.colormap == "viridis"
    with pytest.raises(ValueError, match="unknown colour map"):
        views.set_colormap("no-such-map")
    views.set_db_range(60)
    assert tuple(views.mel_image.levels) == pytest.approx((top - 60, top))
    views.set_levels(-100.0, -10.0)                         # one scale for two clips
    siren = analyse_file(originals_root / "audio" / SIREN)
    views.set_analysis(siren)
    assert tuple(views.mel_image.levels) == (-100.0, -10.0) == views.levels()
    assert tuple(views.mel_bar.levels()) == (-100.0, -10.0)
    views.set_levels(None)
    siren_top = float(siren.features.mel_db.max())
    assert tuple(views.mel_image.levels) == pytest.approx((siren_top - 90, siren_top))


def test_drawing_the_same_clip_again_leaves_the_axes_alone(views, bark, dataset, monkeypatch):
    # set_analysis's speed (median under 0.25 s for a 4 s clip) is measured by `make bench`;
    # here, the work it skips when nothing changed: new frequency ticks or a new amplitude
    # range would redraw their axes on every selection.
    row = dataset.row_for_file(bark.clip.path)
    calls = []
    axis = views.mel_plot.getAxis("left")
    real_ticks, real_range = axis.setTicks, views.wave_plot.setYRange
    monkeypatch.setattr(axis, "setTicks", lambda *a, **k: calls.append("ticks") or real_ticks(*a, **k))
    monkeypatch.setattr(views.wave_plot, "setYRange",
                        lambda *a, **k: calls.append("range") or real_range(*a, **k))
    for _ in range(15):
        views.set_analysis(bark, row)
    assert calls == []
    assert views.mel_image.image.shape == bark.features.mel_db.shape   # and the clip is drawn
    views.set_analysis(analyse_file(bark.clip.path, FeatureParams(n_mels=64)), row)
    assert calls == ["ticks"]                            # a new mel axis does get new ticks


def test_a_repaint_that_changes_no_axis_blits_them_from_their_cache(views, qtbot, monkeypatch):
    """The prediction and the why strip repaint the plots; the axes, unchanged, come from
    their pixmap caches instead of replaying every tick label (gui/clip/axis_cache.py)."""
    axes = [item for item in views.graphics.scene().items() if isinstance(item, pg.AxisItem)]
    assert len([a for a in axes if a.isVisible()]) >= 8
    views.graphics.viewport().repaint()                      # fills the caches
    painted = []
    real_paint = pg.AxisItem.paint
    monkeypatch.setattr(pg.AxisItem, "paint", lambda self, *a: painted.append(self) or real_paint(self, *a))
    views.graphics.viewport().repaint()
    assert painted == []
    views.master.setXRange(0.5, 2.0, padding=0)               # a new time range: its axis renders again
    views.graphics.viewport().repaint()
    assert views.mfcc_plot.getAxis("bottom") in painted


@pytest.mark.slow
def test_a_ten_minute_file_is_drawn_decimated(qtbot, tmp_path, flac_root):
    from audioscope.core.inspection.view_images import MAX_IMAGE_COLUMNS

    files = sorted((flac_root / "audio" / "fold1").glob("*.flac"))
    pieces, total = [], 0
    for path in files:                       # real audio: fold 1 clips back to back
        data, rate = sf.read(path, dtype="float32")
        pieces.append(data)
        total += data.size
        if total >= 600 * rate:
            break
    long_file = tmp_path / "ten_minutes.wav"
    sf.write(long_file, np.concatenate(pieces)[:600 * rate], rate, subtype="PCM_16")
    analysis = analyse_file(long_file)
    assert analysis.features.envelope.maxs.size == 2000 and analysis.features.mel_db.shape[1] > 25000
    widget = ClipViews()
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_analysis(analysis)
    widget.graphics.grab()                   # forces a full render of all three plots
    # its time (under 2 s) is measured by `make bench`; what bounds it: the images drawn are
    # decimated to MAX_IMAGE_COLUMNS columns, the waveform is the 2000-bin envelope
    assert widget.mel_image.image.shape == (analysis.features.mel_db.shape[0], MAX_IMAGE_COLUMNS)
    assert widget.mfcc_image.image.shape == (analysis.features.mfcc.shape[0], MAX_IMAGE_COLUMNS)
    assert widget.wave_upper.getData()[0].size == 2000
    assert widget.master.viewRange()[0] == pytest.approx([0, 600], abs=0.05)


def test_long_spectrograms_are_decimated_for_drawing_only():
    from audioscope.core.inspection.view_images import MAX_IMAGE_COLUMNS, decimate_columns

    image = np.random.default_rng(0).normal(size=(128, 25_840)).astype(np.float32)
    peaks = decimate_columns(image, np.maximum)
    assert peaks.shape == (128, MAX_IMAGE_COLUMNS)
    assert peaks.max() == image.max() and (peaks.max(axis=1) == image.max(axis=1)).all()
    means = decimate_columns(image, np.add, mean=True)
    assert means.shape == (128, MAX_IMAGE_COLUMNS)
    first = int(np.linspace(0, 25_840, MAX_IMAGE_COLUMNS + 1)[1])  # frames in the first column
    np.testing.assert_allclose(means[:, 0], image[:, :first].mean(axis=1), atol=1e-6)
    short = image[:, :173]
    assert decimate_columns(short, np.maximum) is short
