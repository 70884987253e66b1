"""The exercise registry: each exercise has a number, a title, an optional set-up and a check.

A lesson module registers its exercises with the `exercise` decorator; notebooks call
`checks.setup("1.2")` before an exercise and `checks.verify("1.2", answer)` after it.
"""

from __future__ import annotations

import inspect
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import botocore.exceptions

from smworkbook.engine.errors import CheckFailed, WorkbookError
from smworkbook.toolkit import graded
from smworkbook.toolkit.mock import current, require_mock


@dataclass
class Exercise:
    number: str
    title: str
    check: Callable[..., str]
    prepare: Callable[[], str] | None = None

    @property
    def lesson(self) -> int:
        """The lesson the exercise belongs to: 3 for exercise "3.2"."""
        return int(self.number.split(".")[0])

    @property
    def answers(self) -> list[str]:
        """Names of the values the learner passes to verify()."""
        return list(inspect.signature(self.check).parameters)


EXERCISES: dict[str, Exercise] = {}


def exercise(number: str, title: str):
    """Register the decorated function as the check of exercise `number`.

    The check returns a short description of what passed, or raises CheckFailed with a hint.
    """

    def register(check: Callable[..., str]) -> Callable[..., str]:
        EXERCISES[number] = Exercise(number, title, check)
        return check

    return register


def prepares(number: str):
    """Register the decorated function as the set-up of exercise `number` (returns a message)."""

    def register(prepare: Callable[[], str]) -> Callable[[], str]:
        EXERCISES[number].prepare = prepare
        return prepare

    return register


def _find(number) -> Exercise:
    if not isinstance(number, str):
        raise WorkbookError(f"An exercise number is written in quotes, like '1.1', not {number!r}.")
    if number not in EXERCISES:
        known = ", ".join(sorted(EXERCISES))
        raise WorkbookError(f"There is no exercise {number!r}. The exercises are: {known}.")
    return EXERCISES[number]


def setup(number: str) -> None:
    """Put the mock in the state exercise `number` starts from (safe to run again)."""
    ex = _find(number)
    if ex.prepare is None:
        raise WorkbookError(f"Exercise {number} needs no set-up.")
    if graded.active():  # the grader's mock prepares it, with the grader's code
        print(f"Exercise {number} ({ex.title}) is ready: {graded.ask(f'/setup/{number}')}")
        return
    require_mock("Exercise checks")  # they compare exact names and tags: the embedded mock's
    print(f"Exercise {number} ({ex.title}) is ready: {ex.prepare()}")


def verify(number: str, *answers) -> None:
    """Check exercise `number` in the mock; print a pass line or raise CheckFailed with a hint."""
    ex = _find(number)
    if len(answers) != len(ex.answers):
        call = ", ".join([repr(number), *ex.answers])
        raise WorkbookError(f"Call it as checks.verify({call}).")
    if graded.active():
        _seen[number] = (_GRADED, "the grader checks it after this cell")
        print(f"Exercise {number}: the grader checks it itself after this cell (see the grade report).")
        return
    require_mock("Exercise checks")
    try:
        passed = ex.check(*answers)
    except CheckFailed as failure:
        _seen[number] = (_NOT_YET, str(failure))
        raise CheckFailed(f"Exercise {number} ({ex.title}) is not right yet. {failure}") from None
    except botocore.exceptions.ClientError as error:
        # The mock is in a state the check can't work from (e.g. a rotation left pending by an
        # earlier run): a hint, not a traceback.
        code, message = error.response["Error"]["Code"], error.response["Error"]["Message"]
        _seen[number] = (_NOT_YET, f"the check could not run ({code})")
        raise CheckFailed(
            f"Exercise {number} ({ex.title}): the check could not run ({code}: {message}). "
            f'Run the exercise cell again (it starts with checks.setup("{number}")), then this check.'
        ) from None
    _seen[number] = (_PASSED, passed)
    print(f"✔ Exercise {number} passed: {passed}")
    if _stub_left(number):
        print(f"  {STUB_RULE}")


# The rule for a solved exercise cell that still raises (docs/learner.md and the grader say the same).
STUB_RULE = (
    "Your exercise cell still ends in `raise NotImplementedError()`: delete that line. What counts is what "
    "the mock holds, so this passes; an exercise that fails with the line still there counts as not attempted."
)
STUB = re.compile(r"^\s*raise NotImplementedError\(\)\s*$", re.MULTILINE)


def _stub_left(number: str) -> bool:
    """Does this kernel's last run of exercise `number`'s cell still hold the generated stub line?"""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython else None
    if shell is None:
        return False
    setup_call = re.compile(rf"""checks\.setup\(\s*["']{re.escape(number)}["']""")
    for source in reversed(shell.history_manager.input_hist_raw):
        if setup_call.search(source):
            return bool(STUB.search(source))
    return False


# What this kernel's check cells found, by exercise: for progress(), never for a grade.
_PASSED, _NOT_YET, _GRADED = "passed", "not right yet", "handed to the grader"
_seen: dict[str, tuple[str, str]] = {}


def progress(lesson) -> None:
    """Show your results in lesson `lesson` from the check cells run since this kernel started.

    A view of your own runs, not your grade: `make grade` runs every exercise again, in a fresh
    kernel, and its checks run in the grader.
    """
    numbers = [number for number in EXERCISES if number.split(".")[0] == str(lesson)]
    if not numbers:
        known = ", ".join(dict.fromkeys(number.split(".")[0] for number in EXERCISES))
        raise WorkbookError(f"There is no lesson {lesson!r}. The lessons are {known}.")
    print(f"Your checks in lesson {lesson}, since this kernel started (a view, not your grade: `make grade` decides):")
    marks = {_PASSED: "✔", _NOT_YET: "✘", _GRADED: "→"}
    for number in numbers:
        status, detail = _seen.get(number, ("not checked yet", ""))
        line = f"{marks.get(status, '·')} {number} {EXERCISES[number].title}: {status}"
        print(line + (f" ({detail})" if status == _NOT_YET else ""))
    done = sum(_seen.get(number, ("",))[0] == _PASSED for number in numbers)
    print(f"{done} of {len(numbers)} passed in this kernel.")


def require(condition: object, hint: str) -> None:
    """Fail the check with `hint` unless `condition` holds."""
    if not condition:
        raise CheckFailed(hint)


def describe(name: str) -> dict | None:
    """describe_secret for `name`, or None when no such secret exists."""
    try:
        return current().client("secretsmanager").describe_secret(SecretId=name)
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise


def read(name: str, **version) -> dict:
    """get_secret_value for `name`; a hint (not a traceback) when it cannot be read."""
    try:
        return current().client("secretsmanager").get_secret_value(SecretId=name, **version)
    except botocore.exceptions.ClientError as error:
        code = error.response["Error"]["Code"]
        if code == "ResourceNotFoundException":
            raise CheckFailed(f"There is no secret called {name!r} (or no such version of it).") from None
        if code == "InvalidRequestException":
            raise CheckFailed(f"{name!r} is scheduled for deletion, so its value can't be read.") from None
        raise


def days_until_purge(name: str) -> float:
    """Days until the mock may purge `name`, scheduled for deletion (read from the mock's own state, in this
    process)."""
    from moto.backends import get_backend
    from moto.core import DEFAULT_ACCOUNT_ID

    backend = get_backend("secretsmanager")[DEFAULT_ACCOUNT_ID][current().region]
    return (backend.secrets[name].deleted_date - time.time()) / timedelta(days=1).total_seconds()
