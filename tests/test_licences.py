"""The licences are stated the same way in the README, the About dialog and the model files."""

from __future__ import annotations

import json
import re
from pathlib import Path

from audioscope.core.model.embedding.runtime import read_manifest
from audioscope.core.model.licences import LICENCES, licences_html

README = Path(__file__).resolve().parents[1] / "README.md"


def _section(text: str, title: str) -> str:
    match = re.search(rf"^## {title}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def test_readme_licences_section_names_every_licence_and_credit() -> None:
    section = _section(README.read_text(encoding="utf-8"), "Licences")
    for exact in ("CC BY-NC-SA 4.0", "CC BY 4.0", "CC BY-NC 3.0", "MIT"):
        assert exact in section
    for credit in ("Kahl", "Cornell Lab of Ornithology", "Chemnitz University of Technology",
                   "ISMIR 2022", "Salamon"):
        assert credit in section


def test_about_dialog_says_the_same_as_the_model_files() -> None:
    about = licences_html()
    models = read_manifest()
    assert models["birdnet"].licence in about and models["aisfx"].licence in about
    assert [entry.licence for entry in LICENCES] == ["MIT", "CC BY-NC-SA 4.0", "CC BY 4.0", "CC BY-NC 3.0"]
    for model in models.values():
        assert (model.path.parent / json.loads((model.path.parent / "manifest.json").read_text())
                ["models"][model.name]["licence_file"]).is_file()


def test_the_bundled_model_card_carries_the_birdnet_licence() -> None:
    from audioscope.core.model.classifier import bundled_model_dir

    card = json.loads((bundled_model_dir() / "model_card.json").read_text())
    assert card["recipe_name"] == "embeddings"
    assert card["model_licence"].startswith("CC BY-NC-SA 4.0")
    assert {m["licence"] for m in card["embedding_models"].values()} == {"CC BY-NC-SA 4.0", "CC BY 4.0"}
