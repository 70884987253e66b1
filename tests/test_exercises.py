"""The exercise generator: solutions/ is the single source, exercises/ is derived from it, and no
notebook someone edited is ever overwritten or deleted."""

from __future__ import annotations

import re
import subprocess

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from smworkbook import WorkbookError, checks
from smworkbook.authoring import exercises
from smworkbook.cli import main

from .conftest import ROOT


def test_solution_regions_are_replaced_by_the_stub():
    """Are solution regions correctly replaced, keeping the lines around them?"""
    source = 'checks.setup("1.1")\n### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION\nprint(answer)'
    assert exercises.strip_solutions(source) == (
        'checks.setup("1.1")\n# YOUR CODE HERE\nraise NotImplementedError()\nprint(answer)'
    )


def test_stub_keeps_the_indentation_of_the_block():
    source = "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"
    assert exercises.strip_solutions(source) == "def f():\n    # YOUR CODE HERE\n    raise NotImplementedError()"


def test_text_without_markers_is_unchanged():
    assert exercises.strip_solutions("x = 1\ny = 2") == "x = 1\ny = 2"


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("### BEGIN SOLUTION\nx = 1", "has no ### END SOLUTION"),
        ("x = 1\n### END SOLUTION", "line 2: ### END SOLUTION without"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "line 2"),
    ],
)
def test_unbalanced_markers_are_a_clear_error(source, problem):
    with pytest.raises(WorkbookError, match=problem):
        exercises.strip_solutions(source)


def solution_notebook() -> nbformat.NotebookNode:
    code = new_code_cell("### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION", execution_count=3)
    code.outputs = [new_output("stream", name="stdout", text="42\n")]
    text = new_markdown_cell("Why?\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION")
    return new_notebook(cells=[text, code])


def test_learner_copy_has_no_answers_and_no_outputs():
    exercise = exercises.make_exercise(solution_notebook())
    text, code = exercise.cells
    assert text.source == "Why?\nYOUR ANSWER HERE"
    assert code.source == "# YOUR CODE HERE\nraise NotImplementedError()"
    assert code.outputs == [] and code.execution_count is None


def test_check_mode_fails_when_exercises_are_out_of_date(tmp_path, capsys):
    solutions, learner = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    nbformat.write(solution_notebook(), solutions / "01_x.ipynb")
    args = ["--solutions", str(solutions), "--exercises", str(learner)]

    assert main(["exercises", "--check", *args]) == 1  # never generated
    assert main(["exercises", *args]) == 0
    assert main(["exercises", "--check", *args]) == 0

    # The solution changes: the generated copy is stale, and regenerating it is safe.
    changed = solution_notebook()
    changed.cells[0].source += "\nAnd why not?"
    nbformat.write(changed, solutions / "01_x.ipynb")
    assert main(["exercises", "--check", *args]) == 1
    said = capsys.readouterr().out
    assert f"{learner / '01_exercises_x.ipynb'} differs from what {solutions / '01_x.ipynb'} generates" in said
    assert main(["exercises", *args]) == 0
    assert "And why not?" in (learner / "01_exercises_x.ipynb").read_text()
    assert main(["exercises", "--check", *args]) == 0


def test_the_generator_never_overwrites_an_edited_notebook(tmp_path, capsys):
    """A learner wrote in exercises/: regenerating leaves their notebook exactly as it is, and says so."""
    solutions, learner = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    nbformat.write(solution_notebook(), solutions / "01_x.ipynb")
    args = ["--solutions", str(solutions), "--exercises", str(learner)]
    main(["exercises", *args])
    mine = learner / "01_exercises_x.ipynb"
    mine.write_text(mine.read_text().replace("# YOUR CODE HERE", "answer = 42"))
    edited = mine.read_bytes()
    capsys.readouterr()

    assert main(["exercises", *args]) == 0
    assert mine.read_bytes() == edited
    assert f"left {mine} alone: it has edits" in capsys.readouterr().out
    # Outside git there is no committed copy to judge instead: the check names the edits, advises no erasing.
    assert main(["exercises", "--check", *args]) == 1
    out = capsys.readouterr().out
    assert f"01_exercises_x.ipynb has edits that {solutions / '01_x.ipynb'} does not" in out
    assert "never a notebook with edits" in out
    assert mine.read_bytes() == edited


def test_a_learners_own_notebook_in_exercises_is_kept_a_stale_generated_one_removed(tmp_path):
    solutions, learner = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    nbformat.write(solution_notebook(), solutions / "01_x.ipynb")
    nbformat.write(solution_notebook(), solutions / "02_gone.ipynb")
    exercises.generate(solutions, learner)
    (solutions / "02_gone.ipynb").unlink()  # an author removed a lesson's exercises
    nbformat.write(new_notebook(cells=[new_code_cell("notes = 1")]), learner / "my_notes.ipynb")
    notes = (learner / "my_notes.ipynb").read_bytes()

    gone = learner / "02_exercises_gone.ipynb"
    assert exercises.out_of_date(solutions, learner) == [f"{gone} has no solution notebook"]
    done = exercises.generate(solutions, learner)
    assert done.removed == [learner / "02_exercises_gone.ipynb"] and not (learner / "02_exercises_gone.ipynb").exists()
    assert (learner / "my_notes.ipynb").read_bytes() == notes
    assert exercises.out_of_date(solutions, learner) == []


def test_a_copy_made_before_fingerprints_counts_as_generated(tmp_path):
    solutions, learner = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    nbformat.write(solution_notebook(), solutions / "01_x.ipynb")
    old = exercises.make_exercise(solution_notebook())
    del old.metadata[exercises.STAMP]
    learner.mkdir()
    nbformat.write(old, learner / "01_exercises_x.ipynb")
    assert exercises.generate(solutions, learner).written == [learner / "01_exercises_x.ipynb"]
    assert exercises.STAMP in nbformat.read(learner / "01_exercises_x.ipynb", as_version=4).metadata


def test_edits_in_a_clone_are_judged_by_the_committed_copy(tmp_path):
    """In a learner's clone, the sync check reads what git has committed, not the learner's edits."""
    git = ["git", "-C", str(tmp_path), "-c", "user.email=a@example.com", "-c", "user.name=A"]
    subprocess.run([*git, "init", "-q"], check=True)
    solutions, learner = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    nbformat.write(solution_notebook(), solutions / "01_x.ipynb")
    exercises.generate(solutions, learner)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    mine = learner / "01_exercises_x.ipynb"
    mine.write_text(mine.read_text().replace("# YOUR CODE HERE", "answer = 42"))
    assert exercises.out_of_date(solutions, learner) == []

    subprocess.run([*git, "commit", "-qam", "hand-edited"], check=True)  # an author's mistake, committed
    assert exercises.out_of_date(solutions, learner) == [
        f"{mine} as committed differs from what {solutions / '01_x.ipynb'} generates"
    ]


def test_parts_are_the_set_up_and_each_exercise():
    notebook = new_notebook(
        cells=[
            new_markdown_cell("# Lesson 9 exercises"),
            new_code_cell("import smworkbook"),
            new_markdown_cell("## Exercise 9.1: one\n\nDo it."),
            new_code_cell('checks.setup("9.1")'),
            new_code_cell('checks.verify("9.1")'),
            new_markdown_cell("## Done?"),
        ]
    )
    found = [(key, len(cells)) for key, cells in exercises.parts(notebook)]
    assert found == [("start", 2), ("9.1", 3), ("## Done?", 1)]
    stamp = exercises.make_exercise(notebook).metadata[exercises.STAMP]
    assert set(stamp["parts"]) == {"start", "9.1"}


def test_missing_solutions_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["exercises", "--check", "--solutions", str(tmp_path / "nope")]) == 2
    assert "Run this from the workbook's top folder" in capsys.readouterr().err


def test_committed_exercises_are_in_sync_with_solutions():
    """exercises/ is never edited by hand: it is exactly what solutions/ generates (a learner's edits in a
    clone are judged by the committed copy: see test_edits_in_a_clone_are_judged_by_the_committed_copy)."""
    assert exercises.out_of_date(ROOT / "solutions", ROOT / "exercises") == []


def test_every_exercise_has_a_setup_and_a_check_cell_in_the_solutions():
    """Each registered exercise appears in solutions/ as set-up, solution block and check; nothing else does."""
    found_setup, found_verify = set(), set()
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            for number in re.findall(r'checks\.setup\("([\d.]+)"\)', cell.source):
                assert exercises.BEGIN in cell.source, f"{path.name}: exercise {number} cell has no solution block"
                found_setup.add(number)
            found_verify.update(re.findall(r'checks\.verify\("([\d.]+)"', cell.source))
    assert found_setup == found_verify == set(checks.EXERCISES)
