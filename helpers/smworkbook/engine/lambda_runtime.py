"""Deployed Lambda functions, run without Docker: each invocation in a child process of the learner's own user.

moto runs a function's code only in a Docker container; the workbook has no Docker. Here a function made with
the mock's Lambda API (create_function with a ZipFile) runs as one child process per invocation, started from
the process that holds the mock (the learner's kernel; under the grader, the learner's kernel too: the grader's
mock hands the invocation to it, see grading/grader_mock.py), with:
- the kernel's own Python (a Python runtime, python3.x; the function's packages must suit that Python);
- the deployment package unzipped in a private temporary folder, removed afterwards;
- the environment Lambda gives a function (Developer Guide, "Working with Lambda environment variables",
  "Defined runtime environment variables"): _HANDLER, AWS_REGION, AWS_DEFAULT_REGION, AWS_EXECUTION_ENV,
  AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_MEMORY_SIZE, AWS_LAMBDA_FUNCTION_VERSION,
  AWS_LAMBDA_LOG_GROUP_NAME, AWS_LAMBDA_LOG_STREAM_NAME, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
  AWS_SESSION_TOKEN ("the access keys obtained from the function's execution role"), LAMBDA_TASK_ROOT, TZ,
  then the function's own Environment variables; and, so that every SDK call reaches the mock on loopback
  and nothing else: AWS_ENDPOINT_URL and SECRETS_MANAGER_ENDPOINT (the variable AWS's rotation templates
  pass to boto3.client(endpoint_url=...); on AWS the template's stack sets it to the regional endpoint) set to
  the mock, whatever the function's configuration says, no proxy, no shared AWS files;
- the function's Timeout enforced: the process group is killed when it runs out (Developer Guide, "Configure
  Lambda function timeout"; the answer as in "Troubleshoot invocation issues in Lambda": errorType
  "Sandbox.Timedout", "Task timed out after 3.00 seconds");
- nothing left running when the kernel dies (the child dies with its parent, lambda_bootstrap.py).
MemorySize is reported, not enforced.

This module is part of the engine: it imports neither the mock nor the learner's helpers.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from smworkbook.engine import isolation

BOOTSTRAP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lambda_bootstrap.py")
# Room for the child's Python to start and import the function, on top of its Timeout (which the child keeps itself,
# from the handler's call): Lambda's init phase has a limit of its own, 10 s. The kernel's last resort.
_START_ALLOWANCE = 10.0
_MAX_UNZIPPED = 250 * 1024 * 1024  # Lambda's quota: "250 MB (unzipped)" for a deployment package


@dataclass
class Invocation:
    """Everything one invocation needs: the function's configuration, its code, the event, where the mock is."""

    name: str
    arn: str
    handler: str
    runtime: str
    timeout: float
    memory: int
    environment: dict[str, str]
    code: bytes  # the deployment package (a .zip)
    event: object
    endpoint: str  # the mock, http://127.0.0.1:PORT
    credentials: tuple[str, str, str]  # the execution role's key id, secret and session token
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_stream: str = ""

    def to_json(self) -> dict:
        import base64

        fields = dict(self.__dict__)
        fields["code"] = base64.b64encode(self.code).decode()
        return fields

    @classmethod
    def from_json(cls, fields: dict) -> Invocation:
        import base64

        fields = dict(fields)
        fields["code"] = base64.b64decode(fields["code"])
        fields["credentials"] = tuple(fields["credentials"])
        return cls(**fields)


@dataclass
class Outcome:
    """What an invocation came to: the payload (the result, or Lambda's error document) and its log lines."""

    payload: object
    failed: bool
    log: list[str]
    duration_ms: float
    max_memory_mb: int = 0

    def to_json(self) -> dict:
        return dict(self.__dict__)


def log_stream_name(version: str = "$LATEST") -> str:
    """A new log stream's name as Lambda makes them: YYYY/MM/DD/[version]<execution environment id>."""
    return f"{datetime.now(UTC):%Y/%m/%d}/[{version}]{uuid.uuid4().hex}"


def error(error_type: str, message: str, request_id: str) -> dict:
    """Lambda's error document for an error its runtime detects (the function's own come from the bootstrap)."""
    return {"errorMessage": message, "errorType": error_type, "requestId": request_id, "stackTrace": []}


def run(invocation: Invocation) -> Outcome:
    """Run one invocation in a child process and wait for it (at most its Timeout)."""
    started = time.monotonic()
    if not invocation.runtime.startswith("python3"):
        # Lambda would run it; this mock has only the kernel's Python to run it with.
        message = f"The workbook's mock runs only Python functions (Runtime python3.x), not {invocation.runtime!r}."
        return refused("Runtime.InvalidRuntime", message, invocation)
    folder = tempfile.mkdtemp(prefix="smworkbook-lambda-")  # 0700: the learner's alone
    try:
        code_dir = os.path.join(folder, "task")
        problem = _unzip(invocation.code, code_dir)
        if problem:
            return refused("Runtime.InvalidEntrypoint", problem, invocation)
        event_file, result_file = os.path.join(folder, "event.json"), os.path.join(folder, "result.json")
        with open(event_file, "w", encoding="utf-8") as file:
            json.dump(invocation.event, file)
        argv = [_interpreter(), "-I", BOOTSTRAP, code_dir, invocation.handler, event_file, result_file]
        argv.append(str(os.getpid()))
        child = subprocess.Popen(
            argv,
            env=_environment(invocation, code_dir, folder),
            cwd=code_dir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a timeout kills whatever it started too
        )
        try:
            output, _ = child.communicate(timeout=invocation.timeout + _START_ALLOWANCE)
            timed_out = False
        except subprocess.TimeoutExpired:
            _kill_group(child)
            output, _ = child.communicate()
            timed_out = True
        finally:
            # Nothing the function started outlives its invocation (Lambda freezes or ends its environment).
            _kill_group(child)
            child.wait()
        log = output.decode("utf-8", "replace").splitlines()
        duration = (time.monotonic() - started) * 1000
        if timed_out or duration > (invocation.timeout + _START_ALLOWANCE) * 1000:
            return _timed_out(invocation, log, duration)
        try:
            with open(result_file, encoding="utf-8") as file:
                answer = json.load(file)
        except (OSError, ValueError):
            status = child.returncode
            message = f"RequestId: {invocation.request_id} Error: Runtime exited with error: exit status {status}"
            failure = error("Runtime.ExitError", message, invocation.request_id)
            return Outcome(failure, True, [*log, f"[ERROR] Runtime.ExitError: {message}"], duration)
        if answer.get("timed_out"):
            return _timed_out(invocation, log, duration)
        memory = int(answer.get("max_memory_mb") or 0)
        if "error" in answer:
            return Outcome(answer["error"], True, log, duration, memory)
        return Outcome(answer.get("result"), False, log, duration, memory)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def refused(error_type: str, message: str, invocation: Invocation) -> Outcome:
    """An invocation that never ran the function: the error document, and the line the log shows."""
    log = [f"[ERROR] {error_type}: {message}"]
    return Outcome(error(error_type, message, invocation.request_id), True, log, 0.0)


def _interpreter() -> str:
    """The Python this process runs: sys.executable, or, where this user may not reach that path (a grader's
    learner user, started as root: the interpreter may sit in root's folders), the running binary itself, by its
    /proc link, which needs no search permission on the folders on its way."""
    if os.access(sys.executable, os.X_OK) or not os.path.exists("/proc/self/exe"):
        return sys.executable
    return "/proc/self/exe"


def _timed_out(invocation: Invocation, log: list[str], duration: float) -> Outcome:
    seconds = f"{invocation.timeout:.2f}"
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    line = f"{stamp} {invocation.request_id} Task timed out after {seconds} seconds"
    message = f"RequestId: {invocation.request_id} Error: Task timed out after {seconds} seconds"
    return Outcome(error("Sandbox.Timedout", message, invocation.request_id), True, [*log, line], duration)


def _kill_group(child: subprocess.Popen) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):  # the group is gone already
        pass


def _unzip(code: bytes, into: str) -> str | None:
    """Unzip the package into `into`; a message if it is not a zip or reaches outside the folder."""
    import io

    try:
        archive = zipfile.ZipFile(io.BytesIO(code))
    except zipfile.BadZipFile:
        return "The deployment package is not a .zip file (create_function(Code={'ZipFile': zip_bytes}))."
    with archive:
        total = 0
        root = os.path.realpath(into)
        for member in archive.infolist():
            total += member.file_size
            target = os.path.realpath(os.path.join(root, member.filename))
            if target != root and not target.startswith(root + os.sep):
                return f"The deployment package has a file outside its folder: {member.filename!r}."
        if total > _MAX_UNZIPPED:
            return "The deployment package is larger than Lambda's 250 MB (unzipped)."
        archive.extractall(root)
    return None


def _environment(invocation: Invocation, code_dir: str, home: str) -> dict[str, str]:
    key_id, secret, token = invocation.credentials
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": home,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if "LD_LIBRARY_PATH" in os.environ:  # libraries the kernel's own Python needs
        env["LD_LIBRARY_PATH"] = os.environ["LD_LIBRARY_PATH"]
    # The function's own variables, less any that could pick another endpoint, profile or identity.
    for name, value in invocation.environment.items():
        if not (name in isolation._DROPPED or name.startswith("AWS_ENDPOINT_URL")):
            env[name] = str(value)
    env.update(isolation.environment_for(invocation.endpoint, key_id, secret))
    group = f"/aws/lambda/{invocation.name}"
    env.update(
        {
            "_HANDLER": invocation.handler,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{invocation.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": invocation.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(invocation.memory),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(invocation.timeout),
            "AWS_LAMBDA_LOG_GROUP_NAME": group,
            "AWS_LAMBDA_LOG_STREAM_NAME": invocation.log_stream,
            "AWS_SESSION_TOKEN": token,
            "LAMBDA_TASK_ROOT": code_dir,
            "TZ": ":UTC",
            "SECRETS_MANAGER_ENDPOINT": invocation.endpoint,
            "NO_PROXY": "127.0.0.1,localhost,::1",
            "no_proxy": "127.0.0.1,localhost,::1",
            "SMWORKBOOK_REQUEST_ID": invocation.request_id,
            # Where this kernel finds its packages (boto3 among them, as in Lambda's Python runtimes): the child
            # runs isolated (-I), so it is told.
            "SMWORKBOOK_PACKAGES": json.dumps([path for path in sys.path if path and os.path.isabs(path)]),
            "SMWORKBOOK_FUNCTION_ARN": invocation.arn,
        }
    )
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        env.pop(proxy, None)
    return env


# Who runs an invocation: this process (the learner's kernel holds the mock), or, in the grader's mock,
# a function that hands it to the learner's kernel (grading/grader_mock.py sets it).
RUNNER: Callable[[Invocation], Outcome] = run
