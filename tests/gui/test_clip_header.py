"""ClipHeader, the line above the plots: one line at any width, the last parts dropped with
"…" when they do not fit, everything in the tooltip, warnings always in full."""

from __future__ import annotations

from audioscope.gui.clip.clip_header import ClipHeader

PARTS = ["<b>103074-7-0-0.wav</b>", "jackhammer", "fold 1", "foreground", "48 kHz", "stereo",
         "24-bit PCM", "WAVEX", "4.00 s"]
WARNING = "<span style='color:#b35900'>⚠ truncated: header says 4.00 s, file holds 1.20 s</span>"


def shown(qtbot, width: int, warnings=()) -> ClipHeader:
    header = ClipHeader()
    qtbot.addWidget(header)
    header.set_parts(PARTS, warnings)
    header.resize(width, header.sizeHint().height())
    header.show()
    qtbot.waitExposed(header)
    return header


def test_a_narrow_header_keeps_one_line_and_drops_the_last_parts(qtbot):
    header = shown(qtbot, 380)
    assert 4 <= header.shown_parts() < len(PARTS)
    assert header.text().endswith(" …</nobr>") and "fold 1" in header.text() and "4.00 s" not in header.text()
    assert header.height() < 2 * header.fontMetrics().height()
    assert "WAVEX · 4.00 s" in header.toolTip() and header.full_text() == header.toolTip()
    assert header.minimumSizeHint().width() == 0              # it never forces its pane wider
    header.resize(1400, header.height())                      # room again: every part
    assert header.shown_parts() == len(PARTS) and "…" not in header.text()


def test_warnings_show_in_full_on_their_own_lines_even_when_narrow(qtbot):
    header = shown(qtbot, 320, [WARNING])
    assert header.shown_parts() < len(PARTS) and WARNING in header.text()
    header.clear()
    assert header.text() == "" and header.toolTip() == "" and header.full_text() == ""
