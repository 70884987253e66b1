"""my-work/: the learner's own copies, made once, never replaced; updates only ever append."""

from __future__ import annotations

import shutil
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from smworkbook import WorkbookError
from smworkbook.authoring import copies, exercises, lessons, mywork
from smworkbook.checks import EXERCISES
from smworkbook.cli import main

from .conftest import ROOT


def lesson(*numbers: str, task: str = "Do it.") -> nbformat.NotebookNode:
    cells = [new_markdown_cell("# Lesson 9 exercises"), new_code_cell("import smworkbook")]
    for number in numbers:
        cells += [
            new_markdown_cell(f"## Exercise {number}: something\n\n{task}"),
            new_code_cell(f'checks.setup("{number}")\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION'),
            new_code_cell(f'checks.verify("{number}")'),
        ]
    return new_notebook(cells=cells)


@pytest.fixture
def workbook(tmp_path):
    (tmp_path / "solutions").mkdir()
    nbformat.write(lesson("9.1", "9.2"), tmp_path / "solutions" / "09_x.ipynb")
    exercises.generate(tmp_path / "solutions", tmp_path / "exercises")
    return tmp_path


def answered(path, number: str) -> list[str]:
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if f'checks.setup("{number}")' in cell.source:
            cell.source = f'checks.setup("{number}")\nx = "my answer to {number}"'
    nbformat.write(notebook, path)
    return [cell.source for cell in notebook.cells]


def test_first_use_copies_the_exercises_later_uses_replace_nothing(workbook, capsys):
    assert main(["my-work", "--root", str(workbook)]) == 0
    mine = workbook / "my-work" / "09_exercises_x.ipynb"
    assert mine.read_text() == (workbook / "exercises" / "09_exercises_x.ipynb").read_text()
    assert "write your answers there" in capsys.readouterr().out
    answered(mine, "9.1")
    kept = mine.read_bytes()
    assert mywork.ensure_my_work(workbook) == []
    assert mine.read_bytes() == kept


def test_answers_written_in_exercises_come_along_on_first_use(workbook):
    answers = answered(workbook / "exercises" / "09_exercises_x.ipynb", "9.2")
    mywork.ensure_my_work(workbook)
    mine = workbook / "my-work" / "09_exercises_x.ipynb"
    assert [cell.source for cell in nbformat.read(mine, as_version=4).cells] == answers


def test_exercise_notebooks_are_named_apart_from_their_lesson_from_its_name():
    """A JupyterLab tab shows a name's first dozen characters: the exercises' differ from the lesson's there."""
    assert lessons.exercises_name("01_create_retrieve_update_delete.ipynb") == (
        "01_exercises_create_retrieve_update_delete.ipynb"
    )
    assert lessons.former_name("01_exercises_create_retrieve_update_delete.ipynb") == (
        "01_create_retrieve_update_delete.ipynb"
    )
    assert lessons.former_name("01_create_retrieve_update_delete.ipynb") is None
    with pytest.raises(WorkbookError, match="not a lesson notebook's name"):
        lessons.exercises_name("notes.ipynb")
    # Every lesson, a lesson added later too: named from notebooks/, never from a list kept by hand.
    for lesson in lessons.lessons():
        shipped = lesson.exercises.name
        assert shipped[:12] != lesson.notebook.name[:12], shipped
        assert shipped == lessons.exercises_name(lesson.notebook.name)
        assert lessons.former_name(shipped) == lesson.notebook.name
    assert sorted(path.name for path in (ROOT / "exercises").glob("*.ipynb")) == sorted(
        lessons.exercises_name(path.name) for path in (ROOT / "solutions").glob("*.ipynb")
    )


def test_a_copy_under_the_former_name_is_carried_over_with_its_answers(workbook, capsys):
    """A learner whose my-work/ was made before the exercises were renamed: their copy takes the new name, answers
    and all, byte for byte; no second copy is made and nothing is left under the old name."""
    (workbook / "my-work").mkdir()
    former = workbook / "my-work" / "09_x.ipynb"
    shutil.copy(workbook / "exercises" / "09_exercises_x.ipynb", former)
    answers = answered(former, "9.1")
    kept = former.read_bytes()
    assert main(["my-work", "--root", str(workbook)]) == 0
    out = capsys.readouterr().out
    mine = workbook / "my-work" / "09_exercises_x.ipynb"
    assert f"{former} is now {mine}" in out and "your answers are in it" in out
    assert "(0 new)" in out
    assert sorted(path.name for path in (workbook / "my-work").iterdir()) == ["09_exercises_x.ipynb"]
    assert mine.read_bytes() == kept
    assert [cell.source for cell in nbformat.read(mine, as_version=4).cells] == answers
    assert main(["my-work", "--root", str(workbook)]) == 0  # again: nothing more to do, nothing said about it
    assert "is now" not in capsys.readouterr().out
    assert mine.read_bytes() == kept


def test_a_copy_under_each_name_are_both_kept_and_the_learner_is_told(workbook, capsys):
    (workbook / "my-work").mkdir()
    former, mine = workbook / "my-work" / "09_x.ipynb", workbook / "my-work" / "09_exercises_x.ipynb"
    for path, number in ((former, "9.1"), (mine, "9.2")):
        shutil.copy(workbook / "exercises" / "09_exercises_x.ipynb", path)
        answered(path, number)
    before = {path: path.read_bytes() for path in (former, mine)}
    assert main(["my-work", "--root", str(workbook)]) == 0
    out = capsys.readouterr().out
    assert f"{former} (the exercises' former name) and {mine} are both here: both are kept as they are." in out
    assert "Keep your answers in 09_exercises_x.ipynb, then delete 09_x.ipynb once nothing in it is missing" in out
    assert {path: path.read_bytes() for path in (former, mine)} == before
    assert sorted(path.name for path in (workbook / "my-work").iterdir()) == ["09_exercises_x.ipynb", "09_x.ipynb"]


def test_without_hard_links_the_carry_over_copies_checks_and_then_removes(workbook, monkeypatch):
    def no_links(*args):
        raise PermissionError("hard links are not supported here")

    monkeypatch.setattr(copies.os, "link", no_links)
    (workbook / "my-work").mkdir()
    former = workbook / "my-work" / "09_x.ipynb"
    shutil.copy(workbook / "exercises" / "09_exercises_x.ipynb", former)
    answered(former, "9.1")
    kept = former.read_bytes()
    notes: list[str] = []
    assert mywork.ensure_my_work(workbook, notes) == []
    assert len(notes) == 1 and "is now" in notes[0]
    assert not former.exists() and (workbook / "my-work" / "09_exercises_x.ipynb").read_bytes() == kept


def test_grading_reads_a_notebook_under_its_former_name_as_its_lesson(tmp_path):
    """The carry-over runs before grading (`make grade` runs `smworkbook my-work` first), and the grader reads any
    `NN_*.ipynb` as lesson NN: a learner's folder (a fork, a class's submission) that still has the former names is
    graded in full, not counted as missing its lessons."""
    from smworkbook.grading import discover

    folder = tmp_path / "my-work"
    folder.mkdir()
    for lesson in lessons.lessons():
        shutil.copy(lesson.exercises, folder / lessons.former_name(lesson.exercises.name))
    notebooks, expected, missing = discover.notebooks_and_expected(folder)
    assert [path.name for path in notebooks] == [lesson.notebook.name for lesson in lessons.lessons()]
    assert missing == [] and expected == sorted(EXERCISES, key=discover.order)
    makefile = (ROOT / "Makefile").read_text()
    grade = makefile[makefile.index("\ngrade:") :].split("\n\n")[0]
    assert grade.index("smworkbook my-work") < grade.index("smworkbook grade")


def test_a_new_exercise_is_appended_once_below_the_learners_cells(workbook):
    mywork.ensure_my_work(workbook)
    mine = workbook / "my-work" / "09_exercises_x.ipynb"
    before = answered(mine, "9.1")
    released = exercises.make_exercise(lesson("9.1", "9.2", "9.3"))

    message = mywork.add_new_exercises(mine, released)
    assert message == f"{mine}: New exercise 9.3."
    after = nbformat.read(mine, as_version=4)
    assert [cell.source for cell in after.cells[: len(before)]] == before
    assert after.cells[len(before)].source.startswith("## Added by `smworkbook update`")
    assert [cell.source for cell in after.cells[len(before) + 1 :]] == [cell.source for cell in released.cells[-3:]]
    assert len({cell.id for cell in after.cells}) == len(after.cells)  # still a valid notebook
    assert mywork.add_new_exercises(mine, released) is None  # nothing twice


def test_a_corrected_exercise_is_added_below_the_answer_it_corrects(workbook):
    mywork.ensure_my_work(workbook)
    mine = workbook / "my-work" / "09_exercises_x.ipynb"
    before = answered(mine, "9.2")
    released = exercises.make_exercise(lesson("9.1", "9.2", task="Do it, with a string."))
    message = mywork.add_new_exercises(mine, released)
    assert "Corrected exercises 9.1, 9.2 (your answer above is kept" in message
    assert [cell.source for cell in nbformat.read(mine, as_version=4).cells][: len(before)] == before


def test_a_notebook_without_fingerprints_gets_only_the_missing_exercises(tmp_path):
    mine = tmp_path / "09_x.ipynb"
    old = exercises.make_exercise(lesson("9.1"))
    del old.metadata[exercises.STAMP]
    nbformat.write(old, mine)
    message = mywork.add_new_exercises(mine, exercises.make_exercise(lesson("9.1", "9.2")))
    assert message.endswith("New exercise 9.2.")


def test_a_broken_notebook_is_reported_and_left_as_it_is(tmp_path):
    mine = tmp_path / "09_x.ipynb"
    mine.write_text("{ not json")
    message = mywork.add_new_exercises(mine, exercises.make_exercise(lesson("9.1")))
    assert "could not be read as a notebook" in message
    assert mine.read_text() == "{ not json"


def test_update_outside_a_git_clone_is_a_clear_error_and_changes_nothing(workbook, capsys):
    mywork.ensure_my_work(workbook)
    mine = workbook / "my-work" / "09_exercises_x.ipynb"
    answered(mine, "9.1")
    kept = mine.read_bytes()
    assert main(["update", "--root", str(workbook)]) == 2
    assert "is not a git clone of the workbook" in capsys.readouterr().err
    assert mine.read_bytes() == kept


def test_update_without_pull_adds_new_lessons_and_exercises(workbook, capsys):
    mywork.ensure_my_work(workbook)
    nbformat.write(lesson("9.1", "9.2", "9.3"), workbook / "solutions" / "09_x.ipynb")
    nbformat.write(lesson("8.1"), workbook / "solutions" / "08_y.ipynb")
    exercises.generate(workbook / "solutions", workbook / "exercises")
    assert main(["update", "--no-pull", "--root", str(workbook)]) == 0
    out = capsys.readouterr().out
    assert "08_exercises_y.ipynb: new notebook, copied from exercises/." in out
    assert "09_exercises_x.ipynb: New exercise 9.3." in out
    assert main(["update", "--no-pull", "--root", str(workbook)]) == 0
    assert "already has every exercise" in capsys.readouterr().out


def test_grading_with_no_my_work_says_how_to_make_it(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["grade"]) == 2
    assert "`smworkbook my-work` (or `make lab`) makes it" in capsys.readouterr().err


def test_no_exercises_folder_is_a_clear_error(tmp_path):
    with pytest.raises(WorkbookError, match="Run this from the workbook's top folder"):
        mywork.ensure_my_work(tmp_path)


def test_an_older_notebook_format_gets_cells_it_can_hold(tmp_path):
    """A notebook saved as nbformat 4.4 has no cell ids: the appended cells get none either."""
    mine = tmp_path / "09_x.ipynb"
    old = exercises.make_exercise(lesson("9.1"))
    old.nbformat_minor = 4
    for cell in old.cells:
        del cell["id"]
    nbformat.write(old, mine)
    assert mywork.add_new_exercises(mine, exercises.make_exercise(lesson("9.1", "9.2"))).endswith("New exercise 9.2.")
    updated = nbformat.read(mine, as_version=4)
    nbformat.validate(updated)
    assert updated.nbformat_minor == 4 and all("id" not in cell for cell in updated.cells)


def test_metadata_a_learner_mangled_counts_as_no_fingerprints(tmp_path):
    mine = tmp_path / "09_x.ipynb"
    notebook = exercises.make_exercise(lesson("9.1"))
    notebook.metadata[exercises.STAMP] = "mangled"
    nbformat.write(notebook, mine)
    assert mywork.add_new_exercises(mine, exercises.make_exercise(lesson("9.1", "9.2"))).endswith("New exercise 9.2.")


def test_a_failed_pull_changes_none_of_the_learners_answers(workbook, capsys):
    git = ["git", "-C", str(workbook), "-c", "user.email=a@example.com", "-c", "user.name=A"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    mywork.ensure_my_work(workbook)
    mine = workbook / "my-work" / "09_exercises_x.ipynb"
    answered(mine, "9.1")
    kept = mine.read_bytes()
    assert main(["update", "--root", str(workbook)]) == 2  # this repository has nothing to pull from
    assert "`git pull` did not finish" in capsys.readouterr().err
    assert mine.read_bytes() == kept


def test_smworkbook_my_work_imports_no_notebook_library_and_no_mock(workbook):
    """`make lab` runs `smworkbook my-work` before JupyterLab starts and waits for it: it copies files, so it imports
    neither nbformat (with jsonschema, one to three seconds) nor boto3 and moto (the mock, about a second)."""
    code = (
        "import sys; from smworkbook.cli import main; main(['my-work', '--root', sys.argv[1]]); "
        "print(sorted(name for name in ('nbformat', 'jsonschema', 'boto3', 'moto', 'nbclient') if name in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code, str(workbook)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"{workbook / 'my-work'}/ holds your exercise notebooks (1 new): write your answers there.",
        "[]",
    ]


def test_the_package_names_load_on_first_use_and_a_graded_kernel_still_reaches_the_grader():
    """`import smworkbook` alone loads no mock; its names (start, checks, ...) load when used, and the graded
    kernel's side comes first, as `start()` needs it in a kernel being graded."""
    code = (
        "import sys, smworkbook; print('boto3' in sys.modules, 'smworkbook.toolkit.graded' in sys.modules); "
        "smworkbook.start; print('smworkbook.toolkit.graded' in sys.modules, smworkbook.start.__module__)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["False False", "True smworkbook.toolkit.mock"]
