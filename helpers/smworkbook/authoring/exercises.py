"""Make the learner's exercise notebooks from the solution notebooks (the single source).

In solutions/, each answer sits between `### BEGIN SOLUTION` and `### END SOLUTION`, as in
nbgrader. The generated copy in exercises/ has each such block replaced by
`# YOUR CODE HERE` + `raise NotImplementedError()` (in markdown cells: YOUR ANSWER HERE), and no
outputs. exercises/ is what the workbook ships, as nbgrader's released copy; a learner works in
my-work/ (smworkbook.authoring.mywork). `smworkbook exercises` rewrites the generated copies and
`smworkbook exercises --check` fails when they are out of date.

Every generated copy records, in its metadata, a fingerprint of its cells and of each of its parts
(the set-up, each exercise). The generator rewrites a file only while its cells still match what
a generator wrote: a notebook someone edited, or one it did not write, is never overwritten or
deleted.
"""

from __future__ import annotations

import copy
import hashlib
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from smworkbook.authoring.lessons import exercises_name, former_name
from smworkbook.engine.errors import WorkbookError

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
MARKDOWN_STUB = ("YOUR ANSWER HERE",)
# The generated copy's metadata key: {"fingerprint": ..., "parts": {"start": ..., "1.1": ..., ...}}
# (the set-up cells, and each exercise from its `## Exercise N.M` heading to the next heading).
STAMP = "smworkbook"
START = "start"
# An exercise starts at a markdown cell whose first line is `## Exercise N.M: title` (N.M as registered in
# checks/lessonNN.py): the part the generator fingerprints and `make update` brings to a learner's copy runs from it to
# the next `## ` heading (an authoring rule: tests/test_conventions.py).
EXERCISE_HEADING = re.compile(r"^##\s+Exercise\s+(\d+\.\d+)\b")


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
    """The learner's copy of a solution notebook: answers stubbed out, outputs cleared, fingerprints recorded."""
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
    exercise.metadata[STAMP] = {
        "fingerprint": fingerprint(exercise.cells),
        "parts": {key: fingerprint(cells) for key, cells in parts(exercise) if key == START or is_exercise(key)},
    }
    return exercise


def fingerprint(cells) -> str:
    """A short hash of the cells' kinds and sources (outputs and metadata do not count)."""
    digest = hashlib.sha256()
    for cell in cells:
        digest.update(f"{cell.cell_type}\0{cell.source}\1".encode())
    return digest.hexdigest()[:16]


def parts(notebook: nbformat.NotebookNode) -> list[tuple[str, list]]:
    """The notebook cut at its `## ` headings: ("start", cells before the first), then one part per
    heading, keyed by the exercise number ("1.2") for `## Exercise 1.2: ...`, else by the heading."""
    found: list[tuple[str, list]] = [(START, [])]
    for cell in notebook.cells:
        first = cell.source.lstrip().split("\n", 1)[0] if cell.cell_type == "markdown" else ""
        if first.startswith("## "):
            exercise = EXERCISE_HEADING.match(first)
            found.append((exercise.group(1) if exercise else first, []))
        found[-1][1].append(cell)
    return found


def is_exercise(key: str) -> bool:
    """Whether a part's key names an exercise ("1.2"), not the set-up or another section."""
    return re.fullmatch(r"\d+\.\d+", key) is not None


@dataclass
class Generated:
    """What `generate` did: notebooks written, stale generated copies removed, edited notebooks left alone."""

    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)


def expected(solutions: Path = Path("solutions"), exercises: Path = Path("exercises")) -> dict[Path, str]:
    """The text of every generated copy, by its path in `exercises` (named by lessons.exercises_name)."""
    if not solutions.is_dir():
        raise WorkbookError(f"No folder {solutions}/. Run this from the workbook's top folder.")
    texts = {}
    for path in sorted(solutions.glob("*.ipynb")):
        try:
            text = nbformat.writes(make_exercise(nbformat.read(path, as_version=4))) + "\n"
        except WorkbookError as error:
            raise WorkbookError(f"{path}: {error}") from None
        texts[exercises / exercises_name(path.name)] = text
    return texts


def generate(solutions: Path = Path("solutions"), exercises: Path = Path("exercises")) -> Generated:
    """Write the generated copies in exercises/ from solutions/, leaving every edited notebook alone."""
    texts = expected(solutions, exercises)
    exercises.mkdir(exist_ok=True)
    done = Generated()
    for path, text in texts.items():
        if not path.exists():
            path.write_text(text, encoding="utf-8")
            done.written.append(path)
        elif path.read_text(encoding="utf-8") != text:
            if is_generated(path, text):
                path.write_text(text, encoding="utf-8")
                done.written.append(path)
            else:
                done.kept.append(path)
    for path in sorted(set(exercises.glob("*.ipynb")) - set(texts)):
        # Its solution notebook is gone. A copy the generator wrote goes too; anything else
        # (a learner's own notebook) stays.
        if is_generated(path):
            path.unlink()
            done.removed.append(path)
    return done


def out_of_date(solutions: Path = Path("solutions"), exercises: Path = Path("exercises")) -> list[str]:
    """What differs between exercises/ and what solutions/ would generate (empty when in sync).

    A generated copy with local edits (a learner wrote in it) is judged by its committed version in
    git, which is what the workbook ships; the edits themselves are the learner's, not a defect.
    A notebook in exercises/ that no solution generates counts only if it is generated or committed.
    """
    texts = expected(solutions, exercises)
    problems = []
    for path, text in texts.items():
        source = solutions / (former_name(path.name) or path.name)
        if not path.exists():
            problems.append(f"{path} is missing")
        elif path.read_text(encoding="utf-8") == text:
            continue
        elif is_generated(path, text):
            problems.append(f"{path} differs from what {source} generates")
        else:
            shipped = committed(path)
            if shipped is None:
                problems.append(
                    f"{path} has edits that {source} does not generate "
                    "(the generator leaves them alone; a learner's answers belong in my-work/)"
                )
            elif shipped != text:
                problems.append(f"{path} as committed differs from what {source} generates")
    for path in sorted(set(exercises.glob("*.ipynb")) - set(texts)):
        if is_generated(path) or committed(path) is not None:
            problems.append(f"{path} has no solution notebook")
    return problems


def is_generated(path: Path, text: str | None = None) -> bool:
    """Whether the notebook's cells are still what a generator wrote: its own recorded fingerprint,
    or (for a copy made before fingerprints were recorded) those of `text`, what it would be now."""
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - not a notebook we can read: not ours to touch
        return False
    found = fingerprint(notebook.cells)
    recorded = stamp_of(notebook).get("fingerprint")
    if found == recorded:
        return True
    return text is not None and found == fingerprint(nbformat.reads(text, as_version=4).cells)


def stamp_of(notebook: nbformat.NotebookNode) -> dict:
    """The fingerprints a generated copy recorded in its metadata ({} if it has none)."""
    stamp = notebook.metadata.get(STAMP)
    return stamp if isinstance(stamp, dict) else {}


def committed(path: Path) -> str | None:
    """The file's text in git's HEAD commit, or None (not tracked, or not in a git repository)."""
    try:
        shown = subprocess.run(
            ["git", "-C", str(path.parent), "show", f"HEAD:./{path.name}"],
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return shown.stdout.decode("utf-8", "replace") if shown.returncode == 0 else None
