"""A kernel being graded: its mock AWS runs in the grader's process, not in this kernel.

The grader (smworkbook.grading.run) starts its own mock (smworkbook.grading.grader_mock) and this kernel with
two environment variables: SMWORKBOOK_GRADER_ENDPOINT, the mock's AWS endpoint, and
SMWORKBOOK_GRADER_CONTROL, where `checks.setup("1.2")` and `aws.reset()` are asked of it.
`smworkbook.start()` then connects to that mock instead of starting one, and the exercises'
checks run in the grader, not here: nothing this kernel prints or patches decides a grade.

The grader reads the values an exercise computed with `answers()` (as JSON) and runs a function
of the learner's with `call()`, both through the kernel's own messaging, between cells.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from smworkbook.engine import isolation, server
from smworkbook.engine.errors import WorkbookError
from smworkbook.toolkit import mock
from smworkbook.toolkit.mock import MockAWS

ENDPOINT = "SMWORKBOOK_GRADER_ENDPOINT"
CONTROL = "SMWORKBOOK_GRADER_CONTROL"
KEYS = "SMWORKBOOK_GRADER_KEYS"  # the grader's mock's keys, "key id:secret:token"
# A value larger than this is not read: a learner's answer is a few names or keys, never megabytes.
MAX_ANSWER_BYTES = 1_000_000
# The workbook's own functions a check may run in this kernel (checks._registry.runs_in_kernel registers them), by
# module and name: a request for one names it so, and never reaches the notebook's variables of the same name.
WORKBOOK_FUNCTIONS: dict[str, object] = {}
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def active() -> bool:
    """Is this kernel being graded (its mock in the grader's process)?"""
    return bool(os.environ.get(ENDPOINT))


class _Address:
    def __init__(self, endpoint: str, credentials: server.Credentials) -> None:
        self._host, port = endpoint.split("//", 1)[1].rsplit(":", 1)
        self._port = int(port)
        self.credentials = credentials

    def get_host_and_port(self):
        return self._host, self._port


class GradedAWS(MockAWS):
    """The grader's mock, reached from this kernel: the same helpers as MockAWS, no server of its own."""

    def __init__(self, endpoint: str, control: str, credentials: server.Credentials) -> None:
        super().__init__(_Address(endpoint, credentials))
        self._control = control
        self._running = True

    def __repr__(self) -> str:
        return f"<GradedAWS at {self.endpoint_url}: the grader's mock, fake credentials>"

    def describe_backend(self) -> str:
        return f"the grader's mock at {self.endpoint_url}"

    def is_running(self) -> bool:
        return self._running

    def stop(self) -> None:
        """Stop using the grader's mock (it keeps running: the grader owns it)."""
        self._running = False

    def reset(self) -> None:
        """Ask the grader's mock to forget everything it holds (and stop enforcing IAM policies)."""
        self._require_running()
        ask("/reset")


def connect() -> GradedAWS:
    """The grader's mock, for smworkbook.start() in a graded kernel."""
    endpoint = os.environ[ENDPOINT]
    if not endpoint.startswith(("http://127.0.0.1:", "http://localhost:")):
        raise WorkbookError(f"{ENDPOINT}={endpoint!r}: the grader's mock is always on loopback.")
    key_id, _, rest = os.environ.get(KEYS, "").partition(":")
    secret, _, token = rest.partition(":")
    if not (key_id and secret and token):
        raise WorkbookError(f"{KEYS} is missing: the grader hands this kernel its mock's keys.")
    graded = GradedAWS(endpoint, os.environ.get(CONTROL, ""), server.Credentials(key_id, secret, token))
    try:
        serve_deployed_functions()
    except WorkbookError:  # the grader did not answer: its mock then refuses to run deployed functions, saying so
        pass
    return graded


mock.use_graded_mock(lambda: connect() if active() else None)


def ask(path: str, body: dict | None = None) -> str:
    """POST `path` (and `body`) to the grader's control address; its message, or a WorkbookError."""
    data = json.dumps(body or {}).encode()
    request = urllib.request.Request(os.environ.get(CONTROL, "") + path, data=data, method="POST")
    try:
        with _NO_PROXY.open(request, timeout=600) as response:
            return json.loads(response.read())["message"]
    except urllib.error.HTTPError as error:
        raise WorkbookError(json.loads(error.read() or b"{}").get("error", str(error))) from None
    except (OSError, ValueError) as error:
        raise WorkbookError(f"The grader's mock did not answer ({error}).") from None


def _encode(value) -> dict:
    if callable(value):
        return {"function": getattr(value, "__name__", "")}
    if isinstance(value, bytes | bytearray):
        return {"bytes": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, set | frozenset):  # JSON has no sets: its items, sorted (lesson 8's (file, type) pairs)
        encoded = _encode(sorted(value, key=repr))
        return {"set": encoded["value"]} if "value" in encoded else encoded
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        return {"unreadable": type(value).__name__}
    if len(text) > MAX_ANSWER_BYTES:
        return {"unreadable": f"{type(value).__name__} of {len(text)} characters"}
    return {"value": value}


def answers(namespace: dict, names: list[str]) -> str:
    """The named variables of the notebook as JSON, for the grader (a function goes by its name)."""
    found = {}
    for name in names:
        if name not in namespace:
            found[name] = {"missing": True}
        elif callable(namespace[name]):
            found[name] = {"function": name}
        else:
            found[name] = _encode(namespace[name])
    return json.dumps(found)


def call(namespace: dict, request_text: str) -> str:
    """Run the learner's function named in the request with its arguments; its result or error as JSON.

    A boto3 client argument arrives as the name of its service and is made here, pointed at the
    grader's mock, as a Lambda function makes its own client; a SecretCache (lesson 6) arrives as
    the id of the check's cache, which stays in the grader and is read through a RemoteCache.
    A request with "workbook" names one of WORKBOOK_FUNCTIONS instead (lesson 8's look at the sample's files).
    """
    request = json.loads(request_text)
    function = (WORKBOOK_FUNCTIONS if request.get("workbook") else namespace).get(request["call"])
    if not callable(function):
        return json.dumps({"error": {"type": "NameError", "message": f"there is no function {request['call']}"}})

    def decode(argument: dict):
        if "client" in argument:
            import boto3

            return boto3.client(argument["client"], endpoint_url=os.environ[ENDPOINT], region_name=isolation.REGION)
        if "cache" in argument:
            return RemoteCache(argument["cache"])
        return argument.get("value")

    args = [decode(a) for a in request.get("args", [])]
    kwargs = {key: decode(value) for key, value in request.get("kwargs", {}).items()}
    try:
        result = function(*args, **kwargs)
    except CacheLoopEnded as error:  # the check's loop guard: reported as such, whatever the learner caught
        return json.dumps({"error": {"type": "RetriedTooOften", "message": str(error)}})
    except Exception as error:  # the learner's error travels back to the check, as a Lambda's does
        code = getattr(error, "response", {}).get("Error", {}).get("Code") if hasattr(error, "response") else None
        described = {"type": type(error).__name__, "message": str(error)}
        if code:
            described.update(code=code, message=error.response["Error"].get("Message", ""))
            described["operation"] = getattr(error, "operation_name", "")
        return json.dumps({"error": described})
    encoded = _encode(result)
    if "unreadable" in encoded:
        return json.dumps({"error": {"type": "TypeError", "message": f"it returned a {encoded['unreadable']}"}})
    return json.dumps(encoded)


class CacheLoopEnded(BaseException):
    """The check's cache ended a request that read or refreshed in a loop (`except Exception` can't catch it)."""


class RemoteCache:
    """The check's SecretCache, which runs in the grader: what a learner's function gets as `cache` when graded.

    Each read or refresh is a request to the grader's control address, answered by the check's own
    cache there, which counts it: the counts that decide lesson 6's verdicts are never the kernel's.
    """

    def __init__(self, cache_id: str) -> None:
        self._id = cache_id
        self._ended = False  # the check's loop guard ended this call once already

    def __repr__(self) -> str:
        return "<RemoteCache: the grader's SecretCache for this check>"

    def get_secret_string(self, secret_id: str, version_stage: str | None = None) -> str:
        return self._use({"op": "get", "secret_id": secret_id, "version_stage": version_stage})

    def refresh_secret_now(self, secret_id: str) -> None:
        return self._use({"op": "refresh", "secret_id": secret_id})

    def _use(self, asked: dict):
        import botocore.exceptions

        request = urllib.request.Request(
            os.environ.get(CONTROL, "") + "/cache", data=json.dumps({"id": self._id, **asked}).encode(), method="POST"
        )
        with _NO_PROXY.open(request, timeout=600) as response:
            answer = json.loads(response.read())
        error = answer.get("error")
        if not error:
            return answer.get("value")
        if error.get("code"):
            response = {"Error": {"Code": error["code"], "Message": error.get("message", "")}}
            raise botocore.exceptions.ClientError(response, error.get("operation") or "GetSecretValue")
        if error.get("fatal"):
            if self._ended:
                # The learner's code caught CacheLoopEnded (a bare `except:` catches anything Python can
                # raise) and loops on: nothing raised here can end it, and the grader's next cells would
                # wait behind it. The kernel exits; the grader says the cells after this did not run.
                os._exit(70)
            self._ended = True
            raise CacheLoopEnded(error.get("message", ""))
        raise RuntimeError(f"{error.get('type')}: {error.get('message')}")


# Rotation functions written in this kernel, invoked by the grader's mock: as AWS invokes a Lambda
# function over the network, the mock asks this kernel over loopback, on a thread of its own, so a
# cell blocked in rotate_secret does not stop its own rotation. The token keeps other processes out.
_INVOKE_TOKEN = secrets.token_urlsafe(16)
_invoke_url: str | None = None
_invoke_lock = threading.Lock()


class _Invoke(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        from smworkbook.engine import lambdas

        if self.path != f"/{_INVOKE_TOKEN}":
            self.send_error(404)
            return
        try:
            asked = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            if "invocation" in asked:  # a function deployed with create_function: run here, as the learner
                from smworkbook.engine import lambda_runtime

                invocation = lambda_runtime.Invocation.from_json(asked["invocation"])
            else:
                arn, event = asked["arn"], asked["event"]
        except (ValueError, KeyError, TypeError):  # not the grader's request: no traceback in the learner's cell
            self.send_error(400)
            return
        if "invocation" in asked:
            answer = {"outcome": lambda_runtime.run(invocation).to_json()}
        else:
            answer = {"ok": lambdas.invoke(arn, event)}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        """No request log in the learner's cells."""


def _serve_invocations() -> str:
    global _invoke_url
    with _invoke_lock:
        if _invoke_url is None:
            server = ThreadingHTTPServer(("127.0.0.1", 0), _Invoke)
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True, name="rotation-invoke").start()
            _invoke_url = f"http://127.0.0.1:{server.server_address[1]}/{_INVOKE_TOKEN}"
    return _invoke_url


def serve_rotation_function(name: str) -> None:
    """Let the grader's mock invoke this kernel's rotation function `name` (see rotation.py)."""
    ask("/lambda", {"name": name, "url": _serve_invocations()})


def serve_deployed_functions() -> None:
    """Let the grader's mock run the functions deployed with create_function here, as the learner.

    The grader's mock holds the function (its code, configuration, log) but never runs the learner's code in
    its own process: each invocation is handed to this kernel, which runs it in a child process
    (engine/lambda_runtime.py) and answers the outcome.
    """
    ask("/lambda", {"url": _serve_invocations()})
