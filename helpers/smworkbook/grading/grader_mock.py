"""The grader's own mock AWS: a process the grader starts, that the learner's kernel only reaches over HTTP.

A mock process runs the workbook's mock (moto's server on 127.0.0.1 and a free port, with the
corrections) and the exercises' set-ups and checks. The grader starts one zygote per grading run
(`python -m smworkbook.grading.grader_mock --zygote SOCKET`, which imports all that once) and gets a
freshly forked mock process per notebook by connecting to its Unix socket (in a folder only the
grader can open); `python -m smworkbook.grading.grader_mock` alone serves one mock on stdin and stdout.
The grader talks to a mock over that connection, which no notebook can reach:

    -> {"endpoint": ..., "control": ..., "pid": ..., "keys": [...]}   first line: where the kernel is pointed
    <- {"check": "1.2", "answers": {...}}                run exercise 1.2's check
    -> {"call": "get_config", "args": [...], ...}        the check calls a function of the learner's:
    <- {"reply": {"value": ...} or {"error": {...}}}        the grader runs it in the kernel
    -> {"result": {"status": "passed" | "failed", "message": ...}}

The kernel gets the mock's endpoint, and a control address on which it can only ask for an
exercise's set-up (`checks.setup`), a reset (`aws.reset()`) or a policy simulation
(`access.simulate`), lesson 4's database (`start_database`), or to invoke a rotation function
registered in the kernel (which the mock then calls back on a loopback address the kernel serves,
as AWS invokes a Lambda function): each runs this process's own code.
A check's verdict never comes from the kernel: a value the learner computed arrives as JSON, and
a function of the learner's (lesson 3.5, lesson 4's rotation steps) is run in the kernel, as AWS
invokes a Lambda function, its result checked here. So is the workbook's own look at what only the
kernel holds (lesson 8's sample repository, its application and its hook: `runs_in_kernel`).
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore.exceptions

_ROUTE = re.compile(r"^/(setup)/([\d.]+)$|^/(reset)$|^/(simulate)$|^/(database)$|^/(lambda)$|^/(cache)$|^/(clock)$")
_exchange = threading.Lock()  # one call into the kernel at a time on the one connection
_state = threading.Lock()  # set-ups and checks never overlap
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _send(message: dict) -> None:
    _protocol.write(json.dumps(message) + "\n")
    _protocol.flush()


def _receive() -> dict:
    line = _requests.readline()
    if not line:
        raise SystemExit(0)  # the grader is gone
    return json.loads(line)


# A check's SecretCache handed to a learner's function (lesson 6) stays here: the kernel gets its id
# and reads it through the control address (graded.RemoteCache), so its counts are this process's.
_caches: dict[str, object] = {}


def _encode(value):
    """A check's argument as JSON for the kernel: a boto3 client travels as the name of its service,
    a SecretCache as the id of this process's cache (which the kernel reads through the control address)."""
    if hasattr(value, "meta") and hasattr(value.meta, "service_model"):
        return {"client": value.meta.service_model.service_name}
    if hasattr(value, "get_secret_string") and hasattr(value, "refresh_secret_now"):
        for key, cache in _caches.items():
            if cache is value:
                return {"cache": key}
        key = secrets.token_urlsafe(8)
        _caches.clear()  # one check runs at a time: only its cache is reachable
        _caches[key] = value
        return {"cache": key}
    return {"value": value}


def _use_cache(asked: dict) -> dict:
    """A learner's function in the kernel reads or refreshes the check's cache: its answer, or the error as data."""
    cache = _caches.get(str(asked.get("id")))
    if cache is None:
        return {"error": {"type": "RuntimeError", "message": "this cache belongs to a check that has ended"}}
    try:
        if asked.get("op") == "refresh":
            return {"value": cache.refresh_secret_now(asked["secret_id"])}
        return {"value": cache.get_secret_string(asked["secret_id"], asked.get("version_stage"))}
    except botocore.exceptions.ClientError as error:
        found = error.response["Error"]
        described = {"code": found.get("Code"), "message": found.get("Message", "")}
        return {"error": {**described, "operation": error.operation_name}}
    except BaseException as error:  # the check's loop guard (a BaseException) or the cache's own error
        fatal = not isinstance(error, Exception)
        return {"error": {"type": type(error).__name__, "message": str(error), "fatal": fatal}}


def _raise_like(error: dict):
    """Raise, here, the exception the learner's function raised in the kernel (as a Lambda's error comes back)."""
    if error.get("code"):
        response = {"Error": {"Code": error["code"], "Message": error.get("message", "")}}
        # In the kernel it was boto3's class for its code (client.exceptions.InvalidParameterException, a
        # ClientError): named the same here, a hint built from type(error).__name__ reads as in the notebook.
        code = str(error["code"])
        kind = type(code if code.isidentifier() else "ClientError", (botocore.exceptions.ClientError,), {})
        raise kind(response, error.get("operation") or "Unknown")
    if error.get("type") == "NotImplementedError":
        raise NotImplementedError(error.get("message", ""))
    name = str(error.get("type") or "Exception")
    kind = type(name if name.isidentifier() else "Exception", (Exception,), {})
    raise kind(error.get("message", ""))


def _function(name: str, workbook: bool = False):
    """A stand-in for the learner's function `name`: calling it runs the function in the kernel.

    With `workbook`, `name` is one of the workbook's own functions that a check runs in the kernel
    (checks._registry.runs_in_kernel: lesson 8's look at the sample repository the kernel made)."""

    def call(*args, **kwargs):
        request = {"call": name, "args": [_encode(a) for a in args]}
        if workbook:
            request["workbook"] = True
        request["kwargs"] = {key: _encode(value) for key, value in kwargs.items()}
        with _exchange:
            _send(request)
            reply = _receive().get("reply", {})
        if "error" in reply:
            _raise_like(reply["error"])
        if "bytes" in reply:
            return base64.b64decode(reply["bytes"])
        return reply.get("value")

    call.__name__ = name
    call.runs_in_kernel = True  # lesson 6's checks serve it one request at a time
    return call


def _hashable(item):
    """A set's item as the kernel had it: JSON made its tuples lists (a set holds no lists)."""
    return tuple(_hashable(part) for part in item) if isinstance(item, list) else item


def decode_answers(number: str, answers: dict) -> list:
    """The check's arguments, in order, from what the kernel handed over (see graded.answers)."""
    from smworkbook.checks import EXERCISES
    from smworkbook.engine.errors import CheckFailed

    values = []
    for name in EXERCISES[number].answers:
        answer = answers.get(name) or {"missing": True}
        if "function" in answer:
            values.append(_function(answer["function"]))
        elif "bytes" in answer:
            values.append(base64.b64decode(answer["bytes"]))
        elif "value" in answer:
            values.append(answer["value"])
        elif "set" in answer:  # a set's items arrive as a list, a tuple among them as a list too
            values.append({_hashable(item) for item in answer["set"]})
        elif "gone" in answer:  # the kernel could not hand the values over (it died, say)
            raise CheckFailed(answer["gone"])
        elif "unreadable" in answer:
            raise CheckFailed(f"{name} is a {answer['unreadable']}, which the grader cannot read as data (JSON).")
        else:
            raise CheckFailed(f"There is no variable {name} in the notebook: the exercise cell assigns it.")
    return values


def run_check(number: str, answers: dict) -> dict:
    """Run exercise `number`'s check against this process's mock: {"status", "message"}."""
    from smworkbook.checks import EXERCISES
    from smworkbook.engine.errors import CheckFailed, WorkbookError

    exercise = EXERCISES[number]
    with _state:
        try:
            passed = exercise.check(*decode_answers(number, answers))
        except CheckFailed as failure:
            return {"status": "failed", "message": str(failure)}
        except botocore.exceptions.ClientError as error:
            code, message = error.response["Error"]["Code"], error.response["Error"]["Message"]
            return {
                "status": "failed",
                "message": f"The check could not run ({code}: {message}). Run the exercise cell again, then the check.",
            }
        except WorkbookError as error:
            return {"status": "failed", "message": str(error)}
        except Exception as error:  # a learner's value of an unexpected shape, or a bug: a failure, said plainly
            return {"status": "failed", "message": f"The check could not run: {type(error).__name__}: {error}"}
    return {"status": "passed", "message": passed}


def _register_kernel_function(name: str, url: str) -> str:
    """Register, in this mock, a rotation function that runs in the kernel (reached at `url`), as a Lambda."""
    from smworkbook.toolkit import rotation

    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("a kernel's function is reached on loopback only")

    def handler(event, context):
        body = json.dumps({"arn": rotation.function_arn(name), "event": event}).encode()
        request = urllib.request.Request(url, data=body, method="POST")
        with _NO_PROXY.open(request, timeout=900) as response:
            if not json.loads(response.read()).get("ok"):
                raise RuntimeError(f"the rotation function {name} raised in the notebook (see rotation_log there)")

    return rotation.register_rotation_function(name, handler)


def _run_deployed_functions_in(url: str) -> str:
    """Functions deployed with create_function in this mock run in the kernel at `url`, never in this process."""
    from smworkbook.engine import lambda_runtime

    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("a kernel's functions are run on loopback only")

    def run_in_kernel(invocation):
        body = json.dumps({"invocation": invocation.to_json()}).encode()
        request = urllib.request.Request(url, data=body, method="POST")
        try:
            with _NO_PROXY.open(request, timeout=invocation.timeout + 60) as response:
                return lambda_runtime.Outcome(**json.loads(response.read())["outcome"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            message = f"The notebook's kernel did not run the function ({error})."
            return lambda_runtime.refused("Runtime.Unavailable", message, invocation)

    lambda_runtime.RUNNER = run_in_kernel
    return "deployed functions run in the kernel"


def _refuse_to_run(invocation):
    # Until the kernel says where it runs functions: the learner's code never runs in the grader's process.
    from smworkbook.engine import lambda_runtime

    message = "The grader runs a deployed function only in the notebook's kernel, which has not connected."
    return lambda_runtime.refused("Runtime.Unavailable", message, invocation)


class _Control(BaseHTTPRequestHandler):
    """The kernel's requests: a set-up, a reset, a policy simulation, the database. All run this process's code."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        from smworkbook.checks import EXERCISES
        from smworkbook.engine.errors import WorkbookError
        from smworkbook.toolkit.mock import current

        # Only the kernel given this mock's control address (with its random token) may ask: another
        # learner's kernel on the same machine could find the port, not the token.
        path = self.path[len(_TOKEN) + 1 :] if self.path.startswith(f"/{_TOKEN}/") else ""
        match = _ROUTE.match(path)
        if not match:
            return self._answer(404, {"error": f"no such request: {self.path}"})
        number = match.group(2)
        if match.group(7):  # outside _state: the check running holds it while the kernel reads its cache
            asked = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            return self._answer(200, _use_cache(asked))
        try:
            with _state:
                if match.group(3):
                    current().reset()
                    return self._answer(200, {"message": "reset"})
                if match.group(6):  # register_rotation_function() in the kernel, or its runner: invoke there
                    asked = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                    if "name" not in asked:
                        return self._answer(200, {"message": _run_deployed_functions_in(asked["url"])})
                    return self._answer(200, {"message": _register_kernel_function(asked["name"], asked["url"])})
                if match.group(8):  # smworkbook.clock.advance(): the clock of the mock that holds the schedules
                    from smworkbook.engine import clock

                    asked = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                    done = clock.advance(float(asked.get("seconds", 0)))
                    return self._answer(200, {"message": {"now": clock.now(), "rotations": done}})
                if match.group(5):  # start_database(): lesson 4's PostgreSQL runs here, next to the mock
                    from smworkbook.fixtures.database import start_database
                    from smworkbook.fixtures.gate import peer_uid

                    database = start_database()
                    # The learner's kernel (its own OS user, as root) that asked may connect; nobody else's.
                    database.allow(peer_uid(self.connection))
                    found = {"host": database.host, "port": database.port, "dbname": database.dbname}
                    return self._answer(200, {"message": found})
                if match.group(4):  # access.simulate: IAM's policy simulator reads this mock's policies
                    from smworkbook.toolkit import access

                    asked = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                    decision = access.simulate(asked.get("identity"), asked.get("action"), asked.get("secret_id"))
                    return self._answer(200, {"message": decision})
                exercise = EXERCISES.get(number)
                if exercise is None or exercise.prepare is None:
                    return self._answer(404, {"error": f"Exercise {number} has no set-up."})
                return self._answer(200, {"message": exercise.prepare()})
        except WorkbookError as error:  # a helper called wrongly: the kernel shows the one-line message
            return self._answer(400, {"error": str(error)})
        except Exception as error:  # the kernel shows it; the grader's checks judge the state later
            return self._answer(500, {"error": f"{type(error).__name__}: {error}"})

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        """No request log: stdout is the grader's, stderr is nobody's."""


def serve(requests, protocol) -> None:
    """Run this process's mock and answer the grader on `requests` / `protocol` (text files) until it hangs up."""
    global _requests, _protocol
    _requests, _protocol = requests, protocol
    import smworkbook

    aws = smworkbook.start()
    from smworkbook.checks import _registry
    from smworkbook.engine import lambda_runtime

    _registry.set_kernel_runner(lambda name, *args: _function(name, workbook=True)(*args))

    lambda_runtime.RUNNER = _refuse_to_run
    control = ThreadingHTTPServer(("127.0.0.1", 0), _Control)
    control.daemon_threads = True
    threading.Thread(target=control.serve_forever, daemon=True, name="grader-control").start()
    host, port = control.server_address[:2]
    keys = aws.credentials  # this mock's own keys (server.OwnerOnly): the kernel signs with them
    _send(
        {
            "endpoint": aws.endpoint_url,
            "control": f"http://{host}:{port}/{_TOKEN}",
            "pid": os.getpid(),
            "keys": [keys.access_key_id, keys.secret_access_key, keys.api_token],
        }
    )
    while True:
        request = _receive()
        if "check" in request:
            _send({"result": run_check(request["check"], request.get("answers") or {})})


def _quiet() -> None:
    # Anything printed (a rotation's failure line, a check's output) goes to stderr, never to the grader.
    sys.stdout = sys.stderr
    for name in list(os.environ):
        if name.startswith("SMWORKBOOK_"):
            del os.environ[name]


def zygote(path: str) -> None:
    """Import everything once, then fork a fresh mock process for each connection to the Unix socket `path`.

    Each mock is a process of its own, as before, without paying the imports again (about 0.7 s of
    CPU a notebook). No thread runs here before a fork: the child starts its own server threads.
    """
    global _TOKEN
    _quiet()
    import random
    import signal
    import socket

    import smworkbook  # noqa: F401  (what every mock needs, imported once)
    from smworkbook.engine import (
        corrections,
        server,  # noqa: F401
    )

    corrections.apply()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the children are reaped as they exit
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    print("ready", file=sys.__stdout__, flush=True)
    while True:
        connection, _ = listener.accept()
        if os.fork() == 0:
            listener.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _TOKEN = secrets.token_urlsafe(16)  # each mock's own
            random.seed()
            try:
                serve(connection.makefile("r", encoding="utf-8"), connection.makefile("w", encoding="utf-8"))
            finally:
                os._exit(0)
        connection.close()


def main() -> None:
    _protocol_out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    _quiet()
    if sys.argv[1:2] == ["--zygote"]:
        zygote(sys.argv[2])
    else:
        serve(sys.stdin, _protocol_out)


_requests = sys.stdin
_protocol = sys.stdout
_TOKEN = secrets.token_urlsafe(16)

if __name__ == "__main__":
    main()
