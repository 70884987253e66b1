"""A notebook whose cells ignore the interrupt costs its learner, not the class.

nbclient interrupts a cell that runs past `--timeout` and goes on; a cell that ignores SIGINT keeps the kernel busy,
so each later cell waited the whole timeout too (20 such cells held one learner's grading for 286 s). Now a kernel
that has not answered the interrupt within `INTERRUPT_GRACE` seconds is killed and the rest of its notebook is not
run, and a learner's notebooks together run `--learner-limit` seconds at most; the gradebook row's note says so.
Small timeouts here; the grading is real (kernels, the grader's mock).
"""

from __future__ import annotations

import csv
import json

import nbformat
import pytest

from smworkbook.checks import EXERCISES
from smworkbook.cli import main
from smworkbook.grading import gradebook
from smworkbook.grading import run as grading

from .conftest import ROOT

LESSON01 = "01_create_retrieve_update_delete.ipynb"

# A cell that ignores the interrupt: SIGINT ignored, then a loop that never ends.
DEAF = """import signal, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    time.sleep(0.1)"""


def _notebook(folder, cells, name=LESSON01):
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), folder / name)


def _grade(submissions, out, timeout=10, **limit):
    # 10 s a cell: the solved notebook's cells within it on a loaded machine (as tests/test_gradebook.py's class).
    grace = grading.INTERRUPT_GRACE
    grading.INTERRUPT_GRACE = 2
    try:
        return gradebook.grade_class(submissions, out, timeout=timeout, workers=3, say=lambda line: None, **limit)
    finally:
        grading.INTERRUPT_GRACE = grace


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory):
    """ann: lesson 1 solved; ned: lesson 1 solved but for its first exercise cell, which ignores the interrupt, and
    another such cell after it, then one that would leave a mark."""
    root = tmp_path_factory.mktemp("deaf")
    submissions, out = root / "submissions", root / "grades"
    (submissions / "ann").mkdir(parents=True)
    (submissions / "ann" / LESSON01).write_bytes((ROOT / "solutions" / LESSON01).read_bytes())
    mark = root / "ned-went-on.txt"
    ned = nbformat.read(ROOT / "solutions" / LESSON01, as_version=4)
    first = next(index for index, cell in enumerate(ned.cells) if 'checks.setup("1.1")' in cell.source)
    ned.cells[first].source = 'checks.setup("1.1")\n' + DEAF
    deaf = [nbformat.v4.new_code_cell(DEAF), nbformat.v4.new_code_cell(f"open({str(mark)!r}, 'w').write('ran')")]
    ned.cells[first + 1 : first + 1] = deaf
    (submissions / "ned").mkdir()
    nbformat.write(ned, submissions / "ned" / LESSON01)
    path, graded = _grade(submissions, out)
    return {"path": path, "graded": graded, "out": out, "mark": mark}


@pytest.fixture(scope="module")
def slow_learner(tmp_path_factory):
    """oli: twenty cells of a second each (each within the 3 s timeout), in a class whose learners get 4 s each."""
    root = tmp_path_factory.mktemp("slow")
    _notebook(root / "submissions" / "oli", ["import time\ntime.sleep(1)"] * 20)
    path, graded = _grade(root / "submissions", root / "grades", timeout=3, learner_limit=4)
    return {"path": path, "graded": graded, "out": root / "grades"}


def _rows(path) -> dict[str, dict]:
    with open(path, newline="", encoding="utf-8") as file:
        return {row["learner"]: row for row in csv.DictReader(file)}


def _hints(out, name) -> list[str]:
    return [r["hint"] for r in json.loads((out / "learners" / f"{name}.json").read_text())["results"]]


def test_the_class_gets_its_gradebook_and_the_solved_learner_full_marks(hostile_class):
    rows = _rows(hostile_class["path"])
    assert sorted(hostile_class["graded"]) == ["ann", "ned"] and set(rows) == {"ann", "ned"}
    assert rows["ann"]["total"] == "6" and rows["ann"]["note"] == ""
    assert rows["ned"]["total"] == "0"
    assert list(rows["ann"]) == ["learner", *EXERCISES, "total", "note"]


def test_a_kernel_that_ignores_the_interrupt_is_killed_and_the_rest_of_its_notebook_does_not_run(hostile_class):
    assert not hostile_class["mark"].exists()  # the cells after the first deaf one never ran
    hints = _hints(hostile_class["out"], "ned")
    stopped = "A cell ran for more than 10 s and ignored the interrupt for 2 s more, so its kernel was stopped"
    assert len(hints) == 6 and all(hint.startswith(stopped) for hint in hints), hints
    assert _rows(hostile_class["path"])["ned"]["note"] == ""  # within its limit: the hints say why


def test_a_learner_whose_notebooks_outrun_the_limit_is_stopped_and_the_row_says_why(slow_learner):
    assert slow_learner["graded"] == ["oli"]
    note = _rows(slow_learner["path"])["oli"]["note"]
    assert note.startswith("The learner's grading time ran out (4 s for all their notebooks together"), note
    hints = _hints(slow_learner["out"], "oli")
    assert len(hints) == 6 and all(hint.startswith("The learner's grading time ran out (4 s") for hint in hints), hints


def test_the_learner_limit_is_a_positive_number_of_seconds(tmp_path, capsys):
    _notebook(tmp_path / "class" / "ann", ["x = 1"])
    assert main(["gradebook", str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--learner-limit", "0"]) == 2
    assert "--learner-limit is seconds (1 or more), not 0" in capsys.readouterr().err
