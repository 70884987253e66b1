"""The mock's Lambda for rotation: functions written in the kernel, run for each rotation step.

In AWS, RotateSecret names a Lambda function by its ARN, and Secrets Manager invokes it four
times, with {"SecretId", "ClientRequestToken", "RotationToken", "Step"} for Step = createSecret,
setSecret, testSecret and finishSecret. Here the function is a plain Python
`lambda_handler(event, context)` in the learner's kernel, registered with
smworkbook.register_rotation_function() (helpers/smworkbook/toolkit/rotation.py); the mock's RotateSecret
(corrections/rotation.py) calls `invoke()` for each step. The function runs in this kernel, so
it can print, use the debugger, and call back into the mock with boto3.

What the learner sees when a step raises: as in AWS, rotate_secret itself still returns (it only
*starts* the rotation); the remaining steps are not run and the secret keeps its AWSPENDING
version. The error is written to the function's log (AWS: CloudWatch Logs), which
`rotation_log(name)` shows, and one line saying which step failed is printed where the function's
own print() output goes (unless whoever registered the function reports failures itself: the
exercise checks put the error in their hint, so it is not printed twice).

This module is part of the mock engine: it imports neither the mock nor the learner's helpers.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import sys
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from smworkbook.engine import isolation
from smworkbook.engine.errors import WorkbookError

ACCOUNT_ID = "123456789012"  # moto's default account, the one the fake credentials land in
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_lock = threading.Lock()


@dataclass
class _Function:
    name: str
    arn: str
    handler: Callable | None  # None: a function deployed with create_function (engine/lambda_runtime.py runs it)
    log: list[str] = field(default_factory=list)
    invocations: list[dict] = field(default_factory=list)
    # False when the caller reports a failed step itself (an exercise check's hint holds the error).
    announce_failures: bool = True


_functions: dict[str, _Function] = {}


class LambdaContext:
    """The `context` a rotation function receives: the few attributes AWS's context has that matter here."""

    def __init__(self, function: _Function) -> None:
        self.function_name = function.name
        self.invoked_function_arn = function.arn
        self.aws_request_id = str(uuid.uuid4())
        self.memory_limit_in_mb = 128

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def function_arn(name: str) -> str:
    """The Lambda ARN the function called `name` has in the mock's account and region."""
    return f"arn:aws:lambda:{isolation.REGION}:{ACCOUNT_ID}:function:{name}"


def register(name: str, handler: Callable) -> str:
    """Make `handler` the function `name` (a new deployment keeps the log); returns its ARN."""
    arn = function_arn(name)
    with _lock:
        old = _functions.get(arn)
        _functions[arn] = _Function(name, arn, handler, log=old.log if old else [], invocations=[])
    return arn


def is_registered(arn: str) -> bool:
    """Is `arn` a function registered in this kernel (not one deployed with create_function)?"""
    found = _find(arn, missing_ok=True)
    return found is not None and found.handler is not None


def deployed_log(name: str, arn: str) -> list[str]:
    """The log kept for rotation_log(name) of a function deployed with create_function (made on first use)."""
    with _lock:
        found = _functions.get(arn)
        if found is None or found.handler is not None:
            found = _functions[arn] = _Function(name, arn, None, log=found.log if found else [])
    return found.log


def invoke(arn: str, event: dict) -> bool:
    """Run the rotation function `arn` for one step. True if it returned, False if it raised.

    Called by the mock's rotate_secret, in the server's request thread, in this kernel.
    """
    function = _find(arn)
    function.invocations.append(dict(event))
    function.log.append(f"START {event['Step']} token {event['ClientRequestToken']}")
    stream = _Tee(sys.stdout)
    handler = _LogHandler(function.log)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with contextlib.redirect_stdout(stream):
            function.handler(dict(event), LambdaContext(function))
    except Exception as error:  # the function's error, whatever it is, ends this step as in AWS
        function.log.extend(stream.lines())
        function.log.extend(_short_traceback(error))
        function.log.append(f"END {event['Step']}: FAILED")
        if function.announce_failures:
            print(
                f"Rotation function {function.name!r} failed at {event['Step']}: "
                f"{error_text(error)}  (full log: smworkbook.rotation_log({function.name!r}))"
            )
        return False
    finally:
        root.removeHandler(handler)
    function.log.extend(stream.lines())
    function.log.append(f"END {event['Step']}")
    return True


_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _short_traceback(error: BaseException) -> list[str]:
    # Only the frames in the learner's code (the workbook's own would hide the mistake), without
    # the kernel's temporary file names. The workbook's own: files in this package (not any path
    # that merely contains "smworkbook", such as a learner's folder).
    frames = [
        f
        for f in traceback.extract_tb(error.__traceback__)
        if not os.path.abspath(f.filename).startswith(_PACKAGE) and "site-packages" not in f.filename
    ]
    lines = ["Traceback (most recent call last):"]
    for frame in frames:
        lines.append(f"  in {frame.name}, line {frame.lineno}: {(frame.line or '').strip()}")
    lines.append(error_text(error))
    return lines


def error_text(error: BaseException) -> str:
    """`Type: message` for an error a rotation function raised.

    A PostgreSQL driver's error (pg8000's DatabaseError) holds the server's whole ErrorResponse as
    a dict of the protocol's field codes (PostgreSQL's docs, "Error and Notice Message Fields"):
    'M' the message, 'C' the SQLSTATE code, and 'F', 'L', 'R' the server's own source file, line
    and routine, which change with the server's version. Only the message is shown, as psql shows
    it: `DatabaseError: password authentication failed for user "app_user"`.
    """
    fields = error.args[0] if len(error.args) == 1 else None
    if isinstance(fields, dict) and isinstance(fields.get("M"), str):
        return f"{type(error).__name__}: {fields['M']}"
    return f"{type(error).__name__}: {error}"


_NAMES_SHOWN = 5


def _find(function: str, missing_ok: bool = False) -> _Function | None:
    if not isinstance(function, str):
        raise WorkbookError(f"Name the rotation function by its name or ARN, not {function!r}.")
    arn = function if function.startswith("arn:") else function_arn(function)
    found = _functions.get(arn)
    if found is None and not missing_ok:
        names = sorted(f.name for f in _functions.values())
        # A kernel that registered many functions still gets a one-line answer: the first few, then a count.
        known = ", ".join(names[:_NAMES_SHOWN]) + (
            f" and {len(names) - _NAMES_SHOWN} more" if names[_NAMES_SHOWN:] else ""
        )
        known = known or "none yet"
        raise WorkbookError(
            f"There is no rotation function {function!r}. Registered: {known}. "
            "Register one with smworkbook.register_rotation_function(name, lambda_handler)."
        )
    return found


class _Tee(io.TextIOBase):
    """Writes through to the kernel's output and keeps a copy for the function's log."""

    def __init__(self, out) -> None:
        self._out = out
        self._copy = io.StringIO()

    def write(self, text: str) -> int:
        self._copy.write(text)
        return self._out.write(text)

    def flush(self) -> None:
        # Python 3.13 reports an error in the flush that closes a dropped stream: the output it
        # wrote through to may be closed by then (pytest's capture), with nothing left to flush.
        if not getattr(self._out, "closed", False):
            self._out.flush()

    def lines(self) -> list[str]:
        return self._copy.getvalue().splitlines()


class _LogHandler(logging.Handler):
    """logging records (AWS's templates use logger.info) go to the function's log, as in Lambda."""

    def __init__(self, log: list[str]) -> None:
        super().__init__(logging.INFO)
        self._log = log
        self._thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        library = record.name.split(".")[0] in ("botocore", "boto3", "urllib3", "werkzeug", "moto")
        if record.thread == self._thread and record.levelno >= logging.INFO and not library:
            self._log.append(f"[{record.levelname}] {record.getMessage()}")
