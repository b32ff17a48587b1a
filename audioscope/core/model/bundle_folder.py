"""Where a model bundle may be written, and how it is put there without losing anything.

``train --out DIR`` writes a bundle (model files, card, out-of-fold predictions, report). DIR
may only be

* a folder that does not exist yet,
* an empty folder, or
* an earlier audioscope bundle holding nothing but the files its model card names,

and it may never be the dataset folder, lie inside it or contain it. Anything else is refused
before any work starts (``check_destination``) and checked again just before the new bundle goes
in place, in case something was put there meanwhile. The bundle is written whole into a
temporary folder beside DIR (``staged_bundle``) and moved in at the end; on any failure the
temporary folder goes and DIR is as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from audioscope.core.dataset.write_guard import refusal_to_write
from audioscope.core.model.bundle_files import CARD_NAME
from audioscope.core.store.atomic_file import new_partial, process_exists, remove_stale_partials

# Files `train` writes besides the models the card lists.
REPORT_NAME = "report.txt"
PREDICTIONS_NAME = "cv_predictions.csv"
RELIABILITY_NAME = "reliability.png"
_ASIDE_SUFFIX = ".old"       # an earlier bundle, moved aside while the new one goes in


class DestinationRefused(ValueError):
    """The bundle may not be written there; the message names the folder and says why."""


def bundle_file_names(folder: Path) -> set[str] | None:
    """The names of the files of the audioscope bundle in ``folder`` (as its model card lists
    them), or None when ``folder`` holds no readable audioscope model card."""
    try:
        card = json.loads((folder / CARD_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    models = card.get("models") if isinstance(card, dict) else None
    if not isinstance(models, dict) or "recipe" not in card or "format" not in card:
        return None
    names = {CARD_NAME, REPORT_NAME, PREDICTIONS_NAME, RELIABILITY_NAME}
    novelty = card.get("novelty")
    entries = [*models.values(), *([novelty] if novelty is not None else [])]
    entries += [e["arrays"] for e in models.values() if isinstance(e, dict) and "arrays" in e]
    for entry in entries:
        file = entry.get("file") if isinstance(entry, dict) else None
        if not isinstance(file, str) or Path(file).name != file:
            return None
        names.add(file)
    return names


def check_destination(out: str | Path, dataset_root: str | Path | None = None) -> Path:
    """``out`` resolved, when a bundle may be written there; else DestinationRefused."""
    out = Path(out).expanduser().resolve()
    refusal = refusal_to_write(out, dataset_root, "another --out", folder=True)
    if refusal is not None:
        raise DestinationRefused(refusal)
    if not out.exists() and not out.is_symlink():
        return out
    if not out.is_dir():
        raise DestinationRefused(f"{out}: exists and is not a folder; choose another --out")
    try:
        present = {entry.name for entry in os.scandir(out)}
    except OSError as exc:
        raise DestinationRefused(f"{out}: cannot be listed ({exc.strerror or exc})") from None
    if not present:
        return out
    bundle = bundle_file_names(out)
    if bundle is None:
        raise DestinationRefused(
            f"{out}: the folder is not empty and is not an audioscope model bundle (it has no "
            f"{CARD_NAME} written by audioscope train); audioscope only replaces an empty folder "
            f"or an earlier bundle. Choose a new folder for --out")
    foreign = sorted(present - bundle)
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise DestinationRefused(
            f"{out}: holds an earlier model bundle and files that are not part of it ({shown}); "
            f"audioscope will not replace them. Move them away or choose another --out")
    return out


@contextlib.contextmanager
def staged_bundle(out: str | Path, dataset_root: str | Path | None = None) -> Iterator[Path]:
    """A new temporary folder beside ``out`` to write a bundle into. When the block succeeds
    the bundle goes in place of ``out`` (checked again first); when anything fails, including
    an interrupt, the temporary folder is removed and ``out`` is left as it was."""
    out = check_destination(out, dataset_root)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_staging(out)
        staging = new_partial(out, kind="folder")
    except OSError as exc:
        raise OSError(f"{out.parent}: cannot create the bundle's temporary folder there "
                      f"({exc.strerror or exc})") from None
    try:
        yield staging
        _put_in_place(staging, check_destination(out, dataset_root))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _put_in_place(staging: Path, out: Path) -> None:
    """Move the finished bundle in ``staging`` to ``out``: a new folder is renamed into place;
    an empty one (which may be a mount point or the current folder) receives the files; an
    earlier bundle is swapped for the new one."""
    if not out.exists():
        staging.rename(out)
        return
    bundle = bundle_file_names(out)
    if bundle is None:                     # empty: keep the folder itself, move the files in
        for entry in sorted(staging.iterdir(), key=lambda p: p.name == CARD_NAME):  # card last
            os.replace(entry, out / entry.name)
        return
    aside = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.{os.getpid()}.", suffix=_ASIDE_SUFFIX))
    try:
        out.rename(aside / out.name)
        try:
            staging.rename(out)
        except OSError:
            (aside / out.name).rename(out)        # put the earlier bundle back
            raise
    finally:
        shutil.rmtree(aside, ignore_errors=True)


def remove_stale_staging(out: Path) -> int:
    """Clean up after a process that was killed while writing a bundle for ``out``: its
    temporary folders go, and an earlier bundle it had moved aside but not yet replaced comes
    back. Returns how many folders were dealt with."""
    handled = remove_stale_partials(out, kind="folder")
    for folder in out.parent.glob(f".{_glob_escape(out.name)}.*{_ASIDE_SUFFIX}"):
        pid_text = folder.name[len(out.name) + 2:].split(".", 1)[0]
        if not pid_text.isdigit() or folder.is_symlink() or not folder.is_dir() \
                or process_exists(int(pid_text)):
            continue
        earlier = folder / out.name
        if earlier.is_dir() and not out.exists():
            earlier.rename(out)
        shutil.rmtree(folder, ignore_errors=True)
        handled += 1
    return handled


def _glob_escape(name: str) -> str:
    """``name`` with glob's special characters matched literally."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)
