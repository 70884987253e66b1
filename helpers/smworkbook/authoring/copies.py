"""my-work/'s first-use copies: `smworkbook my-work`, which `make lab` runs before JupyterLab starts.

Files are copied as they are, so nothing here reads a notebook: no notebook library is imported (nbformat's import
alone takes one to three seconds, jsonschema's format checkers). What changes notebooks, `smworkbook update`, is in
smworkbook.authoring.mywork.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from smworkbook.engine.errors import WorkbookError

MY_WORK = "my-work"


def ensure_my_work(root: Path = Path(".")) -> list[Path]:
    """Create my-work/ from exercises/ on first use; later, copy only notebooks it does not have yet.

    Returns the notebooks copied. An existing file in my-work/ is never replaced.
    """
    root = Path(root)
    released, mine = root / "exercises", root / MY_WORK
    if not released.is_dir():
        raise WorkbookError(f"No folder {released}/. Run this from the workbook's top folder.")
    mine.mkdir(exist_ok=True)
    copied = []
    for path in sorted(released.glob("*.ipynb")):
        if copy_new(path, mine / path.name):
            copied.append(mine / path.name)
    return copied


def copy_new(source: Path, target: Path) -> bool:
    """Copy `source` to `target` only if `target` does not exist (never replaces a file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with source.open("rb") as reader, target.open("xb") as writer:
            shutil.copyfileobj(reader, writer)
    except FileExistsError:
        return False
    return True
