"""The bundled model: safe loading, its card, per-fold routing, and real original-format clips."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pytest

from audioscope.core.dataset.metadata import CLASS_NAMES, load_dataset
from audioscope.core.model.calibration import scaled
from audioscope.core.model.classifier import (
    ModelLoadError,
    ModelVersionWarning,
    UntrustedModelError,
    bundled_model_dir,
    load_bundle,
)
from audioscope.core.store.cached_analysis import analyse_file


@pytest.fixture(scope="module")
def bundle():
    return load_bundle()


def test_bundle_loads_in_a_fresh_process_and_matches_its_card():
    code = ("import json, warnings; warnings.simplefilter('error')\n"
            "from audioscope.core.model.classifier import load_bundle\n"
            "b = load_bundle()\n"
            "print(json.dumps({'models': sorted(b.models), 'card': sorted(b.card['models']),"
            " 'classes': [m.classes_.tolist() for m in b.models.values()]}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["models"] == data["card"] and "final" in data["models"]
    assert all(classes == list(range(10)) for classes in data["classes"])


def test_the_bundled_model_predicts_with_numpy_alone(flac_root):
    """Its models load from their arrays (no unpickling), and scikit-learn, scipy's optimisers
    and pandas stay unimported while a clip is predicted; the arrays give the pipeline's
    probabilities."""
    import joblib

    path = str(sorted(flac_root.glob("audio/fold2/*.flac"))[0])
    code = ("import json, sys\n"
            "from audioscope.core.model.classifier import load_bundle\n"
            "from audioscope.core.signal.audio import load_clip\n"
            "b = load_bundle()\n"
            f"vector = b.vectors([load_clip({path!r}).signal])[0]\n"
            "raw = {k: m.predict_proba(vector[None])[0].tolist() for k, m in b.models.items()}\n"
            "b.predict_vector(vector, fold=2)\n"
            "print(json.dumps({'vector': vector.tolist(), 'raw': raw, 'loaded': [m for m in "
            "('sklearn', 'scipy.optimize', 'pandas', 'joblib') if m in sys.modules]}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["loaded"] == []
    card = json.loads((bundled_model_dir() / "model_card.json").read_text())
    assert sorted(data["raw"]) == sorted(card["models"])
    for key, entry in card["models"].items():
        assert entry["arrays"]["file"] == f"{key}.npz"
        pipeline = joblib.load(bundled_model_dir() / entry["file"])
        np.testing.assert_allclose(data["raw"][key], pipeline.predict_proba([data["vector"]])[0],
                                   rtol=0, atol=1e-12)


def test_card_describes_the_bundle(bundle):
    card = bundle.card
    assert card["classes"] == list(CLASS_NAMES)
    assert card["training_data"]["folds"] == [1, 2]
    assert card["recipe"] == "clip-embeddings-1" and bundle.recipe.uses_embeddings
    assert card["cross_validation"]["mean_accuracy"] >= 0.71       # leave-one-fold-out, folds 1-2
    assert set(card["cross_validation"]["per_class"]) >= set(CLASS_NAMES)
    assert "CC BY-NC 3.0" in card["data_licence"]
    calibration = card["calibration"]
    assert calibration["bins"] == 15 and bundle.temperature == calibration["temperature"] != 1.0
    assert calibration["ece_calibrated_cross_fitted"] < calibration["ece_uncalibrated"]
    assert (bundled_model_dir() / "reliability.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    total = sum(f.stat().st_size for f in bundled_model_dir().iterdir())
    assert total < 25 * 2**20


def test_a_clip_of_a_held_out_fold_is_predicted_by_that_folds_model(bundle, flac_root):
    ds = load_dataset(flac_root)
    row = ds.table[ds.table["available"] & (ds.table["fold"] == 1)].iloc[0]
    prediction = bundle.predict_file(row["path"], fold=1)
    assert prediction.model == "without_fold_1"
    analysis = analyse_file(row["path"], bundle.feature_params)
    raw = bundle.models["without_fold_1"].predict_proba(bundle.vectors([analysis.clip.signal]))
    direct = scaled(raw, bundle.card["calibration"]["temperature"])[0]     # calibrated
    np.testing.assert_allclose([prediction.probabilities[c] for c in CLASS_NAMES], direct)
    assert prediction.predicted == CLASS_NAMES[int(raw.argmax())]         # calibration keeps it
    assert bundle.model_key(7) == "final" and bundle.model_key(None) == "final"


def test_original_format_clips_are_predicted_about_as_well_as_cross_validation_says(bundle, originals_root):
    # The 44 originals (44.1/48/11 kHz, stereo, 8/24-bit) go through the same loading path as
    # users' files. Folds 1-2 use the model that never saw them, folds 5 and 7 the final model.
    ds = load_dataset(originals_root)
    rows = ds.table[ds.table["available"]]
    hits = [bundle.predict_file(r["path"], fold=int(r["fold"])).predicted == r["class"]
            for _, r in rows.iterrows()]
    accuracy = float(np.mean(hits))
    expected = bundle.card["cross_validation"]["mean_accuracy"]
    # 44 clips: a binomial standard error of about 0.075 around the CV accuracy
    assert accuracy >= expected - 0.2, f"{accuracy:.2f} on the originals vs {expected:.2f} in CV"


def test_a_model_from_elsewhere_needs_the_trust_flag(tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(bundled_model_dir(), copy)
    with pytest.raises(UntrustedModelError, match="pickles and run code"):
        load_bundle(copy)
    assert "final" in load_bundle(copy, trust=True).models


def test_damaged_or_foreign_bundles_give_clear_errors(tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(bundled_model_dir(), copy)
    (copy / "without_fold_1.joblib").write_bytes(b"garbage")
    with pytest.raises(ModelLoadError, match="without_fold_1.joblib: its contents do not match the model card"):
        load_bundle(copy, trust=True)
    shutil.copy(bundled_model_dir() / "without_fold_1.joblib", copy)
    (copy / "final.npz").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ModelLoadError, match=r"final\.npz: its contents do not match the model card"):
        load_bundle(copy, trust=True)
    # arrays the card vouches for, but not a model's (a pickle in disguise is never unpickled)
    np.savez(copy / "final.npz", mean=np.zeros(3), code=np.array([b"cos\nsystem"], dtype=object))
    card = json.loads((copy / "model_card.json").read_text())
    card["models"]["final"]["arrays"]["sha256"] = hashlib.sha256((copy / "final.npz").read_bytes()).hexdigest()
    (copy / "model_card.json").write_text(json.dumps(card))
    with pytest.raises(ModelLoadError, match=r"final\.npz: not a model's arrays"):
        load_bundle(copy, trust=True)
    with pytest.raises(ModelLoadError, match="not found — not a model bundle"):
        load_bundle(tmp_path, trust=True)


def test_a_bundle_needs_the_embedding_files_it_was_trained_on_and_its_novelty_file(tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(bundled_model_dir(), copy)
    card = json.loads((copy / "model_card.json").read_text())
    card["embedding_models"]["birdnet"]["sha256"] = "0" * 64       # trained on other BirdNET files
    (copy / "model_card.json").write_text(json.dumps(card))
    with pytest.raises(ModelLoadError, match="trained on embeddings of birdnet_v2.4_embedding.onnx"):
        load_bundle(copy, trust=True)
    shutil.copy(bundled_model_dir() / "model_card.json", copy / "model_card.json")
    (copy / "novelty.npz").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ModelLoadError, match=r"novelty\.npz: its contents do not match"):
        load_bundle(copy, trust=True)


def test_another_scikit_learn_version_warns_or_fails_clearly(tmp_path):
    """Arrays do not depend on scikit-learn's version; a bundle without them (made before they
    were written, or of the stats recipe) is unpickled, and warns or fails clearly."""
    copy = tmp_path / "model"
    shutil.copytree(bundled_model_dir(), copy)
    card = json.loads((copy / "model_card.json").read_text())
    card["versions"]["scikit-learn"] = "0.24.2"
    (copy / "model_card.json").write_text(json.dumps(card))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        arrays_only = load_bundle(copy, trust=True)
    assert not any(issubclass(w.category, ModelVersionWarning) for w in caught)
    assert type(arrays_only.models["final"]).__name__ == "LogisticArrays"
    for entry in card["models"].values():
        del entry["arrays"]
    (copy / "model_card.json").write_text(json.dumps(card))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        unpickled = load_bundle(copy, trust=True)
    assert any(issubclass(w.category, ModelVersionWarning) and "0.24.2" in str(w.message) for w in caught)
    assert type(unpickled.models["final"]).__name__ == "Pipeline"
    vectors = np.random.default_rng(1).normal(size=(4, 3072))
    np.testing.assert_allclose(unpickled.predict_matrix(vectors), arrays_only.predict_matrix(vectors), atol=1e-12)
    # a file that matches the card but cannot be unpickled: a clear error naming the version
    (copy / "final.joblib").write_bytes(b"\x80\x04not a pickle")
    card["models"]["final"]["sha256"] = hashlib.sha256(b"\x80\x04not a pickle").hexdigest()
    (copy / "model_card.json").write_text(json.dumps(card))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ModelLoadError, match="made with scikit-learn 0.24.2"):
            load_bundle(copy, trust=True)


def test_the_numpy_soft_vote_gives_scikit_learns_probabilities(flac_root):
    """The stats recipe's soft vote (``--recipe stats`` bundles) has a numpy twin."""
    from audioscope.core.batch.vectors import vectors_for_files
    from audioscope.core.model.fast_predict import SoftVote
    from audioscope.core.model.recipes import STATS
    from audioscope.core.training.train import _fit

    files = [str(p) for p in sorted(flac_root.glob("audio/fold*/*.flac"))[::40]]
    vectors = np.array(vectors_for_files(files, recipe=STATS))
    labels = np.array([int(p.rsplit("/", 1)[1].split("-")[1]) for p in files])
    model = _fit(STATS.make_model(len(files)), vectors, labels)
    fast = SoftVote.of(model)
    assert fast is not None                                   # a stats model is recognised
    np.testing.assert_allclose(fast.predict_proba(vectors), model.predict_proba(vectors), rtol=0, atol=1e-12)
    # anything else is not taken for one: callers fall back to scikit-learn
    from sklearn.dummy import DummyClassifier
    assert SoftVote.of(DummyClassifier().fit(vectors, labels)) is None
    assert SoftVote.of(load_bundle().models["final"]) is None    # the embeddings' pipeline
