"""Grades in the formats instructors use: GitHub Classroom, a CI matrix, Gradescope, an LMS's CSV."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from smworkbook.checks import EXERCISES
from smworkbook.grading import formats
from smworkbook.grading import run as grading

from .conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"


def _workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def _sample_report(path):
    report = grading.Report(
        results=[
            grading.Result("1.1", EXERCISES["1.1"].title, "01.ipynb", grading.PASSED),
            grading.Result("1.2", EXERCISES["1.2"].title, "01.ipynb", grading.FAILED, "api_key is still None."),
        ]
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report.to_json())


def test_the_classroom_workflow_is_in_sync_with_the_exercises():
    assert (WORKFLOWS / "classroom.yml").read_text() == formats.classroom_workflow(), (
        "Rule: the classroom workflow is generated from the exercise registry, never edited by hand. "
        "Run `python -m smworkbook.grading.formats classroom-workflow > .github/workflows/classroom.yml`."
    )


def test_the_classroom_workflow_has_one_test_worth_a_point_per_exercise_and_reports_the_score():
    steps = _workflow("classroom.yml")["jobs"][formats.JOB]["steps"]
    tests = [step for step in steps if "autograding-command-grader" in step.get("uses", "")]
    assert [t["with"]["test-name"].split()[0] for t in tests] == list(EXERCISES)
    assert {t["with"]["max-score"] for t in tests} == {1}
    (reporter,) = [step for step in steps if "autograding-grading-reporter" in step.get("uses", "")]
    assert reporter["with"]["runners"].split(",") == [t["id"] for t in tests]
    assert set(reporter["env"]) == {f"{t['id'].upper()}_RESULTS" for t in tests}


def test_the_classroom_workflow_has_the_names_the_grading_reporter_requires():
    """classroom-resources/autograding-grading-reporter's README: the workflow is named "Autograding Tests" and its
    job "run-autograding-tests"; GitHub Classroom reads the score of that run only."""
    workflow = _workflow("classroom.yml")
    assert workflow["name"] == "Autograding Tests"
    assert list(workflow["jobs"]) == ["run-autograding-tests"]


def test_a_classroom_test_passes_exactly_when_its_exercise_passed(tmp_path):
    _sample_report(tmp_path / "artifacts" / "grade" / "report.json")
    steps = _workflow("classroom.yml")["jobs"][formats.JOB]["steps"]
    commands = {
        s["with"]["test-name"].split()[0]: s["with"]["command"] for s in steps if "with" in s and "command" in s["with"]
    }
    outcomes = {}
    for number in ("1.1", "1.2", "2.1"):
        argv = shlex.split(commands[number])
        argv[0] = sys.executable  # .venv/bin/python in the learner's repository
        done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=60)
        outcomes[number] = (done.returncode, done.stdout)
    assert outcomes["1.1"][0] == 0
    assert outcomes["1.2"][0] == 1 and "api_key is still None" in outcomes["1.2"][1]
    assert outcomes["2.1"][0] == 1 and "not graded" in outcomes["2.1"][1]


def test_the_gradebook_workflow_grades_one_learner_per_job_and_merges_signed_reports():
    jobs = _workflow("gradebook.yml")["jobs"]
    assert "matrix" in jobs["grade"]["strategy"]
    grade = " ".join(step.get("run", "") for step in jobs["grade"]["steps"])
    assert "--learner" in grade and "smworkbook grade" in grade
    merge = " ".join(step.get("run", "") for step in jobs["gradebook"]["steps"])
    assert "gradebook --merge" in merge
    assert any("SMWORKBOOK_GRADE_KEY" in step.get("env", {}) for step in jobs["gradebook"]["steps"])


def test_every_workflow_passes_zizmor():
    """zizmor is one of the test tools `make test` installs (uv.lock's dev group)."""
    zizmor = str(Path(sys.executable).parent / "zizmor")
    done = subprocess.run([zizmor, "--offline", str(WORKFLOWS)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout + done.stderr


def test_gradescope_run_autograder_writes_results_json_in_an_autograder_tree(tmp_path):
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    (root / "source").symlink_to(ROOT)
    shutil.copy(ROOT / "solutions" / "01_create_retrieve_update_delete.ipynb", root / "submission")
    done = subprocess.run(
        [str(ROOT / "autograder" / "run_autograder")],
        env=dict(os.environ, AUTOGRADER_ROOT=str(root), VENV=sys.prefix),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 6
    assert [test["name"].split()[0] for test in results["tests"]] == list(EXERCISES)
    tests = {test["name"].split()[0]: test for test in results["tests"]}
    assert (tests["1.1"]["status"], tests["1.1"]["score"], tests["1.1"]["max_score"]) == ("passed", 1, 1)
    assert tests["2.1"]["status"] == "failed" and "not in the submission" in tests["2.1"]["output"]


def test_gradescope_results_say_why_when_nothing_could_be_graded(tmp_path):
    results = formats.gradescope(tmp_path / "no-report.json")
    assert results["score"] == 0 and len(results["tests"]) == len(EXERCISES)
