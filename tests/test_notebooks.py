"""The notebooks as a learner runs them, in real kernels: unsolved exercises fail their own
checks, cells can be run twice, and the workbook's errors are one line, not a traceback wall.
(The stored outputs of notebooks/ and solutions/ are compared by nbval in tests/test_no_network.py, offline.)"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from smworkbook.authoring import exercises as generator
from smworkbook.checks import EXERCISES as REGISTRY

from .conftest import ROOT

pytestmark = pytest.mark.spread  # independent tests: any worker (tests/conftest.py)

LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
# The exercises as the workbook ships them (what solutions/ generates), not the files in exercises/:
# a learner may have written in those, and `make test` must pass with a learner's work in place.
EXERCISES = generator.expected(ROOT / "solutions", ROOT / "exercises")


def execute(notebook: nbformat.NotebookNode, folder: Path, allow_errors: bool = False) -> nbformat.NotebookNode:
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(folder)}},
    ).execute()
    return notebook


def errors(cell) -> list[dict]:
    return [output for output in cell.get("outputs", []) if output.output_type == "error"]


@pytest.mark.parametrize("path", sorted(EXERCISES), ids=lambda path: path.name)
def test_each_unsolved_exercise_fails_its_own_check(path):
    notebook = execute(nbformat.reads(EXERCISES[path], as_version=4), path.parent, allow_errors=True)
    checked = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        failures = errors(cell)
        if "checks.verify(" in cell.source:
            number = cell.source.split('"')[1]
            assert [f.ename for f in failures] == ["CheckFailed"], cell.source
            assert failures[0].evalue.startswith(f"Exercise {number} ("), failures[0].evalue
            assert len(failures[0].traceback) == 1  # a hint, not a traceback wall
            checked += 1
        elif "\nraise NotImplementedError()" in "\n" + cell.source:  # a stub inside a def raises only when called
            assert [f.ename for f in failures] == ["NotImplementedError"], cell.source
        else:
            assert failures == [], cell.source
    lesson = int(path.name.split("_")[0])
    declared = [number for number, exercise in REGISTRY.items() if exercise.lesson == lesson]
    assert checked == len(declared), (
        f"Rule: every exercise the registry declares for lesson {lesson} ({', '.join(declared)}) has a check cell in "
        f"solutions/{path.name}; found {checked}."
    )


@pytest.mark.parametrize("path", LESSONS + SOLUTIONS, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_cell_can_be_run_twice(path):
    """A learner runs a cell, then runs it again: no errors either time."""
    notebook = nbformat.read(path, as_version=4)
    twice = []
    for cell in notebook.cells:
        twice.append(cell)
        if cell.cell_type == "code":
            again = copy.deepcopy(cell)
            again["id"] = f"{cell.get('id', 'cell')}-again"
            twice.append(again)
    notebook.cells = twice
    execute(notebook, path.parent)  # raises CellExecutionError on any error


def test_workbook_errors_show_as_one_line_in_a_kernel():
    """Bad input and a missing set-up cell give a short sentence, before and after start()."""
    # An exercise number certainly absent: the first of the lesson after the last one registered.
    absent = f"{max(exercise.lesson for exercise in REGISTRY.values()) + 1}.1"
    assert absent not in REGISTRY
    notebook = new_notebook(
        cells=[
            new_code_cell("import smworkbook\nfrom smworkbook import checks\nchecks.verify('1.1')"),
            new_code_cell("aws = smworkbook.start()\naws.client('secretsmanagr')"),
            new_code_cell(f"checks.verify({absent!r})"),
        ]
    )
    execute(notebook, ROOT, allow_errors=True)
    shown = [errors(cell) for cell in notebook.cells]
    assert [[f.ename for f in cell] for cell in shown] == [["WorkbookError"]] * 3
    assert all(len(cell[0].traceback) == 1 for cell in shown)
    assert "Run the set-up cell" in shown[0][0].evalue
    assert "Did you mean 'secretsmanager'?" in shown[1][0].evalue
    assert f"There is no exercise {absent!r}" in shown[2][0].evalue


def test_no_stderr_in_stored_outputs():
    for path in LESSONS + SOLUTIONS:
        for cell in nbformat.read(path, as_version=4).cells:
            for output in cell.get("outputs", []):
                assert not (output.output_type == "stream" and output.name == "stderr"), path.name
                assert output.output_type != "error", path.name
