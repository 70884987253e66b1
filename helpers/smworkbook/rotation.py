"""Rotation functions written in the notebook, run by the mock's Secrets Manager as AWS runs a Lambda.

In AWS, RotateSecret names a Lambda function by its ARN, and Secrets Manager invokes it four
times, with {"SecretId", "ClientRequestToken", "Step"} for Step = createSecret, setSecret,
testSecret and finishSecret. Here the function is a plain Python `lambda_handler(event, context)`
in the learner's kernel:

    arn = smworkbook.register_rotation_function("my-rotation", lambda_handler)
    client.rotate_secret(SecretId="...", RotationLambdaARN=arn, RotationRules={...})

The mock (helpers/smworkbook/corrections.py, rotate_secret_runs_the_rotation_function) calls
`invoke()` for each step. The function runs in this kernel, so it can print, use the debugger,
and call back into the mock with boto3.

What the learner sees when a step raises: as in AWS, rotate_secret itself still returns (it only
*starts* the rotation); the remaining steps are not run and the secret keeps its AWSPENDING
version. The error is written to the function's log (AWS: CloudWatch Logs), which
`rotation_log(name)` shows, and one line saying which step failed is printed where the function's
own print() output goes.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import sys
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from . import isolation
from .errors import WorkbookError

ACCOUNT_ID = "123456789012"  # moto's default account, the one the fake credentials land in
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_lock = threading.Lock()


@dataclass
class _Function:
    name: str
    arn: str
    handler: Callable
    log: list[str] = field(default_factory=list)
    invocations: list[dict] = field(default_factory=list)


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


def register_rotation_function(name: str, handler: Callable) -> str:
    """Make `handler` (a `lambda_handler(event, context)`) the rotation function called `name`.

    Returns its ARN, to pass to rotate_secret(RotationLambdaARN=...). Registering the same name
    again replaces the code (like deploying a new version of a Lambda function) and keeps its log.
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise WorkbookError(
            f"A function name is 1 to 64 letters, digits, '-' or '_' (like 'rotate-db-password'), not {name!r}."
        )
    if not callable(handler):
        raise WorkbookError(f"Pass the function itself (lambda_handler, no brackets), not {handler!r}.")
    # The mock calls the function in this kernel; an endpoint or real AWS would look for a Lambda.
    from .mock import refuse_other_backends

    refuse_other_backends("Rotation with a function in this kernel")
    arn = function_arn(name)
    with _lock:
        old = _functions.get(arn)
        _functions[arn] = _Function(name, arn, handler, log=old.log if old else [], invocations=[])
    from . import graded

    if graded.active():  # the grader's mock, in another process, invokes it here over loopback
        graded.serve_rotation_function(name)
    return arn


def is_registered(arn: str) -> bool:
    return _find(arn, missing_ok=True) is not None


def invocations(function: str) -> list[dict]:
    """The events the function received since it was (re-)registered, oldest first."""
    return list(_find(function).invocations)


def rotation_log(function: str) -> None:
    """Print the log of the rotation function `function` (its name or ARN): what it printed and
    logged, and any error, step by step. In AWS, this is the function's CloudWatch Logs."""
    found = _find(function)
    print("\n".join(found.log) if found.log else f"(the function {found.name} has not run yet)")


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
        print(
            f"Rotation function {function.name!r} failed at {event['Step']}: "
            f"{type(error).__name__}: {error}  (full log: smworkbook.rotation_log({function.name!r}))"
        )
        return False
    finally:
        root.removeHandler(handler)
    function.log.extend(stream.lines())
    function.log.append(f"END {event['Step']}")
    return True


def _short_traceback(error: BaseException) -> list[str]:
    # Only the frames in the learner's code (the workbook's own would hide the mistake), without
    # the kernel's temporary file names.
    frames = [
        f
        for f in traceback.extract_tb(error.__traceback__)
        if "smworkbook" not in f.filename and "site-packages" not in f.filename
    ]
    lines = ["Traceback (most recent call last):"]
    for frame in frames:
        lines.append(f"  in {frame.name}, line {frame.lineno}: {(frame.line or '').strip()}")
    lines.append(f"{type(error).__name__}: {error}")
    return lines


def _find(function: str, missing_ok: bool = False) -> _Function | None:
    if not isinstance(function, str):
        raise WorkbookError(f"Name the rotation function by its name or ARN, not {function!r}.")
    arn = function if function.startswith("arn:") else function_arn(function)
    found = _functions.get(arn)
    if found is None and not missing_ok:
        known = ", ".join(sorted(f.name for f in _functions.values())) or "none yet"
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
