"""my-work/: the learner's own copies, made once, never replaced; updates only ever append."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from smworkbook import WorkbookError
from smworkbook.authoring import exercises, mywork
from smworkbook.cli import main


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
    mine = workbook / "my-work" / "09_x.ipynb"
    assert mine.read_text() == (workbook / "exercises" / "09_x.ipynb").read_text()
    assert "write your answers there" in capsys.readouterr().out
    answered(mine, "9.1")
    kept = mine.read_bytes()
    assert mywork.ensure_my_work(workbook) == []
    assert mine.read_bytes() == kept


def test_answers_written_in_exercises_come_along_on_first_use(workbook):
    answers = answered(workbook / "exercises" / "09_x.ipynb", "9.2")
    mywork.ensure_my_work(workbook)
    assert [cell.source for cell in nbformat.read(workbook / "my-work" / "09_x.ipynb", as_version=4).cells] == answers


def test_a_new_exercise_is_appended_once_below_the_learners_cells(workbook):
    mywork.ensure_my_work(workbook)
    mine = workbook / "my-work" / "09_x.ipynb"
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
    mine = workbook / "my-work" / "09_x.ipynb"
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
    mine = workbook / "my-work" / "09_x.ipynb"
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
    assert "08_y.ipynb: new notebook, copied from exercises/." in out
    assert "09_x.ipynb: New exercise 9.3." in out
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
    mine = workbook / "my-work" / "09_x.ipynb"
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
