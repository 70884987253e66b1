"""Classroom 50's autograding (github.com/foundation50/classroom50), generated from the check registry.

    python -m smworkbook.grading.classroom50 assignment > classroom50/assignment.json   the assignments.json entry
    python -m smworkbook.grading.classroom50 tests > classroom50/tests.json             its tests alone

Classroom 50 keeps each classroom's assignments in `<classroom>/assignments.json` (schema
"classroom50/assignments/v1") in the organisation's `classroom50` repository. An assignment's declarative
`tests` are run, in order, by Classroom 50's runner (`.github/scripts/runner.py`) in the learner's repository on
every submission; a `run` test passes when its command exits 0 and is worth its `points`; `setup` and `run` are
each bounded by the test's `timeout` (1-600 s). The runner writes `result.json` (one row per test, the score) to
the submission's release, and Classroom 50's score collector gathers every learner's into the teacher's
`scores.json` and gradebook.

`tests.json` is the bare list of tests that `gh teacher assignment add --tests FILE` and `gh teacher assignment
test set --tests FILE` take; `assignment.json` is the whole entry, for an instructor who edits assignments.json.
The workbook's assignment has one `run` test per registered exercise, 1 point each. The first test's setup grades
the notebooks once (`make grade`); each test then reads its exercise's row of the JSON report, as classroom.yml's
steps do (`smworkbook.grading.formats passed N`). The entry omits `template` (the instructor's own repository
made from this one), which the instructor adds: docs/instructor.md walks through it.
"""

from __future__ import annotations

import json
import sys

from smworkbook.checks import EXERCISES

SLUG = "secrets-manager-workbook"
# Grading every lesson once, from a fresh runner (the workbook's install, then each notebook in a fresh kernel),
# within the longest timeout a test may have (600 s, runner.py's _validate_test_spec).
GRADE_TIMEOUT = 600
READ_TIMEOUT = 60  # one `passed N`: a Python start and a JSON file read
GRADE = "make grade || true  # each exercise's test below passes or fails on its own"


def tests() -> list[dict]:
    """One `run` test per registered exercise, in registry order, 1 point each."""
    specs = []
    for index, (number, exercise) in enumerate(EXERCISES.items()):
        spec = {"name": f"{number} {exercise.title}", "type": "run"}
        if index == 0:
            spec["setup"] = GRADE
        spec["run"] = f".venv/bin/python -m smworkbook.grading.formats passed {number}"
        spec["timeout"] = GRADE_TIMEOUT if index == 0 else READ_TIMEOUT
        spec["points"] = 1
        specs.append(spec)
    return specs


def assignment() -> dict:
    """The workbook's entry for `<classroom>/assignments.json` (add `template`, then `gh teacher` publishes it)."""
    return {
        "slug": SLUG,
        "name": "Secrets Manager workbook",
        "description": f"{len(EXERCISES)} exercises, one point each, graded by running the notebooks.",
        "mode": "individual",
        "autograder": "default",
        "runtime": {"python": "3.11"},
        "tests": tests(),
    }


FILES = {"assignment": assignment, "tests": tests}  # classroom50/<name>.json


def text(name: str) -> str:
    """classroom50/<name>.json's text."""
    return json.dumps(FILES[name](), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in FILES:
        print(__doc__, file=sys.stderr)
        return 2
    sys.stdout.write(text(argv[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
