"""core.dataset.metadata on the real metadata, on converted copies, and on every kind of defect."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from audioscope.core.dataset.metadata import CLASS_NAMES, DatasetError, find_dataset_root, load_dataset

HEADER = "slice_file_name,fsID,start,end,salience,fold,classID,class"
GOOD_ROWS = ["100032-3-0-0.wav,100032,0.0,0.317551,1,5,3,dog_bark",
             "100263-2-0-117.wav,100263,58.5,62.5,1,5,2,children_playing",
             "102305-6-0-0.wav,102305,0.0,2.6,2,1,6,gun_shot"]


def test_full_metadata_with_44_files_loads(originals_root):
    ds = load_dataset(originals_root)
    assert ds.n_clips == 8732 and ds.n_available == 44
    table = ds.table
    assert list(table["class"].cat.categories) == list(CLASS_NAMES)
    assert set(table["fold"]) == set(range(1, 11))
    assert (table["duration"] == table["end"] - table["start"]).all()
    assert set(table["salience_name"]) == {"foreground", "background"}
    for path in table.loc[table["available"], "path"]:
        assert Path(path).is_file() and Path(path).is_relative_to(originals_root.resolve())
    assert (table.loc[~table["available"], "path"] == "").all()
    counts = ds.class_fold_counts()
    assert counts.shape == (10, 10) and counts.to_numpy().sum() == 8732
    assert ds.class_fold_counts(available_only=True).to_numpy().sum() == 44
    assert counts.loc["siren", 2] == (table[(table["class"] == "siren") & (table["fold"] == 2)]).shape[0]
    assert any("fold(s) 3, 4, 6, 8, 9, 10" in note for note in ds.notes)


def test_flac_copy_resolves_wav_names_to_flac_files(flac_root):
    ds = load_dataset(flac_root)
    available = ds.table[ds.table["available"]]
    assert len(available) == 1761
    assert set(available["fold"]) == {1, 2}
    assert all(p.endswith(".flac") for p in available["path"])
    assert all(Path(p).stem == Path(n).stem for p, n in zip(available["path"], available["slice_file_name"]))


def test_row_for_file_and_find_root(originals_root):
    path = originals_root / "audio" / "fold5" / "100032-3-0-0.wav"
    assert find_dataset_root(path) == originals_root.resolve()
    row = load_dataset(originals_root).row_for_file(path)
    assert row["classID"] == 3 and row["fold"] == 5 and row["salience_name"] == "foreground"
    assert find_dataset_root(Path("/")) is None


def make_dataset(root: Path, rows: list[str], header: str = HEADER, raw: bytes | None = None) -> Path:
    (root / "metadata").mkdir(parents=True)
    csv = root / "metadata" / "UrbanSound8K.csv"
    if raw is not None:
        csv.write_bytes(raw)
    else:
        csv.write_text("\n".join([header, *rows]) + "\n")
    return csv


@pytest.mark.parametrize("rows,header,expected", [
    (GOOD_ROWS, HEADER.replace(",fold,", ",folds,"), ["missing column(s) 'fold'"]),
    ([GOOD_ROWS[0], GOOD_ROWS[1].replace(",100263,", ",abc,")], HEADER,
     ["row 2 (line 3), column 'fsID'", "'abc' is not an integer"]),
    ([GOOD_ROWS[0], GOOD_ROWS[1].replace(",58.5,", ",soon,")], HEADER,
     ["row 2 (line 3), column 'start'", "not a number"]),
    ([GOOD_ROWS[0], GOOD_ROWS[1].replace(",62.5,", ",50.0,")], HEADER,
     ["row 2 (line 3), column 'end'", "before the start"]),
    ([GOOD_ROWS[0], GOOD_ROWS[1].replace(",1,5,2,", ",3,5,2,")], HEADER,
     ["row 2 (line 3), column 'salience'", "1 (foreground) or 2 (background)"]),
    ([GOOD_ROWS[0], GOOD_ROWS[1].replace(",1,5,2,", ",1,11,2,")], HEADER,
     ["row 2 (line 3), column 'fold'", "between 1 and 10"]),
    ([GOOD_ROWS[0], GOOD_ROWS[1].replace(",1,5,2,", ",1,5,12,")], HEADER,
     ["row 2 (line 3), column 'classID'", "between 0 and 9"]),
    ([GOOD_ROWS[0], GOOD_ROWS[1].replace("children_playing", "kids")], HEADER,
     ["row 2 (line 3), column 'class'", "unknown class 'kids'"]),
    ([GOOD_ROWS[0], GOOD_ROWS[1].replace("children_playing", "siren")], HEADER,
     ["row 2 (line 3), column 'class'", "classID 2 is 'children_playing'", "says 'siren'"]),
    ([*GOOD_ROWS, GOOD_ROWS[0]], HEADER,
     ["row 4 (line 5), column 'slice_file_name'", "already appears in row 1 (line 2)"]),
    ([GOOD_ROWS[0], "," + GOOD_ROWS[1].split(",", 1)[1]], HEADER,
     ["row 2 (line 3), column 'slice_file_name'", "empty"]),
    ([], HEADER, ["a header but no rows"]),
    ([GOOD_ROWS[0] + ",extra,fields"], HEADER, ["not a valid CSV table", "line 2"]),
    ([GOOD_ROWS[0].rsplit(",", 2)[0]], HEADER, ["row 1 (line 2), column 'classID'", "'' is not an integer"]),
    # a repeated header name made frame[column] a DataFrame (AttributeError in every command)
    ([r + ",1" for r in GOOD_ROWS], HEADER + ",fold", ["column 'fold' appears 2 times in the header"]),
    (["x.wav," + r for r in GOOD_ROWS], "slice_file_name," + HEADER,
     ["column 'slice_file_name' appears 2 times in the header"]),
    ([r + ",a,b,c" for r in GOOD_ROWS], HEADER + ",note, note,note ", ["column 'note' appears 3 times"]),
    ([r + ",1,dog_bark" for r in GOOD_ROWS], HEADER + ",fold,class",
     ["column 'fold' appears 2 times, column 'class' appears 2 times in the header"]),
    # integers a float64 cannot hold exactly were stored as -9223372036854775808
    ([GOOD_ROWS[0], GOOD_ROWS[1].replace(",100263,", ",99999999999999999999,")], HEADER,
     ["row 2 (line 3), column 'fsID'", "'99999999999999999999' is out of range"]),
    ([GOOD_ROWS[0], GOOD_ROWS[1].replace(",100263,", ",1e300,")], HEADER,
     ["row 2 (line 3), column 'fsID'", "'1e300' is out of range"]),
    ([GOOD_ROWS[0], GOOD_ROWS[1].replace(",100263,", ",-9223372036854775808,")], HEADER,
     ["row 2 (line 3), column 'fsID'", "'-9223372036854775808' is out of range"]),
    ([GOOD_ROWS[0], GOOD_ROWS[1].replace(",100263,", ",9007199254740993,")], HEADER,
     ["row 2 (line 3), column 'fsID'", "'9007199254740993' is out of range"]),
    ([GOOD_ROWS[0], GOOD_ROWS[1].replace(",1,5,2,", ",1e300,5,2,")], HEADER,
     ["row 2 (line 3), column 'salience'", "'1e300' is out of range"]),
    ([GOOD_ROWS[0], GOOD_ROWS[1].replace(",1,5,2,", ",1,18446744073709551621,2,")], HEADER,
     ["row 2 (line 3), column 'fold'", "'18446744073709551621' is out of range"]),
    ([GOOD_ROWS[0], GOOD_ROWS[1].replace(",1,5,2,", ",1,5,-1e300,")], HEADER,
     ["row 2 (line 3), column 'classID'", "'-1e300' is out of range"]),
])
def test_each_metadata_defect_has_its_own_message(tmp_path, rows, header, expected):
    csv = make_dataset(tmp_path, rows, header)
    with pytest.raises(DatasetError) as info:
        load_dataset(tmp_path)
    message = str(info.value)
    assert message.startswith(str(csv)), message
    for part in expected:
        assert part in message, message


def test_the_largest_exact_integers_are_kept(tmp_path):
    make_dataset(tmp_path, [GOOD_ROWS[0].replace(",100032,", ",9007199254740991,"),
                            GOOD_ROWS[1].replace(",100263,", ",-9007199254740991.0,")])
    assert load_dataset(tmp_path).table["fsID"].tolist() == [2**53 - 1, -(2**53 - 1)]


def test_more_rows_with_the_same_problem_are_counted(tmp_path):
    rows = [r.replace(",5,", ",0,") for r in GOOD_ROWS[:2]]
    make_dataset(tmp_path, rows)
    with pytest.raises(DatasetError, match=r"row 1 \(line 2\), column 'fold'.*\(1 more rows"):
        load_dataset(tmp_path)


def test_non_utf8_bytes_name_the_line(tmp_path):
    raw = ("\n".join([HEADER, *GOOD_ROWS]) + "\n").encode().replace(b"gun_shot", b"gun_sh\xf6t")
    make_dataset(tmp_path, [], raw=raw)
    with pytest.raises(DatasetError, match=r"line 4: not UTF-8 text \(byte 0xf6"):
        load_dataset(tmp_path)


def test_empty_csv_missing_csv_and_not_a_folder(tmp_path):
    make_dataset(tmp_path / "a", [], raw=b"")
    with pytest.raises(DatasetError, match="is empty"):
        load_dataset(tmp_path / "a")
    (tmp_path / "b").mkdir()
    with pytest.raises(DatasetError, match=r"UrbanSound8K\.csv: not found"):
        load_dataset(tmp_path / "b")
    (tmp_path / "file").write_text("x")
    with pytest.raises(DatasetError, match="not a folder"):
        load_dataset(tmp_path / "file")


def test_resolution_by_stem_missing_files_and_escaping_names(tmp_path, originals_root):
    outside = tmp_path / "outside.wav"
    shutil.copy(originals_root / "audio/fold5/100032-3-0-0.wav", outside)
    root = tmp_path / "ds"
    make_dataset(root, [
        "100032-3-0-0.wav,100032,0.0,0.317551,1,5,3,dog_bark",          # present as .ogg
        "100263-2-0-117.wav,100263,58.5,62.5,1,5,2,children_playing",   # missing
        "../../outside.wav,1,0.0,1.0,1,5,3,dog_bark",                     # escapes
        "link.wav,2,0.0,1.0,1,5,3,dog_bark",                              # symlink to outside
        "102305-6-0-0.wav,102305,0.0,2.6,2,1,6,gun_shot",                 # fold folder missing
        f"{outside},3,0.0,1.0,1,5,3,dog_bark",                            # absolute path
    ])
    fold5 = root / "audio" / "fold5"
    fold5.mkdir(parents=True)
    (fold5 / "100032-3-0-0.ogg").write_bytes(b"stand-in")
    (fold5 / "link.wav").symlink_to(outside)
    ds = load_dataset(root)
    assert ds.table["available"].tolist() == [True, False, False, False, False, False]
    assert ds.table.loc[0, "path"] == str(fold5 / "100032-3-0-0.ogg")
    assert any("2 row(s) name a file outside their fold folder" in n and "row 3" in n for n in ds.notes)
    assert any("symbolic links to places outside" in n for n in ds.notes)
    assert any("fold(s) 1" in n for n in ds.notes)


FOLD1 = ["101415-3-0-2.wav,101415,1.0,5.0,1,1,3,dog_bark",        # real clips of the 22 kHz set
         "101415-3-0-3.wav,101415,1.5,5.5,1,1,3,dog_bark",
         "101415-3-0-8.wav,101415,4.0,8.0,1,1,3,dog_bark"]
FOLD2 = ["100652-3-0-0.wav,100652,0.0,4.0,1,2,3,dog_bark"]


def copy_clips(flac_root: Path, rows: list[str], folder: Path) -> None:
    """The real FLAC files of ``rows`` (as named by the 22 kHz set) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for row in rows:
        name = row.split(",", 1)[0]
        fold = row.split(",")[5]
        shutil.copy(flac_root / "audio" / f"fold{fold}" / name.replace(".wav", ".flac"), folder)


@pytest.mark.parametrize("linked", ["audio", "audio/fold1"])
def test_folders_leading_outside_the_dataset_are_not_listed(tmp_path, flac_root, linked):
    outside = tmp_path / "outside"
    copy_clips(flac_root, FOLD1, outside / "fold1")
    copy_clips(flac_root, FOLD2, outside / "fold2")
    root = tmp_path / "ds"
    make_dataset(root, FOLD1 + FOLD2)
    if linked == "audio":
        (root / "audio").symlink_to(outside)
        target, clips = outside, "all 4 clips"
    else:
        copy_clips(flac_root, FOLD2, root / "audio" / "fold2")
        (root / "audio" / "fold1").symlink_to(outside / "fold1")
        target, clips = outside / "fold1", "the 3 clips of fold 1"
    ds = load_dataset(root)
    assert ds.table["available"].tolist() == [False, False, False, linked != "audio"]
    note = f"{root / linked}: leads to {target}, outside the dataset folder {root} — not listed; {clips} are unavailable"
    assert note in ds.notes, ds.notes


@pytest.mark.parametrize("linked", ["csv", "metadata", "passwd"])
def test_metadata_leading_outside_the_dataset_is_refused(tmp_path, flac_root, linked):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "UrbanSound8K.csv").write_text("\n".join([HEADER, *FOLD1]) + "\n")   # a valid table
    root = tmp_path / "ds"
    copy_clips(flac_root, FOLD1, root / "audio" / "fold1")
    (root / "metadata").mkdir(parents=True)
    target = {"csv": outside / "UrbanSound8K.csv", "metadata": outside / "UrbanSound8K.csv",
              "passwd": Path("/etc/passwd")}[linked]
    if linked == "metadata":
        (root / "metadata").rmdir()
        (root / "metadata").symlink_to(outside)
    else:
        (root / "metadata" / "UrbanSound8K.csv").symlink_to(target)
    with pytest.raises(DatasetError) as info:
        load_dataset(root)
    assert str(info.value) == (f"{root / 'metadata' / 'UrbanSound8K.csv'}: leads to {target}, outside the "
                               f"dataset folder {root} — not read")


def test_symlinks_inside_the_dataset_keep_working(tmp_path, flac_root):
    real = tmp_path / "real"
    store = real / "store"
    copy_clips(flac_root, FOLD1, store / "audio" / "fold1")
    copy_clips(flac_root, FOLD2, store / "elsewhere")
    (store / "table.csv").write_text("\n".join([HEADER, *FOLD1, *FOLD2]) + "\n")
    (real / "metadata").mkdir()
    (real / "metadata" / "UrbanSound8K.csv").symlink_to("../store/table.csv")     # metadata file
    (real / "audio").symlink_to("store/audio")                                    # audio/
    (store / "audio" / "fold2").symlink_to("../elsewhere")                        # a fold folder
    (store / "elsewhere" / "100652-3-0-0.flac").rename(store / "clip.flac")
    (store / "elsewhere" / "100652-3-0-0.flac").symlink_to("../clip.flac")        # a file
    (tmp_path / "link").symlink_to(real)                                          # the root itself
    ds = load_dataset(tmp_path / "link")
    assert ds.root == real and ds.notes == []
    assert ds.table["available"].all()
    assert ds.table["path"].tolist()[-1] == str(real / "audio" / "fold2" / "100652-3-0-0.flac")
    assert ds.row_for_file(store / "clip.flac")["fold"] == 2


def test_rows_that_reach_one_file_are_reported_and_opened_once(tmp_path, flac_root):
    root = tmp_path / "ds"
    fold1, fold2 = root / "audio" / "fold1", root / "audio" / "fold2"
    copy_clips(flac_root, FOLD1, fold1)
    fold2.mkdir()
    os.link(fold1 / "101415-3-0-3.flac", fold1 / "hard.flac")
    (fold1 / "soft.flac").symlink_to("101415-3-0-8.flac")
    (fold2 / "other.flac").symlink_to("../fold1/101415-3-0-3.flac")
    make_dataset(root, [
        FOLD1[0],                                          # 1: resolves to 101415-3-0-2.flac
        FOLD1[0].replace(".wav", ".flac"),                 # 2: names that file: clash with 1
        FOLD1[1],                                          # 3
        FOLD1[1].replace("101415-3-0-3.wav", "hard.wav"),  # 4: a hard link to 3's file
        FOLD1[2].replace("101415-3-0-8.wav", "soft.wav"),  # 5: a symlink to 6's file, kept (first)
        FOLD1[2],                                          # 6
        FOLD2[0].replace("100652-3-0-0.wav", "other.wav"),  # 7: fold 2, a symlink to 3's file
    ])
    ds = load_dataset(root)
    assert ds.table["available"].tolist() == [True, False, True, False, True, False, False]
    assert ds.table.loc[4, "path"] == str(fold1 / "soft.flac")
    assert ("rows 1 and 2 both resolve to audio/fold1/101415-3-0-2.flac; row 2 was not opened "
            "(3 more rows reach a file an earlier row uses and were not opened)") in ds.notes, ds.notes
    assert ds.row_for_file(fold1 / "101415-3-0-2.flac").name == 0


def test_a_dangling_symlink_is_missing_not_outside(tmp_path, flac_root):
    root = tmp_path / "ds"
    make_dataset(root, FOLD1[:2])
    copy_clips(flac_root, FOLD1[:1], root / "audio" / "fold1")
    (root / "audio" / "fold1" / "101415-3-0-3.flac").symlink_to("gone.flac")
    ds = load_dataset(root)
    assert ds.table["available"].tolist() == [True, False]
    assert not any("outside" in n for n in ds.notes), ds.notes


def test_a_path_whose_folders_cannot_be_looked_into_belongs_to_no_dataset():
    from audioscope.core.dataset.metadata import row_of_file

    too_long = "/" + "/".join(["p" * 200] * 22) + "/x.wav"       # 4449 characters: ENAMETOOLONG
    assert row_of_file(too_long) is None


def test_the_path_typed_is_shown_and_the_real_path_used(tmp_path, monkeypatch):
    make_dataset(tmp_path / "data" / "ds", GOOD_ROWS)
    (tmp_path / "link").symlink_to(tmp_path / "data" / "ds")
    monkeypatch.chdir(tmp_path / "data")
    typed = load_dataset("ds")
    assert typed.shown_root == "ds" and typed.root == (tmp_path / "data" / "ds").resolve()
    linked = load_dataset(tmp_path / "link")
    assert linked.shown_root == str(tmp_path / "link") and linked.root == typed.root


def test_the_parent_of_one_dataset_folder_opens_it(tmp_path, monkeypatch):
    make_dataset(tmp_path / "downloads" / "UrbanSound8K", GOOD_ROWS)
    (tmp_path / "downloads" / "other").mkdir()
    (tmp_path / "downloads" / "notes.txt").write_text("not a folder")
    monkeypatch.chdir(tmp_path)
    dataset = load_dataset("downloads")
    assert dataset.root == (tmp_path / "downloads" / "UrbanSound8K").resolve()
    assert dataset.shown_root == str(Path("downloads") / "UrbanSound8K")
    assert dataset.n_clips == len(GOOD_ROWS)


def test_a_folder_holding_two_datasets_names_them(originals_root, flac_root):
    parent = originals_root.parent
    assert flac_root.parent == parent                       # ../shared/us8k holds both
    with pytest.raises(DatasetError) as refused:
        load_dataset(parent)
    message = str(refused.value)
    assert message.startswith(f"{parent}: ")
    assert f"{originals_root.name}, {flac_root.name}" in message and "open one of them" in message
