"""The workbook's lessons, read from the lesson notebooks themselves: number, title, time, objectives.

Each lesson notebook starts with a markdown cell holding its `# Lesson N: title`, a `**Time:** about
N minutes` line and a `**What you will learn**` (or `**You will learn**`) list. Reading them from there
keeps the start page, the presenter helper and the lessons in step (tests/test_lessons.py checks the
start page).

A lesson's exercise notebook is named from the lesson's own: `01_create_retrieve_update_delete.ipynb` has its
exercises in `01_exercises_create_retrieve_update_delete.ipynb` (`exercises_name`), so that a JupyterLab tab, which
shows a name's first dozen characters, tells a lesson from its exercises. Every name of an exercise notebook (the
generated exercises/, a learner's my-work/, the links to them) comes from here; a learner's copy under the name it
had before (the lesson's own name, `former_name`) is carried over by smworkbook.authoring.copies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from smworkbook.engine.errors import WorkbookError

# helpers/smworkbook/authoring/lessons.py -> the workbook's top folder (the package is installed editable).
ROOT = Path(__file__).resolve().parents[3]
# A lesson notebook's name: its two-digit number, then snake_case words (00 is the start page, not a lesson).
NOTEBOOK = "[0-9][0-9]_*.ipynb"
# The lesson header's parts (authoring rules: tests/test_conventions.py checks every lesson notebook).
# "# Lesson N: title" on the first markdown cell's first heading line.
TITLE = r"^#\s+(?:Lesson\s+\d+:\s*)?(.+)$"
# "**Time:** about N minutes".
TIME = r"\*\*Time:\*\*\D*(\d+)\s*min"
# "**What you will learn**" then a markdown list (items may wrap onto indented lines), at least MIN_OBJECTIVES items.
OBJECTIVES = r"\*\*(?:What )?you will learn:?\*\*:?\s*\n((?:\s*[-*] .*\n?(?:  +\S.*\n?)*)+)"
MIN_OBJECTIVES = 3
# The word between an exercise notebook's number and the lesson's words: "01_exercises_create_...".
EXERCISES_WORD = "exercises"
_NUMBERED = re.compile(r"(\d\d)_(.+)")


def exercises_name(name: str) -> str:
    """The exercise notebook's file name for the lesson (or solutions) notebook named `name`."""
    numbered = _NUMBERED.fullmatch(name)
    if not numbered:
        raise WorkbookError(f"{name!r} is not a lesson notebook's name (two digits, an underscore, then words).")
    return f"{numbered.group(1)}_{EXERCISES_WORD}_{numbered.group(2)}"


def former_name(name: str) -> str | None:
    """The name an exercise notebook named `name` had before exercise notebooks were named apart from their lesson
    (the lesson's own name), or None if `name` is not an exercise notebook's name."""
    numbered = _NUMBERED.fullmatch(name)
    prefix = f"{EXERCISES_WORD}_"
    if not numbered or not numbered.group(2).startswith(prefix):
        return None
    return f"{numbered.group(1)}_{numbered.group(2).removeprefix(prefix)}"


@dataclass
class Lesson:
    """One lesson: its number, title, notebook, exercises notebook, time in minutes and objectives."""

    number: int
    title: str
    notebook: Path
    exercises: Path | None
    minutes: int | None
    objectives: list[str] = field(default_factory=list)


def lessons(root: Path = ROOT) -> list[Lesson]:
    """Every lesson in notebooks/ (not the start page), in order."""
    folder = root / "notebooks"
    if not folder.is_dir():
        raise WorkbookError(f"No lesson notebooks in {folder}: run this from a copy of the workbook.")
    found = []
    for path in sorted(folder.glob(NOTEBOOK)):
        number = int(path.name[:2])
        if number == 0:
            continue
        found.append(_read(number, path, root / "exercises" / exercises_name(path.name)))
    return found


def lesson(number: int, root: Path = ROOT) -> Lesson:
    """The lesson numbered `number` (a clear error if there is none)."""
    known = lessons(root)
    for item in known:
        if item.number == number:
            return item
    numbers = ", ".join(str(item.number) for item in known)
    raise WorkbookError(f"There is no lesson {number!r}. The lessons are: {numbers}.")


def _read(number: int, path: Path, exercises: Path) -> Lesson:
    import nbformat  # here, not at the top: smworkbook.authoring.copies (`make lab`'s first step) imports the names

    notebook = nbformat.read(path, as_version=4)
    header = next((cell.source for cell in notebook.cells if cell.cell_type == "markdown"), "")
    title = re.search(TITLE, header, re.MULTILINE)
    minutes = re.search(TIME, header)
    # Capitalised as the start page, README and other lessons write it ("Rotation that really runs").
    name = title.group(1).strip() if title else path.stem
    objectives = []
    learn = re.search(OBJECTIVES, header, re.IGNORECASE)
    if learn:
        for item in re.split(r"\n\s*[-*] ", "\n" + learn.group(1).strip())[1:]:
            objectives.append(" ".join(item.split()).rstrip(";."))
    return Lesson(
        number=number,
        title=name[:1].upper() + name[1:],
        notebook=path,
        exercises=exercises if exercises.exists() else None,
        minutes=int(minutes.group(1)) if minutes else None,
        objectives=objectives,
    )
