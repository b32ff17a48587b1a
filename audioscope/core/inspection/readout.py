"""The texts of the clip views: the header line, and the read-out under the pointer (time, and
the value of the plot it is over)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np

from audioscope.core.signal.features import Features
from audioscope.core.store.cached_analysis import Analysis

if TYPE_CHECKING:                  # imported where used: the window paints before pandas loads
    import pandas as pd


def point_readout(features: Features, plot: str, t: float, y: float,
                  mel_axis: tuple[np.ndarray, np.ndarray] | None) -> str:
    """"t = … s" and, inside a clip's span, the amplitude range ('waveform'), the frequency
    and level ('mel', with ``mel_axis`` from ``view_images.mel_axis``) or the coefficient
    ('mfcc') at view coordinates (``t``, ``y``)."""
    text = f"t = {t:.3f} s"
    inside = 0 <= t <= features.duration
    hop_s = features.params.hop_length / features.params.sample_rate
    col = int(np.clip(round(t / hop_s), 0, features.mel_db.shape[1] - 1))
    if plot == "waveform" and inside:
        env = features.envelope
        i = int(np.clip(np.searchsorted(env.times, t, side="right") - 1, 0, env.mins.size - 1))
        text += f"   amplitude {env.mins[i]:+.3f} … {env.maxs[i]:+.3f}"
    elif plot == "mel" and mel_axis is not None and 0 <= y <= features.mel_db.shape[0]:
        hz, ys = mel_axis
        row = min(int(y), features.mel_db.shape[0] - 1)
        text += f"   {np.interp(y, ys, hz):.0f} Hz"
        if inside:
            text += f"   {features.mel_db[row, col]:.1f} dB"
    elif plot == "mfcc" and -0.5 <= y < features.mfcc.shape[0] - 0.5:
        coef = int(round(y))
        text += f"   MFCC {coef}"
        if inside:
            text += f" = {features.mfcc[coef, col]:.2f}"
    return text


def clip_header_parts(analysis: Analysis, row: pd.Series | None) -> tuple[list[str], list[str]]:
    """The line above the plots as HTML parts, most telling first (name, class, fold, salience,
    then the format's), and its warnings: a narrow pane drops parts from the end."""
    clip = analysis.clip
    parts = [f"<b>{html.escape(clip.path.name)}</b>"]
    if row is not None:
        salience = row.get("salience_name", row.get("salience"))
        parts += [html.escape(str(row.get("class", ""))), f"fold {row.get('fold')}",
                  html.escape(str(salience))]
    parts += [html.escape(part) for part in clip.format.describe().split(" · ")]
    warnings = [f"<span style='color:#b35900'>⚠ {html.escape(w)}</span>" for w in clip.warnings]
    return parts, warnings

