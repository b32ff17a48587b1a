"""ViewSettings: emitted FeatureParams, refused combinations, QSettings persistence, bad stored values."""

from __future__ import annotations

import logging
import warnings

import librosa
import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt

from audioscope.core.signal.features import FeatureParams
from audioscope.gui.clip.clip_views import COLORMAPS, DEFAULT_COLORMAP, DEFAULT_DB_RANGE
from audioscope.gui.clip.view_settings import NYQUIST, ViewSettings, empty_mel_bands


@pytest.fixture
def ini(tmp_path):
    return tmp_path / "s.ini"


def make(qtbot, ini) -> ViewSettings:
    widget = ViewSettings(QSettings(str(ini), QSettings.Format.IniFormat))
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def choose(combo, value) -> None:
    index = combo.findData(value)
    assert index >= 0, f"{value} is not offered"
    combo.setCurrentIndex(index)


def test_starts_with_the_defaults(qtbot, ini):
    view = make(qtbot, ini)
    assert view.feature_params() == FeatureParams()
    assert view.colormap() == DEFAULT_COLORMAP and view.db_range() == DEFAULT_DB_RANGE
    assert view.fmax_spin.text() == NYQUIST and not view.problem_label.isVisible()
    assert [view.colormap_combo.itemData(i) for i in range(view.colormap_combo.count())] == list(COLORMAPS)


def test_choosing_mel_bands_emits_feature_params(qtbot, ini):
    view = make(qtbot, ini)
    with qtbot.waitSignal(view.feature_params_changed) as changed:
        choose(view.n_mels_combo, 64)
    assert changed.args[0] == FeatureParams(n_mels=64)
    assert view.feature_params() == FeatureParams(n_mels=64)
    with qtbot.waitSignal(view.feature_params_changed) as changed:
        choose(view.n_mfcc_combo, 13)
    assert changed.args[0] == FeatureParams(n_mels=64, n_mfcc=13)


def test_hop_longer_than_the_window_is_refused_with_a_reason(qtbot, ini):
    view = make(qtbot, ini)
    seen: list[FeatureParams] = []
    view.feature_params_changed.connect(seen.append)
    choose(view.hop_combo, 1024)
    assert seen == [FeatureParams(hop_length=1024)]
    choose(view.n_fft_combo, 512)
    assert view.problem_label.isVisible()
    assert "hop 1024 is longer than the FFT window 512" in view.problem_label.text()
    assert seen == [FeatureParams(hop_length=1024)]                 # nothing emitted
    assert view.feature_params() == FeatureParams(hop_length=1024)  # still the last valid one
    choose(view.n_fft_combo, 2048)             # back to what was last emitted: no repeat
    assert not view.problem_label.isVisible() and len(seen) == 1
    choose(view.n_fft_combo, 4096)
    assert seen[-1] == FeatureParams(n_fft=4096, hop_length=1024)


def test_empty_mel_bands_are_refused(qtbot, ini):
    view = make(qtbot, ini)
    with qtbot.waitSignal(view.feature_params_changed):
        choose(view.n_fft_combo, 512)            # 128 bands up to Nyquist still fit
    with qtbot.assertNotEmitted(view.feature_params_changed):
        view.fmax_spin.setValue(2000)
    assert "39 of 128 mel bands would be empty" in view.problem_label.text()
    with qtbot.waitSignal(view.feature_params_changed) as changed:
        choose(view.n_mels_combo, 40)
    assert changed.args[0] == FeatureParams(n_fft=512, n_mels=40, fmax=2000.0)
    assert not view.problem_label.isVisible()


@pytest.mark.parametrize("n_fft", [512, 1024, 2048])
@pytest.mark.parametrize("fmax", [1000.0, 1500.0, 2000.0, 4000.0, None])
def test_empty_band_count_matches_librosa(n_fft, fmax):
    params = FeatureParams(n_fft=n_fft, n_mels=128, fmax=fmax)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # librosa's own "Empty filters detected"
        basis = librosa.filters.mel(sr=22050, n_fft=n_fft, n_mels=128, fmin=0.0, fmax=params.f_max)
    assert empty_mel_bands(params) == int(np.count_nonzero(basis.max(axis=1) == 0))


def test_max_frequency_spin_box(qtbot, ini):
    view = make(qtbot, ini)
    spin = view.fmax_spin
    spin.lineEdit().selectAll()
    with qtbot.waitSignal(view.feature_params_changed) as changed:
        qtbot.keyClicks(spin, "8000")
        qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert changed.args[0].fmax == 8000.0 and spin.text() == "8000"
    spin.lineEdit().selectAll()
    with qtbot.waitSignal(view.feature_params_changed) as changed:
        qtbot.keyClicks(spin, "nyquist")
        qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert changed.args[0] == FeatureParams() and spin.text() == NYQUIST


def test_colour_map_and_db_range_signals(qtbot, ini):
    view = make(qtbot, ini)
    with qtbot.waitSignal(view.colormap_changed) as changed:
        choose(view.colormap_combo, "viridis")
    assert changed.args == ["viridis"] and view.colormap() == "viridis"
    with qtbot.waitSignal(view.db_range_changed) as changed:
        view.db_spin.setValue(60)
    assert changed.args == [60.0] and view.db_range() == 60.0


def test_values_persist_to_a_new_widget(qtbot, ini):
    view = make(qtbot, ini)
    choose(view.n_fft_combo, 4096)
    choose(view.n_mels_combo, 64)
    view.fmax_spin.setValue(8000)
    choose(view.colormap_combo, "CET-L16")
    view.db_spin.setValue(100)
    expected = FeatureParams(n_fft=4096, n_mels=64, fmax=8000.0)
    assert view.feature_params() == expected
    assert "n_mels=64" in ini.read_text()                      # written to disk, not only memory

    again = make(qtbot, ini)
    assert again.feature_params() == expected
    assert again.colormap() == "CET-L16" and again.db_range() == 100.0
    assert again.fmax_spin.text() == "8000"


def test_invalid_combination_is_not_persisted(qtbot, ini):
    view = make(qtbot, ini)
    choose(view.hop_combo, 1024)
    choose(view.n_fft_combo, 512)                               # refused
    assert make(qtbot, ini).feature_params() == FeatureParams(hop_length=1024)


def test_garbage_in_the_ini_is_ignored(qtbot, ini, caplog):
    ini.write_text("[view]\nn_fft=abc\nhop_length=333\nn_mels=64\nfmax=99999\nn_mfcc=\n"
                   "colormap=rainbow-unicorn\ndb_range=nan\n")
    with caplog.at_level(logging.WARNING, logger="audioscope.gui.clip.view_settings"):
        view = make(qtbot, ini)
    assert view.feature_params() == FeatureParams(n_mels=64)    # the one good value is kept
    assert view.colormap() == DEFAULT_COLORMAP and view.db_range() == DEFAULT_DB_RANGE
    warned = caplog.text
    for key in ("n_fft", "hop_length", "fmax", "n_mfcc", "colormap", "db_range"):
        assert f"view/{key}" in warned
    assert "view/n_mels" not in warned


@pytest.mark.parametrize("text", [
    "[view]\nn_fft=1, 2, 3\ndb_range=500\ncolormap=@ByteArray(viridis)\n",   # list, range, bytes
    # Qt itself warns that it cannot decode this variant; the widget must still cope
    pytest.param("[view]\nn_mels=@Variant(\\0\\0\\0\\x7f)\ncolormap=@Variant(\\0\\0\\0\\x7f\\0)\n",
                 marks=pytest.mark.qt_log_ignore("QVariant::load")),
    "[view]\nn_fft=512\nhop_length=1024\n",                                    # a refused combination
    "[view]\nfmax=-5\ndb_range=\\xff\\xfe\ncolormap=1,2\n",
    "\x00\x01\x02 not an ini file \xff\n[[[\n",
])
def test_unusable_settings_fall_back_to_defaults(qtbot, tmp_path, text, caplog):
    ini = tmp_path / "s.ini"
    ini.write_bytes(text.encode("latin-1"))
    with caplog.at_level(logging.WARNING):
        view = make(qtbot, ini)
    assert view.feature_params() == FeatureParams()
    assert view.colormap() == DEFAULT_COLORMAP and view.db_range() == DEFAULT_DB_RANGE
    assert "audioscope.gui.clip.view_settings" in caplog.text      # every case is reported


def test_defaults_button_resets_and_announces_everything(qtbot, ini):
    view = make(qtbot, ini)
    choose(view.n_mels_combo, 40)
    choose(view.colormap_combo, "turbo")
    view.db_spin.setValue(50)
    choose(view.hop_combo, 1024)
    choose(view.n_fft_combo, 512)                               # leave it in a refused state
    with qtbot.waitSignals([view.feature_params_changed, view.colormap_changed,
                            view.db_range_changed]):
        qtbot.mouseClick(view.defaults_button, Qt.MouseButton.LeftButton)
    assert view.feature_params() == FeatureParams() and not view.problem_label.isVisible()
    assert (view.colormap(), view.db_range()) == (DEFAULT_COLORMAP, DEFAULT_DB_RANGE)
    assert view.n_fft_combo.currentData() == 2048 and view.hop_combo.currentData() == 512
    assert make(qtbot, ini).feature_params() == FeatureParams()
    with qtbot.assertNotEmitted(view.feature_params_changed):
        view.reset_defaults()                                   # nothing left to change


def test_works_without_settings(qtbot):
    view = ViewSettings()
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.feature_params_changed):
        choose(view.n_mels_combo, 40)
    assert view.feature_params().n_mels == 40
