"""The exercise registry: each exercise has a number, a title, an optional set-up and a check.

A lesson module registers its exercises with the `exercise` decorator; notebooks call
`checks.setup("1.2")` before an exercise and `checks.verify("1.2", answer)` after it.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import botocore.exceptions

from smworkbook.engine.errors import CheckFailed, WorkbookError, one_line, wrapped
from smworkbook.toolkit import graded
from smworkbook.toolkit.mock import current, require_mock


@dataclass
class Exercise:
    number: str
    title: str
    check: Callable[..., str]
    prepare: Callable[[], str] | None = None
    # The part of the set-up that makes files the learner's code works on (lesson 8's sample repository): it runs in
    # the learner's kernel, graded or not, after `prepare` (which runs where the mock is: the grader's process).
    prepare_in_kernel: Callable[[], str] | None = None

    def with_kernel_part(self, said: str) -> str:
        """`said` (what the set-up did) after the kernel's part of the set-up has run here, its message first."""
        if self.prepare_in_kernel is None:
            return said
        return f"{self.prepare_in_kernel()}; {said}"

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


def prepares_in_kernel(number: str):
    """Register the decorated function as the kernel's part of exercise `number`'s set-up (returns a message).

    It runs in the learner's kernel after the set-up, also when graded: what it makes (files, a git repository)
    belongs to the learner's kernel, which is where the learner's code runs."""

    def register(prepare: Callable[[], str]) -> Callable[[], str]:
        EXERCISES[number].prepare_in_kernel = prepare
        return prepare

    return register


# Set in the grader's mock process (grading/grader_mock.py): how a check there runs a `runs_in_kernel` function in
# the learner's kernel. None: the check runs in the kernel itself, and calls the function directly.
_kernel_runner: Callable[..., object] | None = None


def runs_in_kernel(function: Callable) -> Callable:
    """A check's helper that looks at, or runs, what only the learner's kernel holds (files it wrote, its code).

    Graded, the check runs in the grader's process and the helper in the learner's kernel (graded.call), as
    lesson 4's rotation steps do: the learner's code never runs as the grader, and the grader judges what comes
    back. The arguments and the result travel as JSON both ways, so a check sees the same values, graded or not.
    """
    name = f"{function.__module__}.{function.__qualname__}"
    graded.WORKBOOK_FUNCTIONS[name] = function

    @functools.wraps(function)
    def run(*args):
        if _kernel_runner is not None:
            return _kernel_runner(name, *args)
        return json.loads(json.dumps(function(*json.loads(json.dumps(args)))))

    return run


def set_kernel_runner(runner: Callable[..., object] | None) -> None:
    """The grader's mock process: run `runs_in_kernel` helpers with `runner(name, *args)` (None: here)."""
    global _kernel_runner
    _kernel_runner = runner


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
    _cell_errors.pop(number, None)  # this run of the exercise cell replaces the last one's outcome
    if _watch_cells():
        _running.append(number)
    if graded.active():  # the grader's mock prepares it, with the grader's code
        message = graded.ask(f"/setup/{number}")
    else:
        require_mock("Exercise checks")  # they compare exact names and tags: the embedded mock's
        message = ex.prepare()
    print(wrapped(f"Exercise {number} ({ex.title}) is ready: {ex.with_kernel_part(message)}"))


def verify(number: str, *answers) -> None:
    """Check exercise `number` in the mock; print a pass line or raise CheckFailed with a hint."""
    ex = _find(number)
    if len(answers) != len(ex.answers):
        call = ", ".join([repr(number), *ex.answers])
        raise WorkbookError(f"Call it as checks.verify({call}).")
    if graded.active():
        _seen[number] = (_GRADED, "the grader checks it after this cell")
        print(wrapped(f"Exercise {number}: the grader checks it itself after this cell (see the grade report)."))
        return
    require_mock("Exercise checks")
    raised = _cell_raised(number)
    try:
        passed = ex.check(*answers)
    except CheckFailed as failure:
        if raised:  # the learner's own error says more than the check, which may be judging an earlier run
            _seen[number] = (_NOT_YET, f"your exercise cell raised {_error_name(raised)}")
            raise CheckFailed(
                f"Exercise {number} ({ex.title}) is not right yet. {_raised_hint(raised)} "
                f"(What the check found, maybe left from an earlier run: {failure})"
            ) from None
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
    if raised:  # what passed may be an earlier run's work: the cell as it stands has not run to its end
        _seen[number] = (_NOT_YET, f"your exercise cell raised {_error_name(raised)}")
        raise CheckFailed(
            f"Exercise {number} ({ex.title}) is not right yet. {_raised_hint(raised)} "
            "(The mock and your variables may still hold an earlier run's work: the check judges the cell "
            "once it runs to its end.)"
        )
    _seen[number] = (_PASSED, passed)
    print(wrapped(f"✔ Exercise {number} passed: {passed}"))
    if _stub_left(number):
        print(wrapped(f"  {STUB_RULE}"))


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


# How this kernel's last run of each exercise cell ended: the error it raised, by exercise (none: it ran to
# its end, or it has not run since its set-up). IPython calls `_cell_ran` after every cell.
_cell_errors: dict[str, BaseException] = {}
_running: list[str] = []  # the exercises whose set-up ran in the cell now running
SETUP_CALL = re.compile(r"""checks\.setup\(\s*["'](\d+\.\d+)["']""")


def _watch_cells() -> bool:
    """Have IPython report each cell's end to `_cell_ran` (once per shell); False in plain Python (no cells)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython else None
    if shell is None:
        return False
    if _cell_ran not in shell.events.callbacks["post_run_cell"]:
        shell.events.register("post_run_cell", _cell_ran)
    return True


def _cell_ran(result) -> None:
    """IPython's post_run_cell: note the error an exercise cell raised, or that it ran to its end.

    A cell that never started (a SyntaxError) ran no set-up: it is found by its `checks.setup("N.M")` line.
    """
    numbers = _running[:] or SETUP_CALL.findall(getattr(result.info, "raw_cell", "") or "")
    _running.clear()
    error = result.error_before_exec or result.error_in_exec
    for number in numbers:
        if error is None:
            _cell_errors.pop(number, None)
        else:
            _cell_errors[number] = error


def _cell_raised(number: str) -> BaseException | None:
    """The error the last run of exercise `number`'s cell raised, unless it is only the generated stub's."""
    error = _cell_errors.get(number)
    if isinstance(error, NotImplementedError) and _stub_left(number):
        return None  # the answer ran, then the stub line: STUB_RULE says what to do
    return error


def _error_name(error: BaseException) -> str:
    """An AWS error by its code, as AWS and the grader name it (ValidationException has no class of its own)."""
    if isinstance(error, botocore.exceptions.ClientError):
        return error.response.get("Error", {}).get("Code") or type(error).__name__
    return type(error).__name__


def _raised_hint(error: BaseException) -> str:
    """What the learner's own error said, where, and what to do: fix it, run the cell again, then the check."""
    if isinstance(error, KeyboardInterrupt):
        return "Your exercise cell was interrupted before its end. Run it again to its end, then this check."
    if isinstance(error, SyntaxError):
        where = f"line {error.lineno}: {one_line(error.text or '')}" if error.lineno else "the cell"
        said = f": {error.msg} ({where})"
    elif isinstance(error, botocore.exceptions.ClientError):  # AWS's words, without botocore's preamble
        said = f" from {error.operation_name}: {one_line(error.response.get('Error', {}).get('Message', ''))}"
    else:
        said = f": {one_line(error) or '(no message)'}"
    said += "" if said.endswith((".", "!", "?")) else "."
    line = _learners_line(error)
    at = f" At `{line}`." if line else ""
    fix = "Fix that, run the exercise cell again, then this check."
    return f"Your exercise cell raised {_error_name(error)}{said}{at} {fix}"


def _learners_line(error: BaseException) -> str:
    """The line of the learner's own cells where `error` was raised (the last one in its traceback), or ''."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython else None
    cells = getattr(getattr(shell, "compile", None), "_filename_map", {})  # IPython's names for its cells' code
    lines = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename in cells]
    text = (lines[-1].line or "").strip() if lines else ""
    return text if len(text) <= 160 else text[:159] + "…"


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
    print(
        wrapped(
            f"Your checks in lesson {lesson}, since this kernel started (a view, not your grade: `make grade` decides):"
        )
    )
    marks = {_PASSED: "✔", _NOT_YET: "✘", _GRADED: "→"}
    for number in numbers:
        status, detail = _seen.get(number, ("not checked yet", ""))
        line = f"{marks.get(status, '·')} {number} {EXERCISES[number].title}: {status}"
        print(wrapped(line + (f" ({detail})" if status == _NOT_YET else "")))
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


_watch_cells()  # from the set-up cell on: an exercise cell that never starts (a SyntaxError) is seen too
