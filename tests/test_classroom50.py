"""Classroom 50's autograding files (classroom50/), generated from the check registry and checked against its format.

Classroom 50 is not on PyPI: its CLI is a Go `gh` extension and its runner a script in its repository, so this test
cannot run Classroom 50's own validator. It checks the files against the rules Classroom 50's source defines, read
from foundation50/classroom50 at commit 0c499034f24703425496698992fedc41fbc1162f:
`schemas/assignments-v1.schema.json` (an assignment entry, its `runtime` and each item of `tests`) and
`cli/gh-teacher/skeleton/dotgithub/scripts/runner.py` (`load_tests` and `_validate_test_spec`, which re-validate
the materialized tests.json before grading; `execute_test`, which runs a `run` test: setup, then the command with
`shell=True` in the learner's checkout, passing on exit code 0). The rules are restated here, not copied.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from smworkbook.checks import EXERCISES
from smworkbook.grading import classroom50

from .conftest import ROOT
from .test_formats import _sample_report

FOLDER = ROOT / "classroom50"
SHORT_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,38}$")  # assignments-v1: $defs.shortName (slug, autograder)
LANG_VERSION = re.compile(r"^[A-Za-z0-9._+-]{1,32}$")  # assignments-v1: $defs.langVersion
RUNTIME_KEYS = {"runs-on", "container", "python", "node", "java", "go", "rust", "apt"}  # closed: additionalProperties
TEST_KEYS = {"name", "type", "setup", "run", "input", "input-file", "expected", "expected-file", "comparison"}
TEST_KEYS |= {"timeout", "exit-code", "points", "failure-details", "show-output", "show-command"}  # runner.py too
IO_ONLY = {"input", "input-file", "expected", "expected-file", "comparison"}


def _is_int(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def problems_in_tests(tests: list) -> list[str]:
    """What Classroom 50 refuses in a list of declarative tests (assignments-v1 `tests`, runner.py `load_tests`)."""
    problems = []
    if not isinstance(tests, list) or not tests or len(tests) > 100:
        return ["tests: a non-empty list of at most 100 (maxItems; load_tests refuses an empty one)"]
    names = [t.get("name") for t in tests if isinstance(t, dict)]
    problems += [f"duplicate test name {n!r}" for n in sorted({n for n in names if names.count(n) > 1})]
    for i, t in enumerate(tests):
        if not isinstance(t, dict):
            problems.append(f"tests[{i}]: not an object")
            continue
        problems += [f"tests[{i}]: unknown key {k!r}" for k in sorted(set(t) - TEST_KEYS)]
        name = t.get("name")
        if not isinstance(name, str) or not name or len(name.encode()) > 100:
            problems.append(f"tests[{i}]: name must be 1-100 UTF-8 bytes")
        elif any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
            problems.append(f"tests[{i}]: name has a control character")
        if t.get("type") not in ("io", "run", "python"):
            problems.append(f"tests[{i}]: type must be io, run or python")
        if not isinstance(t.get("run"), str) or not t.get("run"):
            problems.append(f"tests[{i}]: run must be a non-empty string")
        if "setup" in t and not isinstance(t["setup"], str):
            problems.append(f"tests[{i}]: setup must be a string")
        if not _is_int(t.get("timeout", 0), 0, 600):
            problems.append(f"tests[{i}]: timeout must be an integer 0-600")
        if not _is_int(t.get("points", 0), 0, 1000):
            problems.append(f"tests[{i}]: points must be an integer 0-1000")
        if t.get("type") != "io" and IO_ONLY & set(t):
            problems.append(f"tests[{i}]: {sorted(IO_ONLY & set(t))} belong to io tests only")
        if t.get("type") == "io" and t.get("comparison") not in ("included", "exact", "regex"):
            problems.append(f"tests[{i}]: an io test needs comparison included, exact or regex")
    return problems


def assignment_problems(entry: dict) -> list[str]:
    """What Classroom 50 refuses in one assignments.json entry (assignments-v1 `$defs.assignment`)."""
    problems = [f"missing {key}" for key in ("slug", "name", "mode", "autograder") if key not in entry]
    if not SHORT_NAME.match(str(entry.get("slug", ""))):
        problems.append("slug must match ^[a-z0-9][a-z0-9-]{1,38}$")
    if not SHORT_NAME.match(str(entry.get("autograder", ""))):
        problems.append("autograder must be a short name (`default` for the universal shim)")
    if not isinstance(entry.get("name"), str) or not entry.get("name"):
        problems.append("name must be a non-empty string")
    if entry.get("mode") not in ("individual", "group"):
        problems.append("mode must be individual or group")
    if entry.get("mode") == "individual" and "max_group_size" in entry:
        problems.append("an individual assignment has no max_group_size")
    runtime = entry.get("runtime", {})
    problems += [f"runtime: unknown key {k!r}" for k in sorted(set(runtime) - RUNTIME_KEYS)]
    if "python" in runtime and not LANG_VERSION.match(str(runtime["python"])):
        problems.append("runtime.python must match ^[A-Za-z0-9._+-]{1,32}$")
    return problems + problems_in_tests(entry.get("tests", []))


@pytest.mark.parametrize("name", list(classroom50.FILES))
def test_the_classroom50_files_are_in_sync_with_the_exercises(name):
    assert (FOLDER / f"{name}.json").read_text() == classroom50.text(name), (
        "Rule: classroom50/ is generated from the exercise registry, never edited by hand. "
        f"Run `python -m smworkbook.grading.classroom50 {name} > classroom50/{name}.json`."
    )


def test_one_run_test_per_exercise_worth_a_point_in_registry_order():
    tests = json.loads((FOLDER / "tests.json").read_text())
    assert [t["name"].split()[0] for t in tests] == list(EXERCISES)
    assert {t["type"] for t in tests} == {"run"} and {t["points"] for t in tests} == {1}
    assert json.loads((FOLDER / "assignment.json").read_text())["tests"] == tests
    assert "make grade" in tests[0]["setup"] and all("setup" not in t for t in tests[1:])  # graded once


def test_the_files_follow_the_format_classroom50s_schema_and_runner_define():
    assert problems_in_tests(json.loads((FOLDER / "tests.json").read_text())) == []
    assert assignment_problems(json.loads((FOLDER / "assignment.json").read_text())) == []
    # What publish-pages materializes and load_tests reads: the envelope around the same list.
    envelope = {"schema": "classroom50/tests/v1", "tests": classroom50.tests()}
    assert envelope["schema"] == "classroom50/tests/v1" and problems_in_tests(envelope["tests"]) == []


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda t: t[0].update(name="1.1\nbad"), "control character"),
        (lambda t: t[1].update(name=t[0]["name"]), "duplicate test name"),
        (lambda t: t[0].update(timeout=601), "timeout"),
        (lambda t: t[0].update(points=True), "points"),
        (lambda t: t[0].update(expected="x"), "io tests only"),
        (lambda t: t[0].update(name="x" * 101), "1-100 UTF-8 bytes"),
    ],
)
def test_the_format_check_refuses_what_classroom50_refuses(change, problem):
    tests = classroom50.tests()
    change(tests)
    assert any(problem in p for p in problems_in_tests(tests))


def test_each_test_run_as_classroom50s_runner_runs_it_passes_exactly_when_its_exercise_passed(tmp_path):
    """runner.py's execute_test: the `run` command through the shell in the learner's checkout; exit 0 passes."""
    _sample_report(tmp_path / "artifacts" / "grade" / "report.json")
    tests = {t["name"].split()[0]: t for t in classroom50.tests()}
    exits = {}
    for number in ("1.1", "1.2", "2.1"):
        command = tests[number]["run"].replace(".venv/bin/python", sys.executable, 1)
        done = subprocess.run(
            command, shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=tests[number]["timeout"]
        )
        exits[number] = (done.returncode, done.stdout)
    assert exits["1.1"][0] == 0
    assert exits["1.2"][0] == 1 and "api_key is still None" in exits["1.2"][1]
    assert exits["2.1"][0] == 1 and "not graded" in exits["2.1"][1]


def test_the_generator_refuses_an_unknown_file(capsys):
    assert classroom50.main(["scores"]) == 2 and "classroom50" in capsys.readouterr().err
