"""core.batch.export: the filtered table and the features of chosen clips, written whole or not at all."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audioscope.core.batch.export import ExportError, export_clip_features, write_table_csv
from audioscope.core.batch.vectors import vectors_for_files
from audioscope.core.dataset.clip_filter import ClipFilter
from audioscope.core.dataset.metadata import load_dataset
from audioscope.core.model.recipes import DEFAULT_RECIPE
from audioscope.core.store.cache import FeatureCache
from audioscope.core.store.cached_analysis import analyse_file


@pytest.fixture(scope="module")
def dataset(flac_root):
    return load_dataset(flac_root)


def test_the_table_csv_holds_exactly_the_rows_shown_in_their_order(dataset, tmp_path):
    table = dataset.table
    shown = table[ClipFilter(classes={"siren"}, folds={2}).mask(table)].sort_values("duration")
    assert write_table_csv(shown, tmp_path / "t.csv") == len(shown) > 50
    back = pd.read_csv(tmp_path / "t.csv")
    assert back["slice_file_name"].tolist() == shown["slice_file_name"].tolist()
    assert list(back.columns[:8]) == ["slice_file_name", "fsID", "start", "end", "salience", "fold",
                                      "classID", "class"]
    assert set(back["class"]) == {"siren"} and set(back["fold"]) == {2}


@pytest.mark.parametrize("suffix", [".csv", ".npz"])
def test_features_of_chosen_clips_open_and_hold_the_clip_vectors(dataset, tmp_path, suffix):
    rows = dataset.table[dataset.table["available"]].iloc[[5, 700, 1200]]
    out = tmp_path / f"features{suffix}"
    assert export_clip_features(rows, out, FeatureCache(tmp_path / "cache")) == []
    expected = np.array(vectors_for_files(rows["path"].tolist()))
    if suffix == ".csv":
        back = pd.read_csv(out)
        assert back["slice_file_name"].tolist() == rows["slice_file_name"].tolist()
        np.testing.assert_allclose(back.iloc[:, 4:].to_numpy(float), expected, rtol=1e-15)
    else:
        with np.load(out) as saved:
            np.testing.assert_array_equal(saved["vectors"], expected)
            assert saved["vectors"].shape == (3, DEFAULT_RECIPE.vector_length) == (3, 3072)
            assert str(saved["recipe"]) == "clip-embeddings-1"
            assert saved["slice_file_name"].tolist() == rows["slice_file_name"].tolist()
            mel = analyse_file(rows["path"].iloc[1]).features.mel_db
            np.testing.assert_array_equal(saved["mel_db_1"], mel)
            assert saved["mfcc_2"].shape[0] == 40


def test_a_failed_export_leaves_no_file_behind(dataset, tmp_path):
    rows = dataset.table[dataset.table["available"]].iloc[:2]
    with pytest.raises(ExportError, match="features.txt"):
        export_clip_features(rows, tmp_path / "features.txt")
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with pytest.raises(ExportError, match="cannot be written"):
        write_table_csv(rows, blocked / "t.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
