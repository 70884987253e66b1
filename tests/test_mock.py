"""smworkbook.start(): this kernel's mock AWS, on loopback, isolated from real AWS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import boto3
import botocore.exceptions
import pytest

import smworkbook
from smworkbook import WorkbookError

from .conftest import LEARNER_KEY, LEARNER_PROFILE_KEY, ROOT, run_python


def test_start_listens_on_loopback_on_a_free_port(aws):
    """Is the server bound to 127.0.0.1 on an OS-chosen port, never moto's 0.0.0.0:5000?"""
    host, port = aws._server.get_host_and_port()
    assert host == "127.0.0.1"
    assert port != 5000
    assert aws.endpoint_url == f"http://127.0.0.1:{port}"


def test_start_again_returns_the_running_server(aws):
    """Does re-running the set-up cell reuse the server (no second one)?"""
    assert smworkbook.start() is aws
    assert smworkbook.current() is aws


def test_environment_points_at_the_mock(aws):
    assert os.environ["AWS_ENDPOINT_URL"] == aws.endpoint_url
    assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
    # The mock's own keys, made when it started: never the public `testing` pair.
    assert os.environ["AWS_ACCESS_KEY_ID"] == aws.credentials.access_key_id != "testing"
    assert os.environ["AWS_SECRET_ACCESS_KEY"] == aws.credentials.secret_access_key


def test_plain_boto3_client_reaches_the_mock(aws, sm):
    """Does the source lesson's verbatim boto3.client("secretsmanager") land in this mock?"""
    client = boto3.client("secretsmanager")
    client.create_secret(Name="TestSecret", SecretString='{"username":"test","password":"password"}')
    assert sm.get_secret_value(SecretId="TestSecret")["SecretString"] == '{"username":"test","password":"password"}'


def test_reset_forgets_every_secret(aws, sm):
    sm.create_secret(Name="a", SecretString="1")
    aws.reset()
    assert sm.list_secrets()["SecretList"] == []


def test_ensure_secret_replaces_an_existing_one(aws, sm):
    first = aws.ensure_secret("s", SecretString="one")
    sm.delete_secret(SecretId="s")  # even one scheduled for deletion
    second = aws.ensure_secret("s", SecretString="two")
    assert first["ARN"] != second["ARN"]
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "two"


def test_ensure_absent_removes_scheduled_and_tolerates_missing(aws, sm):
    sm.create_secret(Name="s", SecretString="x")
    sm.delete_secret(SecretId="s", RecoveryWindowInDays=7)
    aws.ensure_absent("s")
    aws.ensure_absent("never-existed")
    with pytest.raises(sm.exceptions.ResourceNotFoundException):
        sm.describe_secret(SecretId="s")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda aws: aws.client("secretsmanagr"), "Did you mean 'secretsmanager'?"),
        (lambda aws: aws.client(""), "service name"),
        (lambda aws: aws.client(None), "service name"),
        (lambda aws: aws.ensure_absent(""), "non-empty string"),
        (lambda aws: aws.ensure_absent(42), "non-empty string"),
        (lambda aws: aws.ensure_absent("x" * 513), "at most 512"),
        (lambda aws: aws.ensure_secret("ok", SecretStrin="typo"), "SecretStrin"),
    ],
)
def test_bad_input_to_helpers_is_a_short_clear_error(aws, sm, call, message):
    """Does every helper answer bad input with one WorkbookError sentence, losing nothing?"""
    sm.create_secret(Name="keep", SecretString="kept")
    with pytest.raises(WorkbookError, match=message):
        call(aws)
    assert sm.get_secret_value(SecretId="keep")["SecretString"] == "kept"


# The rest runs in new processes: each stands in for a kernel of its own.


def test_real_credentials_and_profiles_are_never_used(learner_home):
    """With real-looking keys in the environment and in ~/.aws, does the mock only ever see fake ones?"""
    code = textwrap.dedent(
        """
        import json
        import boto3
        import moto.moto_server.werkzeug_app as app

        seen = []
        original = app.DomainDispatcherApplication.__call__
        def recording(self, environ, start_response):
            seen.append(environ.get("HTTP_AUTHORIZATION", ""))
            return original(self, environ, start_response)
        app.DomainDispatcherApplication.__call__ = recording

        boto3.setup_default_session()  # a session made before the set-up cell
        import smworkbook
        aws = smworkbook.start()
        client = boto3.client("secretsmanager")
        client.create_secret(Name="TestSecret", SecretString="x")
        client.get_secret_value(SecretId="TestSecret")
        print(json.dumps({
            "seen": seen,
            "access_key": boto3.Session().get_credentials().access_key,
            "mock_key": aws.credentials.access_key_id,
            "region": boto3.Session().region_name,
            "account": boto3.client("sts").get_caller_identity()["Account"],
        }))
        """
    )
    result = run_python(code, env=learner_home)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    signed = [header for header in report["seen"] if header]  # the rest are the mock's own /moto-api/ calls
    assert len(signed) == 3
    assert all(f"Credential={report['mock_key']}/" in header for header in signed), signed
    assert not any(LEARNER_KEY in header or LEARNER_PROFILE_KEY in header for header in report["seen"])
    assert report["access_key"] == report["mock_key"]
    assert report["region"] == "us-east-1"
    assert report["account"] == "123456789012"  # moto's, not the learner's


def test_named_profile_cannot_be_loaded(learner_home):
    """Even asked for by name, the learner's profile is not read after start()."""
    code = "import smworkbook, boto3; smworkbook.start(); boto3.Session(profile_name='learner')"
    result = run_python(code, env=learner_home)
    assert result.returncode != 0
    assert "ProfileNotFound" in result.stderr


def test_two_kernels_get_two_servers_and_separate_state():
    """Two kernels on one machine: two ports, and neither sees the other's secrets."""
    code = textwrap.dedent(
        """
        import sys, boto3, smworkbook
        aws = smworkbook.start()
        print(aws.endpoint_url, flush=True)
        sys.stdin.readline()  # wait until the other kernel has started too
        client = boto3.client("secretsmanager")
        client.create_secret(Name="mine-" + sys.argv[1], SecretString="x")
        print(sorted(s["Name"] for s in client.list_secrets()["SecretList"]), flush=True)
        """
    )
    kernels = [
        subprocess.Popen(
            [sys.executable, "-c", code, name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for name in ("a", "b")
    ]
    try:
        endpoints = [kernel.stdout.readline().strip() for kernel in kernels]
        outputs = [kernel.communicate("go\n", timeout=60)[0].strip() for kernel in kernels]
    finally:
        for kernel in kernels:
            kernel.kill()
    assert endpoints[0] != endpoints[1]
    assert all(endpoint.startswith("http://127.0.0.1:") for endpoint in endpoints)
    assert outputs == ["['mine-a']", "['mine-b']"]


def test_stop_keeps_the_environment_on_loopback_and_start_brings_a_new_server():
    code = textwrap.dedent(
        """
        import os, boto3, botocore.exceptions, smworkbook
        aws = smworkbook.start()
        boto3.client("secretsmanager").create_secret(Name="before", SecretString="x")
        aws.stop()
        assert os.environ["AWS_ENDPOINT_URL"] == aws.endpoint_url  # still loopback, never AWS
        try:
            boto3.client("secretsmanager").list_secrets()
            print("reached something!")
        except botocore.exceptions.EndpointConnectionError:
            print("refused")
        try:
            smworkbook.current()
        except smworkbook.WorkbookError as error:
            print("current:", error)
        fresh = smworkbook.start()
        print(fresh is not aws, boto3.client("secretsmanager").list_secrets()["SecretList"])
        """
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "refused"
    assert lines[1].startswith("current: The mock AWS at http://127.0.0.1:")
    assert "has stopped" in lines[1] and "smworkbook.start()" in lines[1]
    assert lines[2] == "True []"


def test_no_request_logs_reach_stderr():
    """werkzeug logs every request to stderr, which would land in notebook cells."""
    code = "import boto3, smworkbook; smworkbook.start(); c = boto3.client('secretsmanager'); c.list_secrets()"
    result = run_python(code)
    assert result.returncode == 0
    assert result.stderr == ""
    assert result.stdout == ""


def test_errors_from_the_mock_are_not_retried(aws):
    """A failing call reaches the learner at once instead of after botocore's retries."""
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        aws.client("secretsmanager").get_secret_value(SecretId="missing")
    assert raised.value.response["ResponseMetadata"]["RetryAttempts"] == 0


def test_checks_of_the_project_layout():
    """The layout the README promises is there."""
    for folder in ("notebooks", "solutions", "exercises", "helpers/smworkbook", "tests"):
        assert (ROOT / folder).is_dir(), folder


def test_the_set_up_cell_does_not_import_pandas_or_ipywidgets():
    """`import smworkbook; smworkbook.start()` stays light: tables and widgets load on first use."""
    code = (
        "import sys, smworkbook; aws = smworkbook.start(); "
        "print(sorted(m for m in ('pandas', 'ipywidgets') if m in sys.modules)); "
        "aws.client('secretsmanager').create_secret(Name='t', SecretString='v'); "
        "smworkbook.versions_table('t'); print('pandas' in sys.modules)"
    )
    result = run_python(code)
    assert result.stdout.splitlines() == ["[]", "True"], result.stderr
