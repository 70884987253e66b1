"""A learner's work is never lost: regenerating, testing, grading and updating leave their answers alone.

On a copy of the repository (the "upstream") and a clone of it (the learner's), the test answers
exercises as a learner would, runs the real `make` targets (with this test run's environment:
nothing installs) and the sync test, then publishes a corrected and a new exercise upstream and
runs `make update` in the learner's clone. Every answer must still be there, unchanged.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from smworkbook.authoring import exercises, lessons

from .conftest import ROOT

LESSON = "01_create_retrieve_update_delete.ipynb"
LESSON_2 = "02_versions_and_staging_labels.ipynb"
EXERCISES = lessons.exercises_name(LESSON)  # the lesson's exercises, in exercises/ and my-work/
MAKE = shutil.which("make")
GIT = shutil.which("git")
VENV = Path(sys.prefix)

pytestmark = pytest.mark.skipif(
    MAKE is None or GIT is None or not (ROOT / ".git").exists(),
    reason="needs make, git and a git clone of the workbook",
)


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run([GIT, "-C", str(cwd), *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


def make(cwd: Path, *args: str, expect: int = 0) -> str:
    """Run a target of the copy's Makefile with this test run's environment; the install step never runs."""
    env = dict(os.environ, PATH=f"{VENV / 'bin'}{os.pathsep}{os.environ['PATH']}")
    env.pop("MAKEFLAGS", None)
    env.pop("CI", None)  # a learner's machine, even under CI: there `make grade` ends calmly (CI=true makes it strict)
    base = [MAKE, "--no-print-directory", "-C", str(cwd), f"VENV={VENV}"]
    # -o: the install steps count as done (this run's environment is already installed)
    done_already = ["-o", f"{VENV}/.lab", "-o", f"{VENV}/.test", "-o", f"{VENV}/bin/python"]
    done = subprocess.run([*base, *done_already, *args], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == expect, f"make {' '.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    return done.stdout + done.stderr


def smworkbook(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        [str(VENV / "bin" / "smworkbook"), *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"smworkbook {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


def answer(notebook: Path, number: str, solutions: Path) -> str:
    """Write the solution of exercise `number` into the learner's `notebook`, as a learner would."""
    source = next(
        cell.source
        for cell in nbformat.read(solutions / (lessons.former_name(notebook.name) or notebook.name), as_version=4).cells
        if f'checks.setup("{number}")' in cell.source
    )
    mine = "\n".join(line for line in source.splitlines() if line.strip() not in (exercises.BEGIN, exercises.END))
    learner = nbformat.read(notebook, as_version=4)
    cell = next(cell for cell in learner.cells if f'checks.setup("{number}")' in cell.source)
    cell.source = mine
    nbformat.write(learner, notebook)
    return mine


def sources(notebook: Path) -> list[str]:
    return [cell.source for cell in nbformat.read(notebook, as_version=4).cells]


def scratch(path: Path) -> bytes:
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("my_notes = 'keep me'")]), path)
    return path.read_bytes()


def publish_a_correction(upstream: Path) -> None:
    """Upstream, an author corrects exercise 1.2's task and adds exercise 1.7, regenerates and commits."""
    path = upstream / "solutions" / LESSON
    notebook = nbformat.read(path, as_version=4)
    cells = notebook.cells
    task = next(i for i, cell in enumerate(cells) if cell.source.startswith("## Exercise 1.2"))
    cells[task].source += "\n\n(Corrected: `api_key` is a string.)"
    last = next(i for i, cell in enumerate(cells) if cell.source.startswith("## Exercise 1.6"))
    added = [nbformat.from_dict(json.loads(json.dumps(cell).replace("1.6", "1.7"))) for cell in cells[last : last + 3]]
    for cell in added:
        cell.id = f"new-{cell.id}"
    notebook.cells = cells[: last + 3] + added + cells[last + 3 :]
    nbformat.write(notebook, path)
    make(upstream, "exercises")
    lesson = nbformat.read(upstream / "notebooks" / LESSON, as_version=4)
    lesson.cells[0].source += "\n\n(Updated.)"  # the lesson the learner ran changes too
    nbformat.write(lesson, upstream / "notebooks" / LESSON)
    git(upstream, "commit", "-qam", "Correct exercise 1.2, add exercise 1.7")


@pytest.fixture
def repositories(tmp_path):
    """(upstream, learner): a copy of this workbook's files as a repository, and a learner's clone of it."""
    upstream, learner = tmp_path / "upstream", tmp_path / "learner"
    listed = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    for name in listed:
        if name and not name.startswith("my-work/") and (ROOT / name).is_file():
            (upstream / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, upstream / name)
    git(tmp_path, "-c", "init.defaultBranch=main", "init", "-q", str(upstream))
    for repo in (upstream,):
        git(repo, "config", "user.email", "author@example.com")
        git(repo, "config", "user.name", "Author")
    git(upstream, "add", "-A")
    git(upstream, "commit", "-qm", "The workbook")
    git(tmp_path, "clone", "-q", str(upstream), str(learner))
    git(learner, "config", "user.email", "learner@example.com")
    git(learner, "config", "user.name", "Learner")
    return upstream, learner


def test_a_learners_answers_survive_every_command_and_an_update(repositories):
    upstream, learner = repositories
    solutions, mine = learner / "solutions", learner / "my-work" / EXERCISES

    # The learner ran lesson 1 (JupyterLab saved its outputs) and wrote a note in lesson 2.
    ran = nbformat.read(learner / "notebooks" / LESSON, as_version=4)
    ran.cells[1].outputs = [nbformat.v4.new_output("stream", text="my run\n")]
    nbformat.write(ran, learner / "notebooks" / LESSON)
    noted = nbformat.read(learner / "notebooks" / LESSON_2, as_version=4)
    noted.cells.append(nbformat.v4.new_markdown_cell("My note: AWSPREVIOUS moves on every update."))
    nbformat.write(noted, learner / "notebooks" / LESSON_2)
    note_bytes = (learner / "notebooks" / LESSON_2).read_bytes()

    # Before my-work/ existed, the learner answered 1.1 in exercises/ and saved notes there.
    legacy = learner / "exercises" / EXERCISES
    first = answer(legacy, "1.1", solutions)
    legacy_bytes = legacy.read_bytes()
    notes_in_exercises = scratch(learner / "exercises" / "my_notes.ipynb")

    # First use (`make lab` runs this before JupyterLab starts): the 1.1 answer comes along.
    assert "smworkbook my-work" in make(learner, "-n", "lab")
    smworkbook(learner, "my-work")
    assert first in sources(mine)
    second = answer(mine, "1.2", solutions)
    notes_in_my_work = scratch(learner / "my-work" / "notes.ipynb")
    git(learner, "add", "my-work")
    git(learner, "commit", "-qm", "My answers")  # as in a fork, where the grading workflow reads them
    third = answer(mine, "1.3", solutions)  # and one more, not committed yet
    answered = sources(mine)

    make(learner, "exercises")
    make(learner, "outputs", "OUTPUTS=notebooks/00_start_here.ipynb")
    assert legacy.read_bytes() == legacy_bytes
    assert (learner / "exercises" / "my_notes.ipynb").read_bytes() == notes_in_exercises
    assert sources(mine) == answered

    # `make grade` grades my-work/ (here one notebook of it, to stay quick).
    assert "smworkbook grade my-work" in make(learner, "-n", "grade")
    graded = make(learner, "grade", f"GRADE=my-work/{EXERCISES}")  # unfinished work is no failure for a learner
    assert "3 of 6 passed so far. Next: exercise 1.4" in graded and "Error" not in graded
    report = json.loads((learner / "artifacts" / "grade" / "report.json").read_text())
    assert {r["number"]: r["status"] for r in report["results"]} == {
        "1.1": "passed",
        "1.2": "passed",
        "1.3": "passed",
        "1.4": "not attempted",
        "1.5": "not attempted",
        "1.6": "not attempted",
    }

    # The sync test (and its command) and the "ships nothing in my-work/" test pass in the learner's clone.
    sync = "tests/test_exercises.py::test_committed_exercises_are_in_sync_with_solutions"
    ships = "tests/test_learner_work.py::test_the_workbook_ships_no_file_in_my_work"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", sync, ships], cwd=learner, capture_output=True, text=True
    )
    assert done.returncode == 0 and "2 passed" in done.stdout, done.stdout + done.stderr
    assert "is in sync" in smworkbook(learner, "exercises", "--check")

    # An update: upstream corrects 1.2 and adds 1.7; the learner runs `make update`.
    publish_a_correction(upstream)
    said = make(learner, "update")
    assert f"my-work/{EXERCISES}: New exercise 1.7; corrected exercise 1.2" in said
    after = sources(mine)
    assert after[: len(answered)] == answered  # every cell of theirs, unchanged and in place
    assert {first, second, third} <= set(after)
    added = after[len(answered) :]
    assert added[0].startswith("## Added by `smworkbook update`")
    assert any("(Corrected: `api_key` is a string.)" in text for text in added)
    assert any('checks.setup("1.7")' in text for text in added)
    assert (learner / "my-work" / "notes.ipynb").read_bytes() == notes_in_my_work
    assert (learner / "exercises" / "my_notes.ipynb").read_bytes() == notes_in_exercises
    # The answer written in exercises/ is kept in my-work/ (my-work/ already had its own 01).
    assert (learner / "my-work" / "from-exercises" / EXERCISES).read_bytes() == legacy_bytes
    assert (learner / "exercises" / EXERCISES).read_text() == (upstream / "exercises" / EXERCISES).read_text()
    # The lessons are the workbook's again (the pull updated lesson 1); the note is kept in my-work/.
    assert (learner / "notebooks" / LESSON).read_text() == (upstream / "notebooks" / LESSON).read_text()
    assert (learner / "my-work" / "from-notebooks" / LESSON_2).read_bytes() == note_bytes
    assert not (learner / "my-work" / "from-notebooks" / LESSON).exists()  # only outputs had changed
    assert "already has every exercise" in make(learner, "update")
    assert sources(mine) == after


def test_an_update_that_renames_the_exercises_carries_the_learners_copy_over(repositories):
    """A learner cloned the workbook when exercise notebooks were named as their lesson (`01_create_....ipynb` in
    both folders) and answered in my-work/. The workbook renames them; `make update` leaves exactly one copy of each,
    under the new name, with every answer, and `make grade` grades it."""
    upstream, learner = repositories
    names = {lessons.former_name(path.name): path.name for path in (upstream / "exercises").glob("*.ipynb")}
    for former, name in names.items():  # the workbook as it was, which the learner pulls
        git(upstream, "mv", f"exercises/{name}", f"exercises/{former}")
    git(upstream, "commit", "-qm", "The exercises named as their lessons")
    git(learner, "pull", "-q", "--ff-only")
    smworkbook(learner, "my-work")
    first = answer(learner / "my-work" / LESSON, "1.1", learner / "solutions")
    answered = (learner / "my-work" / LESSON).read_bytes()

    for former, name in names.items():
        git(upstream, "mv", f"exercises/{former}", f"exercises/{name}")
    git(upstream, "commit", "-qm", "Exercise notebooks named apart from their lessons")
    said = make(learner, "update")
    assert f"my-work/{LESSON} is now my-work/{EXERCISES}" in said
    mine = learner / "my-work" / EXERCISES
    assert mine.read_bytes() == answered and first in sources(mine)
    assert sorted(path.name for path in (learner / "my-work").glob("*.ipynb")) == sorted(names.values())
    graded = make(learner, "grade", f"GRADE=my-work/{EXERCISES}")
    assert "1 of 6 passed so far" in graded


def test_the_fork_workflow_grades_my_work():
    workflow = (ROOT / ".github" / "workflows" / "grade.yml").read_text()
    assert "make grade GRADE=my-work" in workflow


def test_the_workbook_ships_no_file_in_my_work():
    """my-work/ is the learner's: the workbook tracks nothing there, so a pull never conflicts with it.

    In a learner's own clone or fork my-work/ is committed on purpose (`git add my-work`), so a commit
    that adds only my-work/ files is theirs; one that mixes them with the workbook's files is an
    author's mistake (say `git add -A` after `make lab`), and fails here.
    """
    assert not re.search(r"^/?my-work", (ROOT / ".gitignore").read_text(), re.MULTILINE)  # learners commit it
    if not git(ROOT, "ls-files", "--", "my-work"):
        return
    for commit in git(ROOT, "log", "--format=%H", "--", "my-work").split():
        files = git(ROOT, "show", "--name-only", "--format=", commit).split("\n")
        mixed = sorted(name for name in files if name and not name.startswith("my-work/"))
        assert not mixed, f"commit {commit[:10]} ships files in my-work/ together with {mixed[:3]}"


def test_the_start_page_sends_the_learner_to_my_work():
    start = nbformat.read(ROOT / "notebooks" / "00_start_here.ipynb", as_version=4)
    text = "\n".join(cell.source for cell in start.cells if cell.cell_type == "markdown")
    assert "Your work lives in `my-work/`" in text and "smworkbook my-work" in text and "make update" in text
    assert "](../exercises/" not in text  # every exercise link opens the learner's copy
