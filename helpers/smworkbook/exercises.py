"""Make the learner's exercise notebooks from the solution notebooks (the single source).

In solutions/, each answer sits between `### BEGIN SOLUTION` and `### END SOLUTION`, as in
nbgrader. The learner's copy in exercises/ has each such block replaced by
`# YOUR CODE HERE` + `raise NotImplementedError()` (in markdown cells: YOUR ANSWER HERE), and no
outputs. exercises/ is never edited by hand: `smworkbook exercises` rewrites it and
`smworkbook exercises --check` fails when it is out of date.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat

from .errors import WorkbookError

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
MARKDOWN_STUB = ("YOUR ANSWER HERE",)


def strip_solutions(source: str, stub: tuple[str, ...] = CODE_STUB) -> str:
    """Replace every BEGIN/END SOLUTION block in `source` by `stub`, at the block's indentation."""
    kept: list[str] = []
    inside = False
    for number, line in enumerate(source.splitlines(), start=1):
        marker = line.strip()
        if marker == BEGIN:
            if inside:
                raise WorkbookError(f"line {number}: {BEGIN} inside another solution block.")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            kept.extend(indent + stub_line for stub_line in stub)
        elif marker == END:
            if not inside:
                raise WorkbookError(f"line {number}: {END} without a {BEGIN} before it.")
            inside = False
        elif not inside:
            kept.append(line)
    if inside:
        raise WorkbookError(f"a {BEGIN} has no {END}.")
    return "\n".join(kept)


def make_exercise(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The learner's copy of a solution notebook: answers stubbed out, outputs cleared."""
    exercise = copy.deepcopy(solution)
    exercise.metadata.pop("widgets", None)  # saved widget state is output too
    for cell in exercise.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source)
            cell.outputs = []
            cell.execution_count = None
        elif cell.cell_type == "markdown":
            cell.source = strip_solutions(cell.source, MARKDOWN_STUB)
    return exercise


def _expected(solutions: Path, exercises: Path) -> dict[Path, str]:
    if not solutions.is_dir():
        raise WorkbookError(f"No folder {solutions}/. Run this from the workbook's top folder.")
    expected = {}
    for path in sorted(solutions.glob("*.ipynb")):
        try:
            text = nbformat.writes(make_exercise(nbformat.read(path, as_version=4))) + "\n"
        except WorkbookError as error:
            raise WorkbookError(f"{path}: {error}") from None
        expected[exercises / path.name] = text
    return expected


def generate(solutions: Path = Path("solutions"), exercises: Path = Path("exercises")) -> list[Path]:
    """Write exercises/ from solutions/; returns the notebooks that changed."""
    expected = _expected(solutions, exercises)
    exercises.mkdir(exist_ok=True)
    changed = []
    for path, text in expected.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    for path in sorted(set(exercises.glob("*.ipynb")) - set(expected)):
        path.unlink()  # its solution notebook is gone
        changed.append(path)
    return changed


def out_of_date(solutions: Path = Path("solutions"), exercises: Path = Path("exercises")) -> list[str]:
    """What differs between exercises/ and what solutions/ would generate (empty when in sync)."""
    expected = _expected(solutions, exercises)
    problems = []
    for path, text in expected.items():
        if not path.exists():
            problems.append(f"{path} is missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{path} differs from what {solutions / path.name} generates")
    for path in sorted(set(exercises.glob("*.ipynb")) - set(expected)):
        problems.append(f"{path} has no solution notebook")
    return problems
