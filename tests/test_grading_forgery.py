"""Can a notebook forge a grade? Each forgery here passed exercise 1.1 while the checks ran in the
learner's kernel and the grader read the printed pass line; the grader now runs every check
itself, in its own process, against its own mock."""

from __future__ import annotations

import json

import nbformat
import pytest

from smworkbook.authoring.lessons import exercises_name
from smworkbook.grading import run as grading

from .conftest import ROOT

LESSON01 = "01_create_retrieve_update_delete.ipynb"
NOT_DONE = "There is no secret called 'lesson01/db-credentials'"


def _cell(notebook, call: str, number: str):
    (cell,) = [c for c in notebook.cells if c.cell_type == "code" and f'checks.{call}("{number}"' in c.source]
    return cell


def _write(notebook, folder, name: str):
    path = folder / name
    nbformat.write(notebook, path)
    return path


FORGERIES = {
    "the check cell prints the pass line itself": (
        "verify",
        'print("✔ Exercise 1.1 passed: lesson01/db-credentials holds JSON")  # checks.verify("1.1")',
    ),
    "the check cell prints the pass line, then raises": (
        "verify",
        'print("✔ Exercise 1.1 passed: lesson01/db-credentials holds JSON")\n'
        'raise RuntimeError("after the pass line")  # checks.verify("1.1")',
    ),
    "the exercise cell replaces checks.verify": (
        "setup",
        'checks.setup("1.1")\nchecks.verify = lambda number, *answers: print(f"✔ Exercise {number} passed: yes")',
    ),
    "the exercise cell replaces the registered check": (
        "setup",
        'checks.setup("1.1")\nchecks.EXERCISES["1.1"].check = lambda: "forged"',
    ),
    "the exercise cell replaces require, read and describe": (
        "setup",
        'checks.setup("1.1")\n'
        "from smworkbook.checks import lesson01\n"
        "lesson01.require = lambda *args, **kwargs: None\n"
        'lesson01.read = lambda *args, **kwargs: {"SecretString": \'{"username": "app_user", "password": "p"}\'}\n'
        'lesson01.describe = lambda *args, **kwargs: {"Name": "lesson01/db-credentials"}',
    ),
}


@pytest.fixture(scope="module")
def forged(tmp_path_factory):
    """Each forgery in its own copy of lesson 1's unsolved exercises, all graded at once."""
    folder = tmp_path_factory.mktemp("forged")
    paths = []
    for index, (call, source) in enumerate(FORGERIES.values()):
        notebook = nbformat.read(ROOT / "exercises" / exercises_name(LESSON01), as_version=4)
        _cell(notebook, call, "1.1").source = source
        paths.append(_write(notebook, folder, f"01_forgery_{index}.ipynb"))
    results = grading.grade_each(paths, workers=2)
    return {name: {r.number: r for r in found} for name, found in zip(FORGERIES, results, strict=True)}


@pytest.mark.parametrize("forgery", list(FORGERIES))
def test_a_forgery_does_not_pass_exercise_1_1(forged, forgery):
    result = forged[forgery]["1.1"]
    assert result.status != grading.PASSED, result
    assert NOT_DONE in result.hint


def test_no_forgery_passes_any_exercise(forged):
    for forgery, results in forged.items():
        assert [r.number for r in results.values() if r.status == grading.PASSED] == [], forgery


@pytest.fixture(scope="module")
def mistreated(tmp_path_factory):
    """Lesson 1's solutions, with what learners do to notebooks: a stub line left after a solution,
    check cells deleted or edited, print patched, sys.exit, and the kernel killed."""
    notebook = nbformat.read(ROOT / "solutions" / LESSON01, as_version=4)
    solved = _cell(notebook, "setup", "1.1")
    solved.source += "\n# YOUR CODE HERE\nraise NotImplementedError()"
    notebook.cells.remove(_cell(notebook, "verify", "1.1"))  # deleted check cell
    _cell(notebook, "verify", "1.2").source = 'checks.verify("1.2", "not the api key")'  # edited check cell
    _cell(notebook, "setup", "1.3").source += "\nimport builtins\nbuiltins.print = lambda *args, **kwargs: None"
    _cell(notebook, "verify", "1.3").source = 'import sys\nsys.exit(0)  # checks.verify("1.3")'
    _cell(notebook, "verify", "1.5").source = 'import os, signal\nos.kill(os.getpid(), signal.SIGKILL)  # "1.5"'
    path = _write(notebook, tmp_path_factory.mktemp("mistreated"), LESSON01)
    return {r.number: r for r in grading.grade(path).results}


def test_a_solved_cell_that_still_raises_passes_with_a_note(mistreated):
    assert mistreated["1.1"].status == grading.PASSED
    assert "raise NotImplementedError()" in mistreated["1.1"].hint


def test_a_deleted_or_edited_check_cell_changes_nothing(mistreated):
    assert mistreated["1.1"].status == grading.PASSED  # check cell deleted
    assert mistreated["1.2"].status == grading.PASSED  # check cell passing a wrong value: the grader reads api_key


def test_patching_print_or_calling_sys_exit_changes_nothing(mistreated):
    assert mistreated["1.3"].status == grading.PASSED
    assert mistreated["1.4"].status == grading.PASSED


def test_killing_the_kernel_keeps_what_the_mock_shows_and_fails_what_never_ran(mistreated):
    assert mistreated["1.5"].status == grading.PASSED  # solved before the kernel was killed
    assert mistreated["1.6"].status == grading.FAILED
    assert mistreated["1.6"].hint.startswith("The kernel died")


def test_the_kernel_gets_neither_the_graders_key_nor_its_aws_credentials(tmp_path, monkeypatch):
    monkeypatch.setenv("SMWORKBOOK_GRADE_KEY", "the-grader-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "a-real-looking-secret")
    record = tmp_path / "environment.json"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(f"import json, os\nopen({str(record)!r}, 'w').write(json.dumps(dict(os.environ)))")
    ]
    grading.grade_notebook(_write(notebook, tmp_path, "environment.ipynb"))
    seen = json.loads(record.read_text())
    assert "the-grader-key" not in seen.values() and "a-real-looking-secret" not in seen.values()
    assert seen["SMWORKBOOK_GRADER_ENDPOINT"].startswith("http://127.0.0.1:")


def test_a_rotation_the_notebook_starts_calls_back_into_its_kernel(tmp_path):
    """The grader's mock invokes a rotation function registered in the kernel, as AWS invokes a Lambda,
    even while the kernel is busy in the cell that called rotate_secret."""
    seen = tmp_path / "steps.json"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("import json\n\nimport boto3\n\nimport smworkbook\n\naws = smworkbook.start()"),
        nbformat.v4.new_code_cell(
            "steps = []\n\n\ndef lambda_handler(event, context):\n    steps.append(event['Step'])\n\n\n"
            "client = boto3.client('secretsmanager')\n"
            "client.create_secret(Name='lesson04/mine', SecretString='{}')\n"
            "arn = smworkbook.register_rotation_function('mine', lambda_handler)\n"
            "client.rotate_secret(SecretId='lesson04/mine', RotationLambdaARN=arn)\n"
            f"open({str(seen)!r}, 'w').write(json.dumps(steps))"
        ),
    ]
    grading.grade_notebook(_write(notebook, tmp_path, "my_rotation.ipynb"))
    assert json.loads(seen.read_text()) == ["createSecret", "setSecret", "testSecret", "finishSecret"]
