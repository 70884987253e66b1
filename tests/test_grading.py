"""`smworkbook grade` / `make grade`: a learner's exercises, run in fresh kernels, scored per exercise."""

from __future__ import annotations

import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET

import nbformat
import pytest
import yaml

from smworkbook import WorkbookError
from smworkbook.authoring import exercises
from smworkbook.checks import EXERCISES
from smworkbook.cli import main
from smworkbook.grading import discover
from smworkbook.grading import run as grading

from .conftest import ROOT

LESSON01 = "01_create_retrieve_update_delete.ipynb"
LESSON01_EXERCISES = sorted(number for number in EXERCISES if number.startswith("1."))


def _cell_for(notebook, number: str):
    (cell,) = [c for c in notebook.cells if c.cell_type == "code" and f'checks.setup("{number}")' in c.source]
    return cell


@pytest.fixture(scope="module")
def half_done(tmp_path_factory):
    """Lesson 1's solutions with 1.2 left unsolved, 1.1 and 1.4 answered wrongly, and 1.6 deleted."""
    notebook = nbformat.read(ROOT / "solutions" / LESSON01, as_version=4)
    unsolved = _cell_for(notebook, "1.2")
    unsolved.source = exercises.strip_solutions(unsolved.source)
    wrong_json = _cell_for(notebook, "1.1")
    wrong_json.source = (
        'checks.setup("1.1")\n'
        'client.create_secret(Name="lesson01/db-credentials", SecretString=json.dumps({"user": "app_user"}))'
    )
    wrong_binary = _cell_for(notebook, "1.4")
    wrong_binary.source = (
        'checks.setup("1.4")\nkey_bytes = secrets.token_bytes(32)\n'
        'client.create_secret(Name="lesson01/signing-key", SecretString=key_bytes.hex())'
    )
    notebook.cells = [c for c in notebook.cells if '"1.6"' not in c.source]
    folder = tmp_path_factory.mktemp("learner")
    path = folder / LESSON01
    nbformat.write(notebook, path)
    return path


@pytest.fixture(scope="module")
def half_done_run(half_done, tmp_path_factory):
    reports = tmp_path_factory.mktemp("reports")
    code = main(
        ["grade", str(half_done), "--strict", "--json", str(reports / "r.json"), "--junit", str(reports / "j.xml")]
    )
    return code, reports


def test_the_solutions_grade_full_marks_with_make_grade():
    done = subprocess.run(
        ["make", "--no-print-directory", "grade", "GRADE=solutions"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ, MAKEFLAGS=""),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    total = len(EXERCISES)
    assert f"Score: {total}/{total} passed, 0 failed, 0 not attempted." in done.stdout
    for number in EXERCISES:
        assert f"✔ {number}" in done.stdout


def test_unsolved_exercises_grade_zero_with_a_hint_each(tmp_path):
    # The exercises as shipped (what solutions/ generates), whatever a learner wrote in exercises/.
    for path, text in exercises.expected(ROOT / "solutions", tmp_path).items():
        path.write_text(text, encoding="utf-8")
    report = grading.grade(tmp_path)
    assert report.passed == 0
    assert [r.number for r in report.results] == sorted(EXERCISES, key=discover.order)
    for result in report.results:
        assert result.status == grading.NOT_ATTEMPTED, result
        assert len(result.hint) > 20 and "not right yet" not in result.hint, result.hint  # the check's own hint
    assert not report.full_marks


def test_a_half_done_notebook_grades_partially(half_done_run):
    code, reports = half_done_run
    assert code == 1
    results = {r["number"]: r for r in json.loads((reports / "r.json").read_text())["results"]}
    assert sorted(results) == LESSON01_EXERCISES
    assert {n: r["status"] for n, r in results.items()} == {
        "1.1": "failed",
        "1.2": "not attempted",
        "1.3": "passed",
        "1.4": "failed",
        "1.5": "passed",
        "1.6": "not attempted",
    }
    assert "no username or password key" in results["1.1"]["hint"]
    assert "api_key is still None" in results["1.2"]["hint"]
    assert "SecretBinary=key_bytes" in results["1.4"]["hint"]
    assert "restore the exercise" in results["1.6"]["hint"]
    assert results["1.3"]["hint"] == ""


def test_the_json_report_has_the_score(half_done_run):
    report = json.loads((half_done_run[1] / "r.json").read_text())
    assert (report["score"], report["total"], report["failed"], report["not_attempted"]) == (2, 6, 2, 2)


def test_the_junit_report_has_a_failure_per_failed_and_a_skip_per_unattempted_exercise(half_done_run):
    root = ET.parse(half_done_run[1] / "j.xml").getroot()
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("6", "2", "2")
    cases = {case.get("name").split()[0]: case for case in root.iter("testcase")}
    assert sorted(cases) == LESSON01_EXERCISES
    assert "SecretBinary" in cases["1.4"].find("failure").get("message")
    assert cases["1.2"].find("skipped") is not None
    assert list(cases["1.3"]) == []


def test_an_error_in_the_learners_own_code_is_shown_with_the_hint(tmp_path):
    notebook = nbformat.read(ROOT / "solutions" / LESSON01, as_version=4)
    cell = _cell_for(notebook, "1.5")
    cell.source = 'checks.setup("1.5")\nclient.delete_secret(SecretId="lesson01/old-token", RecoveryWindowInDays=3)'
    notebook.cells = [c for c in notebook.cells if '"1.' not in c.source or "1.5" in c.source]
    nbformat.write(notebook, tmp_path / LESSON01)
    (result,) = [r for r in grading.grade(tmp_path / LESSON01).results if r.number == "1.5"]
    assert result.status == grading.FAILED
    assert result.hint.startswith("Your exercise cell raised InvalidParameterException")
    assert "is not scheduled for deletion yet" in result.hint


def test_an_endless_loop_is_stopped_and_the_other_exercises_still_graded(tmp_path):
    notebook = nbformat.read(ROOT / "solutions" / LESSON01, as_version=4)
    _cell_for(notebook, "1.1").source = 'checks.setup("1.1")\nwhile True:\n    pass'
    nbformat.write(notebook, tmp_path / LESSON01)
    # 15 s: the loop never ends, and every other cell of the notebook takes about a second.
    results = {r.number: r for r in grading.grade(tmp_path / LESSON01, timeout=15).results}
    assert results["1.1"].status == grading.FAILED
    assert results["1.1"].hint.startswith("Your exercise cell ran for more than 15 s and was stopped")
    assert "There is no secret called 'lesson01/db-credentials'" in results["1.1"].hint
    assert [results[n].status for n in LESSON01_EXERCISES[1:]] == [grading.PASSED] * 5


def test_grading_something_that_is_not_a_notebook_is_a_one_line_error(tmp_path, capsys):
    with pytest.raises(WorkbookError, match="neither a folder nor a notebook"):
        grading.grade(tmp_path / "nothing.txt")
    assert main(["grade", str(tmp_path)]) == 2
    assert "There are no notebooks in" in capsys.readouterr().err


def test_the_fork_workflow_grades_on_every_push():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "grade.yml").read_text())
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads `on` as True
    assert "push" in triggers
    steps = [step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]]
    assert any("make grade" in run for run in steps)
    # Red until every exercise passes: strict, whether or not the runner sets CI=true.
    (grading_step,) = [s["run"] for s in workflow["jobs"]["grade"]["steps"] if "make grade" in s.get("run", "")]
    assert "GRADE_FLAGS=--strict" in grading_step and "pipefail" in grading_step


@pytest.mark.parametrize(("ci", "ends"), [(None, "calmly"), ("true", "red")])
def test_make_grade_of_unfinished_work_ends_calmly_and_fails_only_in_ci(half_done, ci, ends):
    env = {key: value for key, value in os.environ.items() if key != "CI"} | {"MAKEFLAGS": ""}
    if ci:
        env["CI"] = ci
    done = subprocess.run(
        ["make", "--no-print-directory", "grade", f"GRADE={half_done}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    if ends == "calmly":
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Error" not in done.stderr, done.stderr
        assert done.stdout.splitlines()[-1] == (
            f"2 of 6 passed so far. Next: exercise 1.1 in {LESSON01} (its hint is above); then grade again."
        )
    else:
        assert done.returncode != 0 and "grade] Error 1" in done.stderr, done.stdout + done.stderr


def _lesson01_with_only(number: str, extra_cells: list[str], name: str, folder) -> object:
    """Lesson 1's solutions cut down to exercise `number`, with `extra_cells` run before it."""
    notebook = nbformat.read(ROOT / "solutions" / LESSON01, as_version=4)
    first_exercise = next(i for i, c in enumerate(notebook.cells) if '"1.' in c.source)
    notebook.cells = [
        *notebook.cells[:first_exercise],
        *[nbformat.v4.new_code_cell(source) for source in extra_cells],
        *[c for c in notebook.cells[first_exercise:] if '"1.' not in c.source or f'"{number}"' in c.source],
    ]
    path = folder / name
    nbformat.write(notebook, path)
    return path


def test_notebooks_graded_together_each_get_their_own_kernel_and_mock(tmp_path):
    record = 'import os, pathlib\npathlib.Path(r"{}").write_text(f"{{os.getpid()}} {{aws.endpoint_url}}")'
    first = _lesson01_with_only("1.3", [record.format(tmp_path / "first.txt")], "01_first.ipynb", tmp_path)
    second = _lesson01_with_only("1.5", [record.format(tmp_path / "second.txt")], "01_second.ipynb", tmp_path)
    results = {r.number: r for r in grading.grade([first, second], workers=2).results}
    assert (results["1.3"].status, results["1.3"].notebook) == (grading.PASSED, "01_first.ipynb")
    assert (results["1.5"].status, results["1.5"].notebook) == (grading.PASSED, "01_second.ipynb")
    pid_1, endpoint_1 = (tmp_path / "first.txt").read_text().split()
    pid_2, endpoint_2 = (tmp_path / "second.txt").read_text().split()
    assert pid_1 != pid_2 and endpoint_1 != endpoint_2
    assert str(os.getpid()) not in (pid_1, pid_2)


def test_a_kernel_that_dies_fails_its_own_notebook_and_the_others_are_still_graded(tmp_path):
    # The check cell of 1.5 never runs, but still holds the pass line saved with the solutions.
    dying = _lesson01_with_only("1.5", ["import os\nos._exit(1)"], "01_dying.ipynb", tmp_path)
    healthy = _lesson01_with_only("1.3", [], "01_healthy.ipynb", tmp_path)
    results = {r.number: r for r in grading.grade([dying, healthy], workers=2).results}
    assert results["1.5"].status == grading.FAILED
    assert results["1.5"].notebook == "01_dying.ipynb"
    assert results["1.5"].hint.startswith("The kernel died while running the notebook")
    assert (results["1.3"].status, results["1.3"].notebook) == (grading.PASSED, "01_healthy.ipynb")


def test_one_worker_grades_the_same_as_several(half_done):
    one = grading.grade(half_done, workers=1)
    several = grading.grade([half_done, half_done], workers=2)
    assert one.to_json() == several.to_json()


def test_a_number_of_workers_below_one_is_a_one_line_error(half_done, capsys):
    with pytest.raises(WorkbookError, match="1 or more"):
        grading.grade(half_done, workers=0)
    assert main(["grade", str(half_done), "--workers", "0"]) == 2
    assert "1 or more" in capsys.readouterr().err


def test_grading_uses_the_embedded_mock_whatever_backend_the_shell_chose(tmp_path, monkeypatch):
    """A grader's kernels never follow SMWORKBOOK_BACKEND to an endpoint or to real AWS."""
    record = 'import pathlib\npathlib.Path(r"{}").write_text(aws.kind)'.format(tmp_path / "kind.txt")
    notebook = _lesson01_with_only("1.3", [record], "01_backend.ipynb", tmp_path)
    monkeypatch.setenv("SMWORKBOOK_BACKEND", "aws")
    results = {r.number: r for r in grading.grade([notebook], workers=1).results}
    assert results["1.3"].status == grading.PASSED
    assert (tmp_path / "kind.txt").read_text() == "moto"


def test_lesson6_graded_a_retry_loop_that_catches_the_checks_stop_fails_and_ends_the_kernel_at_once(tmp_path):
    """A bare `except:` catches the check's loop guard (nothing Python raises escapes it): graded, the loop would
    keep the kernel busy for every later cell. The check fails it and says why; the kernel ends there, and the
    exercise after it is told it did not run, in seconds."""
    lesson06 = "06_service_under_rotation.ipynb"
    notebook = nbformat.read(ROOT / "solutions" / lesson06, as_version=4)
    looping = _cell_for(notebook, "6.3")
    retry = "    cache.refresh_secret_now(SECRET)\n    return query(json.loads(cache.get_secret_string(SECRET)))"
    assert retry in looping.source
    looping.source = looping.source.replace(
        retry,
        "    while True:\n        try:\n            cache.refresh_secret_now(SECRET)\n"
        "            return query(json.loads(cache.get_secret_string(SECRET)))\n"
        "        except:\n            pass",
    )
    nbformat.write(notebook, tmp_path / lesson06)
    results = {r.number: r for r in grading.grade(tmp_path / lesson06).results}
    assert [results[n].status for n in ("6.1", "6.2")] == [grading.PASSED, grading.PASSED]
    assert results["6.3"].status == grading.FAILED
    assert results["6.3"].hint.startswith("A request retried again and again")
    assert "Your code also caught the check's stop and called the cache again" in results["6.3"].hint
    assert results["6.4"].status == grading.FAILED
    assert results["6.4"].hint.startswith("The kernel died while the grader ran a function of yours")


def test_lesson6_graded_measures_the_learners_function_through_the_graders_own_service_and_cache(tmp_path):
    """Graded, lesson 6's function runs in the kernel but reads the grader's cache: a read done once at start-up
    and a refresh in a loop both fail, counted by the grader, with their hints."""
    lesson06 = "06_service_under_rotation.ipynb"
    notebook = nbformat.read(ROOT / "solutions" / lesson06, as_version=4)
    once = _cell_for(notebook, "6.2")
    once.source = once.source.replace(
        "    return query(json.loads(cache.get_secret_string(SECRET)))",
        "    global at_start_up\n"
        "    at_start_up = globals().get('at_start_up') or json.loads(cache.get_secret_string(SECRET))\n"
        "    return query(at_start_up)",
    )
    looping = _cell_for(notebook, "6.3")
    looping.source = looping.source.replace(
        "    cache.refresh_secret_now(SECRET)\n    return query(json.loads(cache.get_secret_string(SECRET)))",
        "    while True:\n        cache.refresh_secret_now(SECRET)\n        try:\n"
        "            return query(json.loads(cache.get_secret_string(SECRET)))\n"
        "        except Exception:\n            pass",
    )
    notebook.cells = [c for c in notebook.cells if '"6.4"' not in c.source]
    nbformat.write(notebook, tmp_path / lesson06)
    results = {r.number: r for r in grading.grade(tmp_path / lesson06).results}
    assert results["6.1"].status == grading.PASSED
    assert results["6.2"].status == grading.FAILED
    assert "it read them once, at start-up" in results["6.2"].hint
    assert results["6.3"].status == grading.FAILED
    assert results["6.3"].hint.startswith("A request retried again and again")


def test_lesson4_graded_names_a_finish_secret_that_moves_awspending_as_the_notebook_does(tmp_path, sm):
    """The grader sees the learner's second run fail only as a ClientError (the notebook: InvalidParameterException):
    the hint is built from the versions' labels, so both say the same, and neither advises an early return."""
    from smworkbook import CheckFailed, checks

    from .test_checks_lesson04 import finish_moving_pending_back

    lesson04 = "04_rotation.ipynb"
    notebook = nbformat.read(ROOT / "solutions" / lesson04, as_version=4)
    cell = _cell_for(notebook, "4.4")
    right = 'VersionStage="AWSCURRENT",\n        MoveToVersionId=token,\n        RemoveFromVersionId=current_version,'
    assert right in cell.source
    cell.source = cell.source.replace(
        right,
        'VersionStage="AWSPENDING",\n        MoveToVersionId=current_version,\n        RemoveFromVersionId=token,',
    )
    notebook.cells = [c for c in notebook.cells if not any(f'"4.{n}"' in c.source for n in (1, 2, 3))]
    nbformat.write(notebook, tmp_path / lesson04)
    (graded,) = [r for r in grading.grade(tmp_path / lesson04).results if r.number == "4.4"]
    checks.setup("4.4")
    with pytest.raises(CheckFailed) as in_the_notebook:
        checks.verify("4.4", finish_moving_pending_back)
    assert graded.status == grading.FAILED

    def without_ids(hint: str) -> str:
        return re.sub(r"[0-9a-f]{8}…", "<version>…", hint)

    assert without_ids(graded.hint) in without_ids(str(in_the_notebook.value)), graded.hint
    assert "AWSCURRENT never moved to the token" in graded.hint
    assert "ClientError" not in graded.hint and "return early" not in graded.hint


def test_a_function_that_returns_what_json_cannot_carry_is_told_what_it_returned(tmp_path):
    """Graded, the learner's function runs in the kernel and its result travels to the grader as JSON: a generator
    cannot, and the hint says so ("it returned a generator"), not that the kernel's reply was broken."""
    lesson03 = "03_describe_list_and_lifecycle.ipynb"
    notebook = nbformat.read(ROOT / "solutions" / lesson03, as_version=4)
    cell = _cell_for(notebook, "3.5")
    parsed = '    return json.loads(response["SecretString"])'
    assert parsed in cell.source
    cell.source = cell.source.replace(parsed, '    yield json.loads(response["SecretString"])')
    notebook.cells = [c for c in notebook.cells if '"3.' not in c.source or '"3.5"' in c.source]
    nbformat.write(notebook, tmp_path / lesson03)
    results = {r.number: r for r in grading.grade(tmp_path / lesson03).results}
    assert results["3.5"].status == grading.FAILED
    assert results["3.5"].hint == "The check could not run: TypeError: it returned a generator"


def test_lesson4_graded_scheduled_rotations_run_on_the_graders_mock_clock(tmp_path):
    """Graded, smworkbook.clock.advance() moves the clock of the grader's mock (it holds the secret and its schedule):
    two weeks give two scheduled rotations and full marks; one week gives one, and the hint says to advance further."""
    lesson04 = "04_rotation.ipynb"
    notebook = nbformat.read(ROOT / "solutions" / lesson04, as_version=4)
    notebook.cells = [c for c in notebook.cells if not any(f'"4.{n}"' in c.source for n in (1, 2, 3, 4, 5))]
    nbformat.write(notebook, tmp_path / lesson04)
    (graded,) = [r for r in grading.grade(tmp_path / lesson04).results if r.number == "4.6"]
    assert graded.status == grading.PASSED, graded.hint

    cell = _cell_for(notebook, "4.6")
    assert "smworkbook.clock.advance(days=14)" in cell.source
    cell.source = cell.source.replace("advance(days=14)", "advance(days=7)")
    nbformat.write(notebook, tmp_path / lesson04)
    (graded,) = [r for r in grading.grade(tmp_path / lesson04).results if r.number == "4.6"]
    assert graded.status == grading.FAILED
    assert "1 scheduled rotation(s) of lesson04/weekly so far" in graded.hint
