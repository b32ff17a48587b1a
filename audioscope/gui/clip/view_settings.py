"""A compact form for the clip views' analysis and display parameters, remembered in QSettings.

Analysis parameters (FFT size, hop, mel bands, maximum frequency, MFCCs) are emitted together
as one FeatureParams, and only when the combination makes sense: a hop longer than the FFT
window skips samples, and mel bands narrower than the FFT's bin spacing stay empty (black rows).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import TypeVar

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QSettings, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QIcon, QPainter, QPixmap, QValidator
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from audioscope.core.signal.features import FeatureParams
from audioscope.core.signal.mel_scale import empty_bands
from audioscope.gui.clip.clip_views import COLORMAPS, DEFAULT_COLORMAP, DEFAULT_DB_RANGE

log = logging.getLogger(__name__)
T = TypeVar("T")

GROUP = "view"
N_FFT_CHOICES = (512, 1024, 2048, 4096)
HOP_CHOICES = (128, 256, 512, 1024)
N_MELS_CHOICES = (40, 64, 128)
N_MFCC_CHOICES = (13, 20, 40)
FMAX_MIN = 1000
NYQUIST_HZ = FeatureParams().sample_rate // 2
DB_RANGE_LIMITS = (20, 120)
NYQUIST = "Nyquist"
PROBLEM_COLOUR = "#d64545"
_COMBO_KEYS = (("n_fft", N_FFT_CHOICES), ("hop_length", HOP_CHOICES),
               ("n_mels", N_MELS_CHOICES), ("n_mfcc", N_MFCC_CHOICES))


def empty_mel_bands(params: FeatureParams) -> int:
    """How many mel filters contain no FFT bin (librosa's "Empty filters detected")."""
    return empty_bands(params.sample_rate, params.n_fft, params.n_mels, params.fmin, params.f_max)


def check_params(params: FeatureParams) -> str:
    """Why ``params`` make a poor picture, or "" when they are fine."""
    if params.hop_length > params.n_fft:
        return (f"hop {params.hop_length} is longer than the FFT window {params.n_fft}: "
                f"samples between frames would be skipped")
    empty = empty_mel_bands(params)
    if empty:
        return (f"{empty} of {params.n_mels} mel bands would be empty (narrower than the FFT's "
                f"bins): use fewer bands, a larger FFT or a higher max frequency")
    return ""


class _FmaxSpinBox(QSpinBox):
    """Hz from FMAX_MIN to the Nyquist frequency; the top value reads "Nyquist" (fmax=None)."""

    def textFromValue(self, value: int) -> str:  # noqa: N802 (Qt override)
        return NYQUIST if value == self.maximum() else super().textFromValue(value)

    def valueFromText(self, text: str) -> int:  # noqa: N802 (Qt override)
        return self.maximum() if text.strip().lower() == NYQUIST.lower() else super().valueFromText(text)

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        typed = text.strip().lower()
        if typed and NYQUIST.lower().startswith(typed):
            done = typed == NYQUIST.lower()     # "Nyq" is on its way to a valid entry
            return QValidator.State.Acceptable if done else QValidator.State.Intermediate, text, pos
        return super().validate(text, pos)


def _colormap_icon(name: str) -> QIcon:
    pixmap = QPixmap(40, 12)
    painter = QPainter(pixmap)
    painter.fillRect(pixmap.rect(), pg.colormap.get(name).getGradient(QPointF(0, 0), QPointF(40, 0)))
    painter.end()
    return QIcon(pixmap)


class ViewSettings(QWidget):
    """Analysis and display settings for the clip views; read from and written to QSettings."""

    feature_params_changed = Signal(object)   # a valid FeatureParams, only when it changed
    colormap_changed = Signal(str)
    db_range_changed = Signal(float)

    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._defaults = FeatureParams()
        self._combos: dict[str, QComboBox] = {}       # FeatureParams field -> its combo
        ms = 1000 / self._defaults.sample_rate
        self.n_fft_combo = self._combo("n_fft", [(f"{n}  ({n * ms:.0f} ms)", n) for n in N_FFT_CHOICES],
                                       "FFT window length: longer is sharper in frequency, blurrier in time")
        self.hop_combo = self._combo("hop_length", [(f"{n}  ({n * ms:.1f} ms)", n) for n in HOP_CHOICES],
                                     "Samples between successive frames")
        self.n_mels_combo = self._combo("n_mels", [(str(n), n) for n in N_MELS_CHOICES], "Mel bands")
        self.n_mfcc_combo = self._combo("n_mfcc", [(str(n), n) for n in N_MFCC_CHOICES], "MFCCs shown")
        self.fmax_spin = _FmaxSpinBox(minimum=FMAX_MIN, maximum=NYQUIST_HZ, singleStep=500,
                                      keyboardTracking=False, toolTip="Highest frequency of the mel bands")
        self.fmax_spin.valueChanged.connect(self._on_params_edited)
        self.colormap_combo = QComboBox(toolTip="Spectrogram colour map")
        for name in COLORMAPS:
            self.colormap_combo.addItem(_colormap_icon(name), name, name)
        self.colormap_combo.currentIndexChanged.connect(self._on_colormap_chosen)
        self.db_spin = QSpinBox(minimum=DB_RANGE_LIMITS[0], maximum=DB_RANGE_LIMITS[1], singleStep=5,
                                suffix=" dB", keyboardTracking=False,
                                toolTip="Spectrogram colour scale: the top this many dB of the clip")
        self.db_spin.valueChanged.connect(self._on_db_range_edited)
        self.problem_label = QLabel(wordWrap=True)
        self.problem_label.setStyleSheet(f"color: {PROBLEM_COLOUR};")
        small = self.problem_label.font()
        small.setPointSizeF(small.pointSizeF() * 0.9)
        self.problem_label.setFont(small)
        self.problem_label.hide()
        self.defaults_button = QPushButton("Defaults", toolTip="Back to the standard settings")
        self.defaults_button.clicked.connect(self.reset_defaults)

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        for label, widget in (("FFT size", self.n_fft_combo), ("Hop", self.hop_combo),
                              ("Mel bands", self.n_mels_combo), ("Max freq (Hz)", self.fmax_spin),
                              ("MFCCs", self.n_mfcc_combo), ("Colour map", self.colormap_combo),
                              ("dB range", self.db_spin)):
            form.addRow(label, widget)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.defaults_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addStretch(1)

        if settings is not None and settings.status() != QSettings.Status.NoError:
            log.warning("settings file %s is unreadable (%s); using what could be read",
                        settings.fileName(), settings.status().name)
        self._params = self._load_params()
        colormap = self._load("colormap", _parse_colormap, DEFAULT_COLORMAP, "one of " + ", ".join(COLORMAPS))
        db_range = self._load("db_range", _parse_db_range, DEFAULT_DB_RANGE, "%d…%d dB" % DB_RANGE_LIMITS)
        self._show(self._params, colormap, db_range)

    def _combo(self, key: str, items: list[tuple[str, int]], tip: str) -> QComboBox:
        self._combos[key] = combo = QComboBox(toolTip=tip)
        for text, value in items:
            combo.addItem(text, value)
        combo.currentIndexChanged.connect(self._on_params_edited)
        return combo

    # -- public API ---------------------------------------------------------------------
    def feature_params(self) -> FeatureParams:
        """The last valid analysis parameters (what the views should use)."""
        return self._params

    def colormap(self) -> str:
        return self.colormap_combo.currentData()

    def db_range(self) -> float:
        return float(self.db_spin.value())

    def reset_defaults(self) -> None:
        """Standard parameters, colour map and range; emits whatever changed."""
        old_colormap, old_range = self.colormap(), self.db_range()
        self._show(self._defaults, DEFAULT_COLORMAP, DEFAULT_DB_RANGE)
        self._on_params_edited()
        if self.colormap() != old_colormap:
            self._on_colormap_chosen()
        if self.db_range() != old_range:
            self._on_db_range_edited()

    # -- widgets <-> values -------------------------------------------------------------
    def _show(self, params: FeatureParams, colormap: str, db_range: float) -> None:
        """Put values into the widgets without emitting anything."""
        for key, combo in self._combos.items():
            with QSignalBlocker(combo):
                combo.setCurrentIndex(combo.findData(getattr(params, key)))
        with QSignalBlocker(self.fmax_spin):
            self.fmax_spin.setValue(NYQUIST_HZ if params.fmax is None else round(params.fmax))
        with QSignalBlocker(self.colormap_combo):
            self.colormap_combo.setCurrentIndex(self.colormap_combo.findData(colormap))
        with QSignalBlocker(self.db_spin):
            self.db_spin.setValue(round(db_range))
        self.problem_label.hide()

    def _shown_params(self) -> FeatureParams:
        """The FeatureParams the widgets describe (may be a poor combination; never invalid)."""
        fmax = None if self.fmax_spin.value() == NYQUIST_HZ else float(self.fmax_spin.value())
        return dataclasses.replace(self._defaults, fmax=fmax,
                                   **{key: combo.currentData() for key, combo in self._combos.items()})

    # -- slots ----------------------------------------------------------------------------
    def _on_params_edited(self, *_args) -> None:
        try:
            params = self._shown_params()
            problem = check_params(params)
        except ValueError as exc:            # FeatureParams refused the combination
            problem = str(exc).removeprefix("invalid feature parameters: ")
        self.problem_label.setText(problem)
        self.problem_label.setVisible(bool(problem))
        if problem or params == self._params:
            return
        self._params = params
        self._save_params(params)
        self.feature_params_changed.emit(params)

    def _on_colormap_chosen(self, *_args) -> None:
        self._write("colormap", self.colormap())
        self.colormap_changed.emit(self.colormap())

    def _on_db_range_edited(self, *_args) -> None:
        self._write("db_range", self.db_range())
        self.db_range_changed.emit(self.db_range())

    # -- persistence ------------------------------------------------------------------------
    def _write(self, key: str, value: object) -> None:
        if self._settings is not None:
            self._settings.setValue(f"{GROUP}/{key}", value)
            self._settings.sync()

    def _load(self, key: str, parse: Callable[[object], T], default: T, expected: str) -> T:
        """The stored value of ``key`` through ``parse``; ``default`` (with a warning) if unusable."""
        path, fallback = f"{GROUP}/{key}", "the default" if default is None else default
        raw = None if self._settings is None else self._settings.value(path)
        if raw is None:
            if self._settings is not None and self._settings.contains(path):
                log.warning("ignoring setting %s (undecodable); using %s", path, fallback)
            return default
        try:
            return parse(raw)
        except (TypeError, ValueError):
            log.warning("ignoring setting %s = %r (expected %s); using %s", path, raw, expected, fallback)
            return default

    def _load_params(self) -> FeatureParams:
        d = self._defaults
        values = {key: self._load(key, _choice_parser(choices), getattr(d, key),
                                  "one of " + ", ".join(map(str, choices)))
                  for key, choices in _COMBO_KEYS}
        values["fmax"] = self._load("fmax", _parse_fmax, None, f"none or {FMAX_MIN}…{NYQUIST_HZ} Hz")
        try:
            params = dataclasses.replace(d, **values)
            problem = check_params(params)
        except ValueError as exc:
            problem = str(exc)
        if problem:
            log.warning("ignoring the stored analysis settings (%s); using the defaults", problem)
            return d
        return params

    def _save_params(self, params: FeatureParams) -> None:
        for key in self._combos:
            self._write(key, getattr(params, key))
        self._write("fmax", "none" if params.fmax is None else int(params.fmax))


def _choice_parser(choices: tuple[int, ...]) -> Callable[[object], int]:
    def parse(raw: object) -> int:
        value = int(str(raw).strip())
        if value not in choices:
            raise ValueError(value)
        return value
    return parse


def _parse_fmax(raw: object) -> float | None:
    text = str(raw).strip().lower()
    if text == "none":
        return None
    value = int(text)
    if not FMAX_MIN <= value <= NYQUIST_HZ:
        raise ValueError(value)
    return None if value == NYQUIST_HZ else float(value)


def _parse_colormap(raw: object) -> str:
    if not isinstance(raw, str) or raw not in COLORMAPS:
        raise ValueError(raw)
    return raw


def _parse_db_range(raw: object) -> float:
    value = float(str(raw).strip())
    if not DB_RANGE_LIMITS[0] <= value <= DB_RANGE_LIMITS[1]:    # also refuses nan
        raise ValueError(value)
    return value
