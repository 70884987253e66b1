"""Faults a learner's mock can meet: killed mid-lesson, a busy port, a second kernel, a kernel restart, a classroom.

The mock runs in the kernel's process, on a port of its own. These tests break it on purpose
and check that the learner is told what happened in one line and gets a fresh mock back.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap

import nbformat
from jupyter_client.manager import start_new_kernel
from nbclient import NotebookClient

from .conftest import ROOT, run_python

LEARNERS = 30


def _run_cells(cells: list[str]) -> list[nbformat.NotebookNode]:
    """Run `cells` in a fresh Jupyter kernel, through errors, and return the executed cells."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(textwrap.dedent(c)) for c in cells])
    NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True).execute(cwd=str(ROOT))
    return notebook.cells


def _error(cell) -> dict:
    errors = [output for output in cell.outputs if output.output_type == "error"]
    assert len(errors) == 1, cell.outputs
    return errors[0]


def _stdout(cell) -> str:
    return "".join(output.text for output in cell.outputs if output.output_type == "stream" and output.name == "stdout")


def test_a_mock_killed_mid_lesson_is_reported_in_one_line_and_start_brings_a_fresh_one():
    cells = _run_cells(
        [
            """
            import boto3, smworkbook
            aws = smworkbook.start()
            sm = boto3.client("secretsmanager")
            sm.create_secret(Name="kept", SecretString="v1")
            before = aws.endpoint_url
            """,
            # The server dies under the lesson, without the workbook being told.
            "aws._server._server.shutdown(); aws._server._server.server_close()",
            "smworkbook.versions_table('kept')",
            "sm.get_secret_value(SecretId='kept')",
            """
            aws = smworkbook.start()
            print(aws.endpoint_url == before, sm.list_secrets()["SecretList"])
            """,
            # Not the mock: botocore's own error and traceback, untouched.
            """
            from botocore.exceptions import EndpointConnectionError
            raise EndpointConnectionError(endpoint_url="https://secretsmanager.example.com/")
            """,
        ]
    )
    helper = _error(cells[2])
    assert helper.ename == "WorkbookError"
    assert len(helper.traceback) == 1  # one line, no traceback wall
    assert "has stopped" in helper.evalue and "smworkbook.start()" in helper.evalue
    raw = _error(cells[3])  # the learner's own client, made before the mock died
    assert raw.ename == "EndpointConnectionError"
    assert len(raw.traceback) == 1
    assert "not running any more" in raw.traceback[0] and "smworkbook.start()" in raw.traceback[0]
    # A fresh mock on the same port: the learner's old client reaches it, and it starts empty.
    assert _stdout(cells[4]).strip() == "True []"
    other = _error(cells[5])
    assert other.ename == "EndpointConnectionError" and len(other.traceback) > 1


def test_a_busy_port_fails_fast_and_a_stopped_mocks_port_stays_the_kernels():
    """A server on a taken port raises at once; after stop() nobody (this user's plain sockets included) can take the
    mock's port, and start() comes back on it (server.PortHold; another user: tests/test_shared_host.py)."""
    code = textwrap.dedent(
        """
        import socket, boto3, smworkbook
        from smworkbook.engine.server import Credentials, LoopbackMotoServer
        squatter = socket.socket()  # someone else's server
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        try:
            LoopbackMotoServer(Credentials.generate(), port=squatter.getsockname()[1]).start()
        except OSError as error:
            print("busy:", error.errno)
        aws = smworkbook.start()
        old_port = int(aws.endpoint_url.rsplit(":", 1)[1])
        aws.stop()
        taker = socket.socket()
        try:
            taker.bind(("127.0.0.1", old_port))
            print("taken")
        except OSError as error:
            print("held:", error.errno)
        fresh = smworkbook.start()
        sm = boto3.client("secretsmanager")
        sm.create_secret(Name="after", SecretString="x")
        print(fresh.endpoint_url == aws.endpoint_url, [s["Name"] for s in sm.list_secrets()["SecretList"]])
        """
    )
    result = run_python(code, timeout=60)  # moto's own server would wait forever on a busy port
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["busy: 98", "held: 98", "True ['after']"]


def test_the_mock_never_uses_motos_default_port():
    """Port 5000 (moto's default, often taken by other tools) being busy changes nothing."""
    squatter = socket.socket()
    try:
        squatter.bind(("127.0.0.1", 5000))
        squatter.listen()
    except OSError:
        pass  # already taken by something else: just as good
    try:
        result = run_python("import smworkbook; print(smworkbook.start().endpoint_url)")
    finally:
        squatter.close()
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("http://127.0.0.1:") and not result.stdout.strip().endswith(":5000")


def test_a_kernel_restart_gives_a_fresh_empty_mock_and_frees_the_old_port():
    manager, client = start_new_kernel(kernel_name="python3", cwd=str(ROOT))
    try:
        first = _execute(
            client,
            "import boto3, smworkbook\naws = smworkbook.start()\n"
            "boto3.client('secretsmanager').create_secret(Name='before-restart', SecretString='x')\n"
            "print(aws.endpoint_url)",
        )
        old_port = int(first.strip().rsplit(":", 1)[1])
        manager.restart_kernel(now=True)
        client.wait_for_ready(timeout=60)
        second = _execute(
            client,
            "import boto3, smworkbook\naws = smworkbook.start()\n"
            "print([s['Name'] for s in boto3.client('secretsmanager').list_secrets()['SecretList']])",
        )
        assert second.strip() == "[]"  # nothing survives the restart, as on a new kernel
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    with socket.socket() as probe:  # the old kernel's server went with it
        assert probe.connect_ex(("127.0.0.1", old_port)) != 0


def _execute(client, code: str) -> str:
    out: list[str] = []

    def collect(message):
        if message["msg_type"] == "stream" and message["content"]["name"] == "stdout":
            out.append(message["content"]["text"])
        if message["msg_type"] == "error":
            out.append("ERROR " + message["content"]["evalue"])

    client.execute_interactive(code, timeout=120, output_hook=collect)
    text = "".join(out)
    assert "ERROR" not in text, text
    return text


_LEARNER = textwrap.dedent(
    """
    import json, os, sys, time, boto3, smworkbook
    me, folder, learners = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])

    def wait_for(suffix):
        # Every learner reaches this point before anyone goes on: all servers run at once.
        deadline = time.monotonic() + 240
        while sum(f.endswith(suffix) for f in os.listdir(folder)) < learners:
            if time.monotonic() > deadline:
                sys.exit("the other learners never arrived")
            time.sleep(0.1)

    aws = smworkbook.start()
    sm = boto3.client("secretsmanager")
    sm.create_secret(Name="classroom/password", SecretString=f"learner-{me}")
    sm.create_secret(Name=f"only-learner-{me}", SecretString="x")
    open(os.path.join(folder, f"{me}.started"), "w").close()
    wait_for(".started")
    names = sorted(s["Name"] for s in sm.list_secrets()["SecretList"])
    value = sm.get_secret_value(SecretId="classroom/password")["SecretString"]
    result = {"me": me, "endpoint": aws.endpoint_url, "names": names, "value": value}
    open(os.path.join(folder, f"{me}.json"), "w").write(json.dumps(result))
    wait_for(".json")  # keep the server up until every learner has looked
    """
)


def test_thirty_learners_on_one_machine_get_their_own_mock(tmp_path):
    """30 kernels (processes) at once: 30 servers, 30 ports, and nobody sees another's secrets."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _LEARNER, str(me), str(tmp_path), str(LEARNERS)],
            cwd=ROOT,
            env=dict(os.environ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for me in range(LEARNERS)
    ]
    failures = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        if process.returncode != 0 or err:
            failures.append(err[-500:])
    assert not failures, failures
    results = [json.loads((tmp_path / f"{me}.json").read_text()) for me in range(LEARNERS)]
    endpoints = {result["endpoint"] for result in results}
    assert len(endpoints) == LEARNERS  # no port clash: each learner has a server of its own
    assert all(endpoint.startswith("http://127.0.0.1:") for endpoint in endpoints)
    for result in results:
        me = result["me"]
        assert result["names"] == ["classroom/password", f"only-learner-{me}"]  # nobody else's secrets
        assert result["value"] == f"learner-{me}"  # the same name holds each learner's own value
