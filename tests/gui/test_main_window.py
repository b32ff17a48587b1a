"""The explorer window end to end (offscreen): the journeys of docs/user-walkthrough."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from audioscope.core.dataset.clip_files import AUDIO_EXTENSIONS
from audioscope.core.dataset.clip_filter import ClipFilter

WAIT_MS = 30_000


def open_dataset(qtbot, window, root):
    with qtbot.waitSignal(window.dataset_opened, timeout=WAIT_MS):
        window.open_dataset(root)


def select(qtbot, window, proxy_row):
    """Select a row; the inspection once views and prediction are drawn."""
    with qtbot.waitSignal(window.current.predicted, timeout=WAIT_MS) as got:
        window.browser.select_row(proxy_row)
    return got.args[0]


def test_first_start_explains_the_dataset_and_offers_to_open_it(window):
    assert window.browser.open_button.text() == "Open dataset folder…"
    assert window.browser.open_button.isVisible()
    assert "drop an audio file" in window.statusBar().currentMessage()
    assert not window.windowIcon().isNull()


def test_open_filter_select_and_move_down(qtbot, window, flac_root):
    open_dataset(qtbot, window, flac_root)
    browser = window.browser
    # a partial copy (1761 of 8732 files) opens listing the clips on disk, and says so
    assert browser.proxy.rowCount() == 1761
    assert browser.filter_bar.availability_combo.currentText() == "On disk"
    assert "listing the 1761 clips on disk of 8732" in window.statusBar().currentMessage()
    assert window.dataset_label.text().endswith("1761 of 8732 clips on disk")
    counts = browser.overview.counts
    assert counts.loc["siren", 2] == 91

    browser.filter_bar.set_filter(ClipFilter(classes={"siren"}, folds={2}), notify=True)
    assert browser.proxy.rowCount() == 91
    assert "91" in browser.filter_bar.count_label.text()

    first = select(qtbot, window, 0)
    assert first.request.row["class"] == "siren" and first.request.row["fold"] == 2
    assert window.current.views.analysis is first.analysis
    assert first.prediction is not None and first.prediction.model == "without_fold_2"
    values = window.current.predictions.bar_values()
    assert values[0][1] == pytest.approx(first.prediction.confidence)  # drawn highest first
    assert [v[2] for v in values].count(True) == 1  # the true class is marked

    # Down in the table selects the next siren and everything follows
    browser.table.setFocus()
    with qtbot.waitSignal(window.current.inspected, timeout=WAIT_MS) as got:
        qtbot.keyClick(browser.table, Qt.Key.Key_Down)
    second = got.args[0]
    assert second.request.row["class"] == "siren"
    assert second.request.path != first.request.path
    assert window.current.views.analysis is second.analysis


def test_fold_overview_click_filters_the_table(qtbot, window, flac_root):
    open_dataset(qtbot, window, flac_root)
    window.browser.overview.cell_clicked.emit("jackhammer", 1)
    assert window.browser.proxy.rowCount() == 120
    assert window.browser.currentIndex() == 0


def test_a_missing_file_says_so(qtbot, window, originals_root):
    open_dataset(qtbot, window, originals_root)
    window.browser.filter_bar.set_filter(ClipFilter(availability=False), notify=True)
    window.browser.select_row(0)
    qtbot.waitUntil(lambda: "File missing" in window.current.views.message.text(), timeout=WAIT_MS)
    assert "no prediction" in window.current.predictions.verdict_text().lower()
    # the formats the message names are exactly the ones looked for, .mp3 among them (issue 17)
    message = window.current.views.message.text()
    named = set(re.findall(r"\.[a-z0-9]+(?= |,|/| copy)", message.split("(nor", 1)[1]))
    assert named == set(AUDIO_EXTENSIONS) - {".wav"} and ".mp3" in named


def drop(window, paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(100, 100), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)


def test_dropped_files_are_shown_predicted_and_bad_ones_explained(qtbot, window, original_files, tmp_path):
    good = tmp_path / "street.wav"
    shutil.copy(original_files[-1], good)
    broken = tmp_path / "broken.wav"
    broken.write_text("not audio at all")
    with qtbot.waitSignal(window.current.predicted, timeout=WAIT_MS) as got:
        drop(window, [good])
    assert got.args[0].request.path == good and got.args[0].prediction.model == "final"
    assert window.browser.my_files.count() == 1
    with qtbot.waitSignal(window.current.failed, timeout=WAIT_MS) as failed:
        drop(window, [broken])
    assert "broken.wav" in failed.args[0] and "not a readable audio file" in failed.args[0]
    assert "broken.wav" in window.current.views.message.text()
    first_line = window.current.views.message.text().split("\n")[0]
    assert first_line.endswith(").") and ".)" not in first_line and ".." not in first_line
    assert window.browser.my_files.count() == 2
    # the app carries on: selecting the good file again works
    with qtbot.waitSignal(window.current.inspected, timeout=WAIT_MS):
        window.browser.my_files.setCurrentRow(0)


def test_a_truncated_file_is_shown_with_a_warning_in_its_header(qtbot, window, original_files, tmp_path):
    import soundfile as sf

    source = next(p for p in original_files if sf.info(p).duration > 2 and sf.info(p).format == "WAV")
    cut = tmp_path / "cut.wav"
    cut.write_bytes(source.read_bytes()[:20_000])
    with qtbot.waitSignal(window.current.predicted, timeout=WAIT_MS) as got:
        drop(window, [cut])
    assert got.args[0].prediction is not None
    header = window.current.views.header.text()
    assert f"truncated: header says {sf.info(source).duration:.2f} s, file holds" in header


def test_compare_pins_a_and_shares_scale_and_time(qtbot, window, flac_root):
    open_dataset(qtbot, window, flac_root)
    bar = window.browser.filter_bar
    bar.set_filter(ClipFilter(classes={"drilling"}, folds={1}), notify=True)
    a = select(qtbot, window, 0)
    window.pin_current()
    assert window.pinned.isVisible() and window.pinned.views.analysis is a.analysis
    bar.set_filter(ClipFilter(classes={"jackhammer"}, folds={1}), notify=True)
    b = select(qtbot, window, 0)
    assert window.current.views.analysis is b.analysis
    assert window.pinned.views.levels() == window.current.views.levels()
    top = max(a.analysis.features.mel_db.max(), b.analysis.features.mel_db.max())
    assert window.current.views.levels()[1] == pytest.approx(top)
    longest = max(a.analysis.clip.duration, b.analysis.clip.duration)
    for pane in (window.pinned, window.current):  # one time axis, as long as the longer clip
        assert pane.views.master.viewRange()[0] == pytest.approx([0, longest], abs=0.05)
    window.current.views.master.setXRange(0.5, 1.5, padding=0)
    assert window.pinned.views.master.viewRange()[0] == pytest.approx([0.5, 1.5], abs=1e-6)
    assert window.playback.active is window.current
    window.switch_playback()
    assert window.playback.active is window.pinned and "▶" in window.pinned.title.text()
    window.unpin()
    assert not window.pinned.isVisible() and window.playback.active is window.current


def test_a_folder_that_is_not_a_dataset_is_explained_and_nothing_changes(qtbot, window, tmp_path, originals_root):
    open_dataset(qtbot, window, originals_root)
    seen = []

    def read_and_close_dialog():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            box.accept()
        else:
            QTimer.singleShot(20, read_and_close_dialog)

    QTimer.singleShot(0, read_and_close_dialog)
    with qtbot.waitSignal(window.dataset_failed, timeout=WAIT_MS) as failed:
        window.open_dataset(tmp_path)
    assert "UrbanSound8K.csv: not found" in failed.args[0]
    qtbot.waitUntil(lambda: bool(seen), timeout=WAIT_MS)
    assert str(tmp_path) in seen[0]
    assert window.dataset.root == originals_root.resolve()
    assert window.browser.proxy.rowCount() == 44           # still the originals, on disk


def test_title_shows_the_folder_opened_and_a_parent_of_one_dataset_opens_it(qtbot, window, tmp_path,
                                                                             originals_root, flac_root):
    parent = tmp_path / "downloads"
    parent.mkdir()
    (parent / "UrbanSound8K").symlink_to(originals_root)
    open_dataset(qtbot, window, parent)
    assert window.windowTitle() == f"audioscope — {parent / 'UrbanSound8K'}"
    assert window.dataset.root == originals_root.resolve() and window.dataset.n_clips == 8732
    window.dataset_failed.connect(lambda _m: QTimer.singleShot(0, _close_message_box))
    with qtbot.waitSignal(window.dataset_failed, timeout=WAIT_MS) as failed:
        window.open_dataset(originals_root.parent)              # holds two: which one is meant?
    assert f"{originals_root.name}, {flac_root.name}" in failed.args[0]


def _close_message_box() -> None:
    box = QApplication.activeModalWidget()
    if isinstance(box, QMessageBox):
        box.accept()
    else:
        QTimer.singleShot(20, _close_message_box)


def test_gui_thread_stays_responsive_while_a_twenty_minute_file_is_analysed(qtbot, window, flac_root,
                                                                           tmp_path, monkeypatch):
    # How long the GUI thread pauses meanwhile is a speed, measured by `make bench` (section
    # "Responsiveness"); here: the work runs on a pool thread, and the event loop runs on
    # while it does, counted in timer ticks the job waits for (so on any machine).
    import threading

    import soundfile as sf

    from audioscope.core.inspection.view_images import MAX_IMAGE_COLUMNS
    from audioscope.core.signal.audio import load_clip
    from audioscope.gui.clip import clip_pane

    seconds = 1200
    parts, total = [], 0
    for path in sorted(flac_root.glob("audio/fold*/*.flac")):
        parts.append(load_clip(path).signal)
        total += len(parts[-1])
        if total > seconds * 22050:
            break
    long_file = tmp_path / "twenty minutes.flac"
    sf.write(long_file, np.concatenate(parts)[: seconds * 22050], 22050)
    if not window.is_warm:  # start-up imports (model, librosa) run in the background first
        qtbot.waitSignal(window.warmed_up, timeout=WAIT_MS).wait()
    ticks, jobs = [0], []
    ticks_while_running = 20

    def inspect_and_count_ticks(*args, **kwargs):
        """The real decode and analysis; returns once the GUI thread ticked 20 times since it began."""
        first = ticks[0]
        result = real_inspect(*args, **kwargs)
        pause, on_gui_thread = threading.Event(), threading.current_thread() is threading.main_thread()
        for _ in range(3000):               # a hang guard (30 s), not a speed limit
            if ticks[0] - first >= ticks_while_running or on_gui_thread:
                break
            pause.wait(0.01)
        jobs.append((on_gui_thread, ticks[0] - first))
        return result

    real_inspect = clip_pane.inspect_clip
    monkeypatch.setattr(clip_pane, "inspect_clip", inspect_and_count_ticks)
    timer = QTimer(interval=5, timerType=Qt.TimerType.PreciseTimer)
    timer.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
    timer.start()
    with qtbot.waitSignal(window.current.inspected, timeout=120_000) as got:
        window.browser.add_files([long_file])
    timer.stop()
    inspection = got.args[0]
    assert inspection.analysis.clip.duration == pytest.approx(seconds, abs=0.01)
    # decoding and analysis ran in a worker while the event loop kept ticking
    assert len(jobs) == 1, jobs
    on_gui_thread, ticked = jobs[0]
    assert not on_gui_thread and ticked >= ticks_while_running, jobs
    # and the 51 680-frame spectrogram was put on screen decimated (the drawing work is bounded)
    assert inspection.analysis.features.mel_db.shape[1] > 50_000
    views = window.current.views
    assert views.mel_image.image.shape == (inspection.analysis.features.mel_db.shape[0], MAX_IMAGE_COLUMNS)
    assert views.mfcc_image.image.shape[1] == MAX_IMAGE_COLUMNS


def test_a_dropped_dataset_clip_is_judged_by_the_model_that_never_saw_its_fold(qtbot, window, flac_root):
    import pandas as pd

    from audioscope.core.model.classifier import bundled_model_dir

    clip = min(flac_root.glob("audio/fold1/*.flac"))
    assert clip.name == "101415-3-0-2.flac"
    cv = pd.read_csv(bundled_model_dir() / "cv_predictions.csv").set_index("slice_file_name")
    # the bundled model's out-of-fold prediction for it: a dog bark, called a dog bark
    assert tuple(cv.loc["101415-3-0-2.wav", ["fold", "class", "predicted"]]) == (1, "dog_bark", "dog_bark")
    with qtbot.waitSignal(window.current.predicted, timeout=WAIT_MS) as got:
        drop(window, [clip])
    inspection = got.args[0]
    assert inspection.request.row is not None and inspection.request.row["fold"] == 1
    assert inspection.request.true_class == "dog_bark"
    assert inspection.prediction.model == "without_fold_1"
    assert inspection.prediction.predicted == "dog_bark"
    verdict = window.current.predictions.verdict_text()
    assert verdict.startswith("predicted dog bark, ") and " — correct" in verdict and "wrong" not in verdict


def test_dropping_the_shown_file_again_shows_it_again(qtbot, window, original_files, flac_root):
    with qtbot.waitSignal(window.current.inspected, timeout=WAIT_MS):
        drop(window, [original_files[0]])
    open_dataset(qtbot, window, flac_root)
    window.browser.filter_bar.set_filter(ClipFilter(availability=True), notify=True)
    assert select(qtbot, window, 0).request.path != original_files[0]
    with qtbot.waitSignal(window.current.inspected, timeout=WAIT_MS) as got:
        drop(window, [original_files[0]])  # still the current item of "My files"
    assert got.args[0].request.path == original_files[0]
    assert window.browser.my_files.count() == 1


def test_changed_analysis_settings_apply_also_to_a_clip_still_loading(qtbot, window, original_files):
    from audioscope.core.signal.features import FeatureParams

    window.browser.add_files([original_files[1]])  # analysis under way ...
    with qtbot.waitSignal(window.current.inspected, timeout=WAIT_MS) as got:
        window.view_settings.n_mels_combo.setCurrentIndex(window.view_settings.n_mels_combo.findData(40))
    assert window.view_settings.feature_params() == FeatureParams(n_mels=40)
    assert got.args[0].analysis.features.mel_db.shape[0] == 40
    assert window.current.views.analysis.features.mel_db.shape[0] == 40


def test_a_confusion_cell_lists_exactly_its_clips_and_they_play(qtbot, window, flac_root):
    import pandas as pd

    from audioscope.core.model.classifier import bundled_model_dir

    open_dataset(qtbot, window, flac_root)
    window.right_tabs.setCurrentWidget(window.evaluation)
    qtbot.waitUntil(lambda: window.evaluation.isVisible(), timeout=WAIT_MS)
    cv = pd.read_csv(bundled_model_dir() / "cv_predictions.csv")
    wanted = set(cv[(cv["class"] == "siren") & (cv["predicted"] == "children_playing")]["slice_file_name"])
    view = window.evaluation
    qtbot.waitUntil(lambda: view.item_for("siren", "children_playing") is not None, timeout=WAIT_MS)
    rect = view.table.visualItemRect(view.item_for("siren", "children_playing"))
    view.table.scrollToItem(view.item_for("siren", "children_playing"))
    rect = view.table.visualItemRect(view.item_for("siren", "children_playing"))
    with qtbot.waitSignal(window.current.inspected, timeout=WAIT_MS) as first:
        qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    proxy, table = window.browser.proxy, window.browser.table
    listed = {proxy.row_record(i)["slice_file_name"] for i in range(proxy.rowCount())}
    assert listed == wanted and len(wanted) > 10
    # the tab stays in view; the first listed clip is the one shown, selected and highlighted
    assert window.right_tabs.currentWidget() is view
    assert table.currentIndex().row() == 0 and table.selectionModel().isRowSelected(0)
    assert first.args[0].request.row["slice_file_name"] == proxy.row_record(0)["slice_file_name"]
    assert view.stepper.label.text().startswith(f"clip 1 of {len(wanted)}: <b>{proxy.row_record(0)['slice_file_name']}")
    with qtbot.waitSignal(window.current.inspected, timeout=WAIT_MS) as second:
        qtbot.mouseClick(view.stepper.next_button, Qt.MouseButton.LeftButton)
    assert second.args[0].request.row["slice_file_name"] == proxy.row_record(1)["slice_file_name"]
    assert table.selectionModel().isRowSelected(1) and window.right_tabs.currentWidget() is view
    inspection = select(qtbot, window, 0)
    assert inspection.request.row["class"] == "siren"
    assert inspection.prediction.predicted == "children_playing"    # the same model, the same verdict


def test_the_dataset_map_follows_the_table_and_a_click_shows_that_clip(qtbot, window, originals_root,
                                                                       original_files, tmp_path):
    from test_dataset_map_view import isolated_clip

    open_dataset(qtbot, window, originals_root)
    window.browser.filter_bar.set_filter(ClipFilter(folds={1}), notify=True)
    with qtbot.waitSignal(window.dataset_map.map_ready, timeout=120_000):
        window.right_tabs.setCurrentWidget(window.dataset_map)       # computed when first shown
    table = window.dataset.table
    in_fold_1 = set(table[table["available"] & (table["fold"] == 1)]["slice_file_name"])
    assert set(window.dataset_map.shown_names()) == in_fold_1       # filtered like the table
    name, pos = isolated_clip(window.dataset_map, sorted(in_fold_1))
    with qtbot.waitSignal(window.current.inspected, timeout=WAIT_MS) as got:
        qtbot.mouseClick(window.dataset_map.graphics.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert got.args[0].request.row["slice_file_name"] == name
    ring = window.dataset_map.ring.data
    assert (ring["x"][0], ring["y"][0]) == tuple(window.dataset_map.dataset_map.xy[
        window.dataset_map.dataset_map.index_of(name)])               # the selection is ringed
    dropped = tmp_path / "mine.wav"
    shutil.copy(original_files[0], dropped)
    drop(window, [dropped])                                          # shows the file in the Clip tab
    window.right_tabs.setCurrentWidget(window.dataset_map)           # … and places it here
    qtbot.waitUntil(lambda: str(dropped) in window.dataset_map.placements, timeout=WAIT_MS)
    assert len(window.dataset_map.placements[str(dropped)].neighbours) == 5
    with qtbot.waitSignal(window.dataset_map.map_ready, timeout=120_000):
        open_dataset(qtbot, window, originals_root)              # opening resets the table's filter …
    on_disk = set(table[table["available"]]["slice_file_name"])
    assert set(window.dataset_map.shown_names()) == on_disk     # … and the map's with it
    qtbot.waitUntil(lambda: str(dropped) in window.dataset_map.placements, timeout=WAIT_MS)  # re-placed


def test_a_gallery_clip_is_shown_with_one_click(qtbot, window, originals_root):
    open_dataset(qtbot, window, originals_root)
    with qtbot.waitSignal(window.gallery.gallery_ready, timeout=120_000):
        window.right_tabs.setCurrentWidget(window.gallery)            # computed when first shown
    chip = window.gallery.chips("gun_shot", "typical")[0]
    window.gallery.scroll.ensureWidgetVisible(chip)
    with qtbot.waitSignal(window.current.inspected, timeout=WAIT_MS) as got:
        qtbot.mouseClick(chip, Qt.MouseButton.LeftButton)
    assert got.args[0].request.row["slice_file_name"] == chip.clip.slice_file_name
    assert got.args[0].request.row["class"] == "gun_shot"
    assert window.right_tabs.currentIndex() == 0                      # the clip views are shown
