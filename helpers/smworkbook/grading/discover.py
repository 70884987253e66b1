"""Which notebooks a grade runs and which exercises it expects: read from the notebooks' names and the check registry.

A notebook belongs to the lesson its leading number names (`03_mine.ipynb` is lesson 3); the exercises expected
are those the registry (`smworkbook.checks.EXERCISES`) holds for the lessons present.
"""

from __future__ import annotations

import re
from pathlib import Path

from smworkbook.checks import EXERCISES
from smworkbook.engine.errors import WorkbookError


def lesson_of(path: Path) -> str | None:
    """The lesson a notebook belongs to, from its leading number (None without one)."""
    lesson = re.match(r"(\d+)_", path.name)
    return str(int(lesson.group(1))) if lesson else None


def exercises_of(lessons) -> list[str]:
    """The registered exercises of `lessons` (lesson numbers as text), in the registry's order."""
    return [number for number in EXERCISES if number.split(".")[0] in lessons]


def order(number: str) -> tuple[int, ...]:
    """A sort key that puts exercise 1.10 after 1.9."""
    return tuple(int(part) for part in number.split(".") if part.isdigit())


def lessons() -> list[str]:
    """The registered lessons' numbers, in order."""
    return list(dict.fromkeys(number.split(".")[0] for number in EXERCISES))


def notebooks_and_expected(paths: list[Path] | Path) -> tuple[list[Path], list[str], list[str]]:
    """The notebooks to run, the exercises of the lessons present, and (for a folder) the lessons missing."""
    paths = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    notebooks: list[Path] = []
    present: set[str] = set()
    folder = False
    for path in paths:
        if path.is_dir():
            found = sorted(path.glob("*.ipynb"))
            if not found:
                raise WorkbookError(f"There are no notebooks in {path}/.")
            notebooks.extend(found)
            folder = True
        elif path.suffix == ".ipynb" and path.is_file():
            notebooks.append(path)
        else:
            raise WorkbookError(f"{path} is neither a folder nor a notebook (.ipynb) file.")
    present = {lesson_of(path) for path in notebooks} - {None}
    missing = [lesson for lesson in lessons() if lesson not in present] if folder else []
    return notebooks, sorted(exercises_of(present), key=order), missing
