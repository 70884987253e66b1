"""The kernel's side of grading (smworkbook.graded), without a grader: how a graded kernel reaches the grader's
mock and refuses to start without its keys, and that the grader's mock can invoke the kernel's rotation function
only with the kernel's token (another process on the machine cannot run it)."""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer

import pytest

from smworkbook import WorkbookError
from smworkbook.engine import lambdas
from smworkbook.toolkit import graded

NO_PROXY = graded._NO_PROXY  # the kernel's own opener: loopback never goes through a proxy


@pytest.fixture
def graded_environment(monkeypatch):
    monkeypatch.setenv(graded.ENDPOINT, "http://127.0.0.1:9")
    monkeypatch.setenv(graded.CONTROL, "http://127.0.0.1:9")
    monkeypatch.setenv(graded.KEYS, "AKIAGRADER:the-secret:the-token")
    return monkeypatch


def test_the_graders_mock_is_in_use_until_the_kernel_stops_using_it(graded_environment):
    aws = graded.connect()
    assert aws.is_running()
    assert aws.credentials.access_key_id == "AKIAGRADER"
    aws.stop()
    assert not aws.is_running()
    with pytest.raises(WorkbookError):
        aws.reset()  # a stopped mock is not asked anything


@pytest.mark.parametrize("keys", ["", "AKIAGRADER", "AKIAGRADER:the-secret", "AKIAGRADER::the-token", ":s:t"])
def test_a_graded_kernel_without_all_three_of_the_graders_keys_refuses_to_start(graded_environment, keys):
    graded_environment.setenv(graded.KEYS, keys)
    with pytest.raises(WorkbookError, match="is missing: the grader hands this kernel its mock's keys"):
        graded.connect()


def test_the_rotation_function_runs_only_for_a_request_with_the_kernels_token_and_the_graders_json(capfd):
    calls = []
    arn = lambdas.register("graded-invoke-test", lambda event, context: calls.append(event["Step"]))
    server = ThreadingHTTPServer(("127.0.0.1", 0), graded._Invoke)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    event = {"Step": "createSecret", "SecretId": "s", "ClientRequestToken": "t" * 32}
    body = json.dumps({"arn": arn, "event": event}).encode()
    try:
        for path in ("/", "/not-the-token", f"/{graded._INVOKE_TOKEN}x"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                NO_PROXY.open(urllib.request.Request(base + path, data=body, method="POST"), timeout=10)
            assert refused.value.code == 404
        assert calls == []
        # With the token but no body (no Content-Length either), or not the grader's JSON: refused at once.
        for data in (None, b"{}", b"not json", b'["arn"]'):
            with pytest.raises(urllib.error.HTTPError) as refused:
                request = urllib.request.Request(f"{base}/{graded._INVOKE_TOKEN}", data=data, method="POST")
                NO_PROXY.open(request, timeout=10)
            assert refused.value.code == 400
        # No Content-Length header at all (http.client always sends one): read nothing, not until the client hangs up.
        with socket.create_connection(server.server_address, timeout=10) as raw:
            raw.sendall(f"POST /{graded._INVOKE_TOKEN} HTTP/1.0\r\n\r\n".encode())
            with raw.makefile("rb") as answer:  # read to the end: a client gone mid-answer makes a traceback
                assert answer.read().startswith(b"HTTP/1.0 400")
        assert calls == []
        request = urllib.request.Request(f"{base}/{graded._INVOKE_TOKEN}", data=body, method="POST")
        with NO_PROXY.open(request, timeout=10) as answer:
            assert (answer.status, json.loads(answer.read())) == (200, {"ok": True})
        assert calls == ["createSecret"]
    finally:
        server.shutdown()
    assert capfd.readouterr().err == ""  # no traceback from a refused request


def test_a_deployed_function_handed_over_by_the_grader_runs_in_a_child_of_this_kernel(capfd):
    """The grader's mock holds a function deployed with create_function but never runs it: it sends the invocation
    to the kernel, which runs it in a child process of its own (the learner's) and answers the outcome."""
    import io
    import os
    import zipfile

    from smworkbook.engine import lambda_runtime

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr(
            "lambda_function.py", "import os\ndef lambda_handler(event, context):\n    return os.getppid()\n"
        )
    invocation = lambda_runtime.Invocation(
        name="f",
        arn="arn:aws:lambda:us-east-1:123456789012:function:f",
        handler="lambda_function.lambda_handler",
        runtime="python3.12",
        timeout=10,
        memory=128,
        environment={},
        code=buffer.getvalue(),
        event={},
        endpoint="http://127.0.0.1:9",
        credentials=("ASIAKEY", "secret", "token"),
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), graded._Invoke)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    body = json.dumps({"invocation": invocation.to_json()}).encode()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with pytest.raises(urllib.error.HTTPError) as refused:
            NO_PROXY.open(urllib.request.Request(f"{base}/not-the-token", data=body, method="POST"), timeout=30)
        assert refused.value.code == 404
        request = urllib.request.Request(f"{base}/{graded._INVOKE_TOKEN}", data=body, method="POST")
        with NO_PROXY.open(request, timeout=30) as answer:
            outcome = lambda_runtime.Outcome(**json.loads(answer.read())["outcome"])
    finally:
        server.shutdown()
    assert (outcome.failed, outcome.payload) == (False, os.getpid())  # the function's parent: this process
    assert capfd.readouterr().err == ""
