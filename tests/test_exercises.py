"""The exercise generator: solutions/ is the single source, exercises/ is derived from it."""

from __future__ import annotations

import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from smworkbook import WorkbookError, checks, exercises
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

    (learner / "01_x.ipynb").write_text((learner / "01_x.ipynb").read_text().replace("YOUR CODE", "MY CODE"))
    assert main(["exercises", "--check", *args]) == 1
    assert "01_x.ipynb differs" in capsys.readouterr().out

    main(["exercises", *args])
    nbformat.write(solution_notebook(), learner / "02_orphan.ipynb")
    assert main(["exercises", "--check", *args]) == 1
    assert "02_orphan.ipynb has no solution notebook" in capsys.readouterr().out
    main(["exercises", *args])
    assert not (learner / "02_orphan.ipynb").exists()


def test_missing_solutions_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["exercises", "--check", "--solutions", str(tmp_path / "nope")]) == 2
    assert "Run this from the workbook's top folder" in capsys.readouterr().err


def test_committed_exercises_are_in_sync_with_solutions():
    """exercises/ is never edited by hand: it is exactly what solutions/ generates."""
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
