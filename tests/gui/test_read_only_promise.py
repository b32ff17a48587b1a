"""Nothing is ever written inside a dataset folder or next to a dropped file."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from audioscope.core.dataset.clip_filter import ClipFilter

WAIT_MS = 30_000


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder below ``folder`` with its content hash (folders: '<dir>')."""
    result = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        result[key] = "<dir>" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return result


def make_read_only(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


@pytest.fixture
def read_only_dataset(tmp_path, originals_root):
    root = tmp_path / "UrbanSound8K"
    (root / "metadata").mkdir(parents=True)
    shutil.copy(originals_root / "metadata" / "UrbanSound8K.csv", root / "metadata")
    for fold in ("fold1", "fold5"):
        shutil.copytree(originals_root / "audio" / fold, root / "audio" / fold)
    drops = tmp_path / "my sounds"
    drops.mkdir()
    shutil.copy(originals_root / "audio" / "fold7" / "101848-9-0-0.wav", drops / "street.wav")
    (drops / "broken.wav").write_text("not audio")
    make_read_only(root)
    make_read_only(drops)
    before = snapshot(root), snapshot(drops)
    yield root, drops, before
    for path in [root, drops, *root.rglob("*"), *drops.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


def test_a_full_session_changes_nothing_in_the_users_folders(qtbot, tmp_path, window, read_only_dataset):
    root, drops, before = read_only_dataset
    with qtbot.waitSignal(window.dataset_opened, timeout=WAIT_MS):
        window.open_dataset(root)
    browser = window.browser
    browser.filter_bar.set_filter(ClipFilter(availability=True), notify=True)
    for row in range(3):  # browse, analyse, predict
        with qtbot.waitSignal(window.current.inspected, timeout=WAIT_MS):
            browser.select_row(row)
    window.pin_current()  # compare
    with qtbot.waitSignal(window.current.inspected, timeout=WAIT_MS):
        browser.select_row(4)
    window.switch_playback()
    window.transport.toggle_play()
    window.transport.stop()
    browser.filter_bar.set_filter(ClipFilter(availability=False), notify=True)
    browser.select_row(0)  # a missing file
    with qtbot.waitSignal(window.current.inspected, timeout=WAIT_MS):
        browser.add_files([drops / "street.wav"])
    with qtbot.waitSignal(window.current.failed, timeout=WAIT_MS):
        browser.add_files([drops / "broken.wav"])
    window.open_files([drops / "street.wav"])              # placed on the map too
    with qtbot.waitSignal(window.dataset_map.map_ready, timeout=120_000):
        window.right_tabs.setCurrentWidget(window.dataset_map)
    qtbot.waitUntil(lambda: str(drops / "street.wav") in window.dataset_map.placements, timeout=WAIT_MS)
    with qtbot.waitSignal(window.gallery.gallery_ready, timeout=120_000):
        window.right_tabs.setCurrentWidget(window.gallery)
    window.right_tabs.setCurrentWidget(window.evaluation)
    browser.filter_bar.set_filter(ClipFilter(availability=True), notify=True)
    browser.select_row(0)
    with qtbot.waitSignal(window.exports.exported, timeout=WAIT_MS):
        window.exports.export_table(tmp_path / "exports" / "clips.csv")
    with qtbot.waitSignal(window.exports.exported, timeout=WAIT_MS):
        window.exports.export_features(tmp_path / "exports" / "features.npz")
    window.close()
    assert (snapshot(root), snapshot(drops)) == before
    assert list((tmp_path / "cache").rglob("*.npz")), "the session did use its own cache folder"


def test_headless_commands_change_nothing_either(tmp_path, read_only_dataset):
    root, drops, before = read_only_dataset
    env = {**os.environ, "AUDIOSCOPE_CACHE_DIR": str(tmp_path / "cache")}
    files = [str(p) for p in sorted((root / "audio").glob("fold*/*.wav"))[:3]] + [str(drops / "street.wav"),
                                                                                  str(drops / "broken.wav")]
    for command in (["info", *files], ["predict", "--json", *files],
                    ["train", "--dataset", str(root), "--out", str(tmp_path / "model"), "--jobs", "1"]):
        result = subprocess.run([sys.executable, "-m", "audioscope", *command], capture_output=True,
                                text=True, env=env, timeout=600)
        assert "Traceback" not in result.stderr, result.stderr
    assert (tmp_path / "model" / "model_card.json").exists()
    assert (snapshot(root), snapshot(drops)) == before
