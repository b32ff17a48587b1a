"""core.batch.dataset_map: t-SNE layout of clip vectors, placing new vectors, and the map cache."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from audioscope.core.batch.dataset_map import (
    MAX_COMPONENTS,
    N_NEIGHBOURS,
    DatasetMap,
    compute_map,
    file_vectors,
    map_from_vectors,
    map_key,
    perplexity_for,
)
from audioscope.core.batch.vectors import extract_vectors, vectors_for_files
from audioscope.core.dataset.metadata import Dataset, load_dataset
from audioscope.core.store.cache import FeatureCache

CLUSTERS = 4


def clusters(n_per: int = 30, d: int = 20, seed: int = 0):
    """Four tight clusters of ``n_per`` vectors, their centres 40 standard deviations apart."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=20.0, size=(CLUSTERS, d))
    label = np.repeat(np.arange(CLUSTERS), n_per)
    X = centres[label] + rng.normal(size=(len(label), d))
    names = np.array([f"c{c}-{i}.wav" for i, c in enumerate(label)])
    classes = np.array([f"class{c}" for c in label])
    return X, names, classes, label % 2 + 1, centres


@pytest.fixture(scope="module")
def synthetic():
    X, names, classes, folds, centres = clusters()
    return X, names, classes, folds, centres, map_from_vectors(X, names, classes, folds)


def test_well_separated_clusters_stay_separated_on_the_map(synthetic):
    X, names, classes, _folds, _centres, m = synthetic
    assert m.xy.shape == (len(X), 2) and np.isfinite(m.xy).all()
    assert m.slice_file_names.tolist() == names.tolist() and m.classes.tolist() == classes.tolist()
    label = np.array([int(c[-1]) for c in classes])
    centroids = np.array([m.xy[label == c].mean(axis=0) for c in range(CLUSTERS)])
    radius = max(np.linalg.norm(m.xy[label == c] - centroids[c], axis=1).max() for c in range(CLUSTERS))
    gaps = [np.linalg.norm(centroids[a] - centroids[b])
            for a in range(CLUSTERS) for b in range(a + 1, CLUSTERS)]
    assert min(gaps) > 2 * radius          # each cluster's disc is clear of every other one
    # and every point's nearest point on the map is from its own cluster
    distance = np.linalg.norm(m.xy[:, None] - m.xy[None], axis=2)
    np.fill_diagonal(distance, np.inf)
    assert (label[distance.argmin(axis=1)] == label).all()


def test_place_finds_the_exact_nearest_neighbours_of_a_known_clip(synthetic):
    X, names, classes, _folds, _centres, m = synthetic
    # with fewer dimensions than MAX_COMPONENTS the PCA keeps them all: a rotation, so its
    # distances are those of the standardised vectors
    assert m.components.shape == (X.shape[1], X.shape[1]) < (MAX_COMPONENTS, MAX_COMPONENTS)
    standard = (X - X.mean(axis=0)) / X.std(axis=0)
    for i in (0, 37, 119):
        placement = m.place(X[i])
        expected = np.argsort(np.linalg.norm(standard - standard[i], axis=1), kind="stable")
        assert [n for n, _c, _d in placement.neighbours] == names[expected[:N_NEIGHBOURS]].tolist()
        assert placement.neighbours[0] == (names[i], classes[i], pytest.approx(0, abs=1e-9))
        np.testing.assert_allclose([d for *_, d in placement.neighbours],
                                   np.linalg.norm(standard[expected[:N_NEIGHBOURS]] - standard[i], axis=1),
                                   rtol=1e-9, atol=1e-9)
        assert placement.xy == pytest.approx(tuple(m.xy[i]), abs=1e-6)   # a duplicate lands on it


def test_a_new_vector_lands_among_its_own_cluster(synthetic):
    X, _names, classes, _folds, centres, m = synthetic
    new = centres[2] + np.random.default_rng(7).normal(size=X.shape[1])
    placement = m.place(new)
    assert [c for _n, c, _d in placement.neighbours] == ["class2"] * N_NEIGHBOURS
    own = m.xy[classes == "class2"]
    others = m.xy[classes != "class2"]
    here = np.array(placement.xy)
    assert np.linalg.norm(own - here, axis=1).min() < np.linalg.norm(others - here, axis=1).min()
    with pytest.raises(ValueError, match="finite values"):
        m.place(np.full(X.shape[1], np.nan))
    with pytest.raises(ValueError, match="finite values"):
        m.place(new[:-1])


def test_perplexity_suits_the_number_of_clips():
    assert perplexity_for(8732) == 30 and perplexity_for(91) == 30
    assert perplexity_for(31) == 10 and perplexity_for(4) == 1
    assert all(perplexity_for(n) < n for n in range(2, 200))


def test_a_cache_hit_returns_the_identical_map_and_a_corrupt_entry_is_rebuilt(tmp_path):
    X, names, classes, folds, _ = clusters(n_per=12, seed=3)
    cache = FeatureCache(tmp_path / "cache")
    first = map_from_vectors(X, names, classes, folds, cache)
    assert not first.from_cache
    [entry] = list(cache.directory.rglob("*.npz"))
    hit = map_from_vectors(X, names, classes, folds, cache)
    assert hit.from_cache
    for name, value in first.to_arrays().items():
        np.testing.assert_array_equal(hit.to_arrays()[name], value, err_msg=name)
    assert hit.place(X[5]).neighbours == first.place(X[5]).neighbours
    # other vectors, other key: a new map
    changed = X.copy()
    changed[0, 0] += 1e-6
    assert map_key(changed, names, classes, folds) != map_key(X, names, classes, folds)
    assert not map_from_vectors(changed, names, classes, folds, cache).from_cache

    entry.write_bytes(b"not an npz file")
    rebuilt = map_from_vectors(X, names, classes, folds, cache)
    assert not rebuilt.from_cache
    np.testing.assert_allclose(rebuilt.xy, first.xy, atol=1e-6)   # fixed random_state
    assert map_from_vectors(X, names, classes, folds, cache).from_cache   # written again
    # an entry that reads but does not fit (e.g. from a buggy writer) is rebuilt too
    broken = first.to_arrays()
    broken["xy"] = broken["xy"][:-1]
    np.savez(entry, **broken)
    assert not map_from_vectors(X, names, classes, folds, cache).from_cache


def test_too_few_clips_still_give_a_map_and_none_is_an_error():
    X, names, classes, folds, _ = clusters(n_per=1)
    m = map_from_vectors(X[:3], names[:3], classes[:3], folds[:3])
    assert m.xy.shape == (3, 2) and np.isfinite(m.xy).all()
    assert m.place(X[1]).neighbours[0][0] == names[1]
    with pytest.raises(ValueError, match="no readable clips"):
        map_from_vectors(X[:0], names[:0], classes[:0], folds[:0])


@pytest.fixture
def small_dataset(flac_root, tmp_path) -> Dataset:
    """Copies of two real clips per class from fold 1 (their dates are changed below), plus
    one row whose file is not audio."""
    full = load_dataset(flac_root)
    table = full.table[full.table["available"] & (full.table["fold"] == 1)]
    subset = table.groupby("class", observed=True).head(2).reset_index(drop=True)
    (tmp_path / "copies").mkdir()
    subset["path"] = [shutil.copy(p, tmp_path / "copies") for p in subset["path"]]
    broken = tmp_path / "copies" / "broken.flac"
    broken.write_bytes(b"this is not audio")
    subset.loc[len(subset)] = subset.iloc[0]
    subset.loc[len(subset) - 1, ["slice_file_name", "path"]] = ["broken.wav", str(broken)]
    return Dataset(root=full.root, table=subset)


def test_compute_map_of_real_clips_skips_unreadable_ones_and_is_cached(small_dataset, tmp_path):
    cache = FeatureCache(tmp_path / "cache")
    calls = []
    first = compute_map(small_dataset, cache, progress=lambda d, t: calls.append((d, t)), jobs=1)
    table = small_dataset.table
    assert first.slice_file_names.tolist() == table["slice_file_name"].tolist()[:-1]
    assert first.classes.tolist() == table["class"].astype(str).tolist()[:-1]
    assert first.folds.tolist() == [1] * 20 and len(first.skipped) == 1
    assert first.xy.shape == (20, 2) and first.mean.shape == (3072,)     # the embedding space
    assert first.components.shape == (19, 3072)            # min(50, n - 1)
    # extraction progress up to all 21 files, then the embedding phase, marked (0, 0)
    assert calls[0][1] == 21 and (21, 21) in calls and calls[-1] == (0, 0)
    [vector], _ = extract_vectors([table["path"].iloc[4]], cache=cache)   # from the cache
    name, label, distance = first.place(vector).neighbours[0]
    assert (name, label) == (table["slice_file_name"].iloc[4], table["class"].iloc[4])
    assert distance == pytest.approx(0, abs=1e-9)

    calls.clear()
    again = compute_map(small_dataset, cache, progress=lambda d, t: calls.append((d, t)), jobs=1)
    assert again.from_cache and calls == [(21, 21)]        # unchanged files: straight to the map
    np.testing.assert_array_equal(again.xy, first.xy)
    assert again.skipped == first.skipped

    stamp = os.stat(table["path"].iloc[3])
    os.utime(table["path"].iloc[3], ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 10**9))
    calls.clear()
    touched = compute_map(small_dataset, cache, progress=lambda d, t: calls.append((d, t)), jobs=1)
    assert touched.from_cache and (0, 0) in calls          # vectors re-read, same map key
    np.testing.assert_array_equal(touched.xy, first.xy)


def test_file_vectors_give_the_recipe_vector_or_the_reason(original_files, tmp_path):
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF not really")
    out = file_vectors([str(original_files[0]), str(broken)])
    np.testing.assert_array_equal(out[str(original_files[0])], vectors_for_files([str(original_files[0])])[0])
    assert out[str(original_files[0])].shape == (3072,)
    assert isinstance(out[str(broken)], str) and "broken.wav" in out[str(broken)]


def test_the_map_round_trips_through_arrays(synthetic):
    m = synthetic[-1]
    back = DatasetMap.from_arrays(m.to_arrays())
    assert back.index_of(str(m.slice_file_names[17])) == 17 and back.index_of("nope.wav") is None
    np.testing.assert_array_equal(back.reduced, m.reduced)
    assert len(back) == len(m)
