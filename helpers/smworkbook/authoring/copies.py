"""my-work/'s first-use copies: `smworkbook my-work`, which `make lab` runs before JupyterLab starts.

Files are copied as they are, so nothing here reads a notebook: no notebook library is imported (nbformat's import
alone takes one to three seconds, jsonschema's format checkers). What changes notebooks, `smworkbook update`, is in
smworkbook.authoring.mywork.

Exercise notebooks were once named as their lesson (`01_create_retrieve_update_delete.ipynb` in both notebooks/ and
exercises/); they are now named apart (smworkbook.authoring.lessons.exercises_name). A learner's my-work/ copy under
the former name is carried over to the new one before anything is copied, so that it is neither duplicated nor lost:
renamed when the new name is free, else both are kept and the learner is told.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from smworkbook.authoring.lessons import former_name
from smworkbook.engine.errors import WorkbookError

MY_WORK = "my-work"


def ensure_my_work(root: Path = Path("."), notes: list[str] | None = None) -> list[Path]:
    """Create my-work/ from exercises/ on first use; later, copy only notebooks it does not have yet.

    Returns the notebooks copied. An existing file in my-work/ is never replaced. A copy under an exercise notebook's
    former name is carried over first (`carry_over`); what that did is added to `notes`, one line each.
    """
    root = Path(root)
    released, mine = root / "exercises", root / MY_WORK
    if not released.is_dir():
        raise WorkbookError(f"No folder {released}/. Run this from the workbook's top folder.")
    mine.mkdir(exist_ok=True)
    copied = []
    for path in sorted(released.glob("*.ipynb")):
        said = carry_over(mine, path.name)
        if said and notes is not None:
            notes.append(said)
        if copy_new(path, mine / path.name):
            copied.append(mine / path.name)
    return copied


def carry_over(mine: Path, name: str) -> str | None:
    """Give the learner's copy under the former name of the exercise notebook `name` that name; returns what it did
    (None when there is no such copy). Never replaces or deletes a file whose content is not also under the new name."""
    former = former_name(name)
    if former is None or not (mine / former).is_file():
        return None
    old, new = mine / former, mine / name
    if new.exists():
        return (
            f"{old} (the exercises' former name) and {new} are both here: both are kept as they are. Keep your answers "
            f"in {new.name}, then delete {old.name} once nothing in it is missing; meanwhile grading counts each "
            "exercise's better answer of the two."
        )
    content = old.read_bytes()
    try:
        os.link(old, new)  # fails if `new` appeared meanwhile: never replaces a file
    except FileExistsError:
        return carry_over(mine, name)
    except OSError:  # a file system without hard links: copy, and check the copy byte for byte
        if not copy_new(old, new):
            return carry_over(mine, name)
    if new.read_bytes() != content:
        raise WorkbookError(f"Could not carry {old} over to {new}: {old} stays as it is; delete {new}.")
    old.unlink()
    return f"{old} is now {new} (the exercises' new name, told apart from the lesson's); your answers are in it."


def copy_new(source: Path, target: Path) -> bool:
    """Copy `source` to `target` only if `target` does not exist (never replaces a file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with source.open("rb") as reader, target.open("xb") as writer:
            shutil.copyfileobj(reader, writer)
    except FileExistsError:
        return False
    return True
