"""SMWORKBOOK_BACKEND: an endpoint or real AWS instead of the embedded mock, with guard rails.

No AWS account is available here, so "real AWS" is played by this test process's own mock:
the learner's process gets SMWORKBOOK_BACKEND=aws and, as its own AWS configuration,
AWS_ENDPOINT_URL pointing at that mock. Everything the guard rails do is then visible in the
mock's state: what was created, tagged, left alone and deleted. Secrets that stand for the
learner's real ones are planted first and must come out untouched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import nbformat
import pytest
from nbclient import NotebookClient

from smworkbook import WorkbookError
from smworkbook.toolkit import other_backends as backends

from .conftest import ROOT, run_python

# A plain-Python learner process: prints each outcome as one JSON line, errors by their message.
_PRELUDE = textwrap.dedent(
    """
    import json, sys, boto3, smworkbook

    def attempt(label, call):
        try:
            print(json.dumps({label: call()}, default=str))
        except smworkbook.WorkbookError as error:
            print(json.dumps({label: "WorkbookError: " + str(error)}))
        except Exception as error:
            print(json.dumps({label: type(error).__name__ + ": " + str(error)}))
    """
)


def _env(aws, backend: str) -> dict[str, str]:
    env = dict(os.environ, SMWORKBOOK_BACKEND=backend)
    # The learner's own AWS configuration, in real AWS mode: here it leads to the stand-in.
    keys = aws.credentials
    env.update(AWS_ENDPOINT_URL=aws.endpoint_url, AWS_ACCESS_KEY_ID=keys.access_key_id)
    env.update(AWS_SECRET_ACCESS_KEY=keys.secret_access_key)
    # The stand-in checks signatures (server.OwnerOnly): an endpoint mode run is given its keys.
    env.update(SMWORKBOOK_ENDPOINT_ACCESS_KEY_ID=keys.access_key_id)
    env.update(SMWORKBOOK_ENDPOINT_SECRET_ACCESS_KEY=keys.secret_access_key)
    env.update(AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true")
    return env


def _outcomes(result) -> dict:
    outcomes = {}
    for line in result.stdout.splitlines():
        if line.startswith("{"):
            outcomes.update(json.loads(line))
    return outcomes


@pytest.fixture
def planted(sm):
    """Secrets that stand for the learner's real ones, in the account the backend reaches."""
    arn = sm.create_secret(Name="prod/db", SecretString="do-not-touch")["ARN"]
    sm.create_secret(Name="TestSecret", SecretString="someone else's TestSecret")
    return arn


def _untouched(sm, names=("TestSecret", "prod/db")) -> None:
    """The planted secrets are the only ones left, with their values unchanged."""
    assert sorted(entry["Name"] for entry in sm.list_secrets()["SecretList"]) == list(names)
    assert sm.get_secret_value(SecretId="prod/db")["SecretString"] == "do-not-touch"
    if "TestSecret" in names:
        assert sm.get_secret_value(SecretId="TestSecret")["SecretString"] == "someone else's TestSecret"
    assert len(sm.list_secret_version_ids(SecretId="prod/db")["Versions"]) == 1


@pytest.mark.parametrize(
    "value, expected",
    [
        ("", ("moto", None)),
        ("moto", ("moto", None)),
        ("aws", ("aws", None)),
        ("http://localhost:4566", ("endpoint", "http://localhost:4566")),
        ("http://127.0.0.1:4566/", ("endpoint", "http://127.0.0.1:4566")),
        ("http://[::1]:4566", ("endpoint", "http://[::1]:4566")),
    ],
)
def test_one_variable_chooses_the_backend(monkeypatch, value, expected):
    monkeypatch.setenv(backends.VARIABLE, value)
    assert backends.choose() == expected


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("http://example.com:4566", "only talks to endpoints on this machine"),
        ("http://10.0.0.5:4566", "only talks to endpoints on this machine"),
        ("AWS", "is not a backend"),
        ("localstack", "is not a backend"),
        ("ftp://localhost:21", "is not a backend"),
    ],
)
def test_other_values_are_refused_with_what_to_set(monkeypatch, value, fragment):
    monkeypatch.setenv(backends.VARIABLE, value)
    with pytest.raises(WorkbookError, match=fragment) as raised:
        backends.choose()
    assert "\n" not in str(raised.value)


def test_real_aws_mode_warns_prefixes_tags_and_touches_nothing_else(aws, sm, planted):
    code = _PRELUDE + textwrap.dedent(
        f"""
        aws = smworkbook.start()
        print("STARTED", flush=True)
        sm = boto3.client("secretsmanager")
        attempt("created", lambda: sm.create_secret(Name="TestSecret", SecretString="mine")["Name"])
        attempt("read", lambda: sm.get_secret_value(SecretId="TestSecret")["SecretString"])
        attempt("tags", lambda: sm.describe_secret(SecretId="TestSecret")["Tags"])
        attempt("listed", lambda: [s["Name"] for s in sm.list_secrets()["SecretList"]])
        attempt("other_by_name", lambda: sm.get_secret_value(SecretId="prod/db")["SecretString"])
        attempt("other_by_arn", lambda: sm.get_secret_value(SecretId={planted!r}))
        attempt("delete_other", lambda: sm.delete_secret(SecretId={planted!r}, ForceDeleteWithoutRecovery=True))
        attempt("batch", lambda: [v["Name"] for v in sm.batch_get_secret_value(
            Filters=[{{"Key": "name", "Values": ["prod", "smw-", "Test"]}}])["SecretValues"]])
        attempt("replica", lambda: sm.create_secret(Name="r", SecretString="x",
                                                     AddReplicaRegions=[{{"Region": "eu-west-1"}}]))
        attempt("kms", lambda: boto3.client("kms").create_key())
        attempt("iam", lambda: boto3.Session().client("iam").create_user(UserName="x"))
        attempt("rotation", lambda: smworkbook.register_rotation_function("f", lambda event, context: None))
        attempt("client_as", lambda: aws.client_as(None))
        from smworkbook import checks
        attempt("check", lambda: checks.setup("1.1"))
        own = aws.client("secretsmanager")
        attempt("before_reset", lambda: sorted(s["Name"] for s in own.list_secrets()["SecretList"]))
        aws.reset()
        attempt("after_reset", lambda: [s["Name"] for s in sm.list_secrets()["SecretList"]])
        print(json.dumps({{"prefix": aws.prefix, "run_id": aws.run_id}}))
        """
    )
    result = run_python(code, env=_env(aws, "aws"))
    assert result.returncode == 0, result.stderr
    # The cost warning comes first, before anything is created.
    warning, started = result.stdout.split("STARTED", 1)
    assert warning.startswith("⚠ REAL AWS: account 123456789012, region us-east-1.")
    assert "per secret per month" in warning and backends.PRICING_URL in warning
    seen = _outcomes(result)
    prefix, run_id = seen["prefix"], seen["run_id"]
    assert prefix == f"smw-{run_id}-" and len(run_id) == 8
    assert seen["created"] == prefix + "TestSecret"  # the learner's name, prefixed
    assert seen["read"] == "mine"  # ... and found again by the learner's name
    assert {"Key": "smworkbook-run", "Value": run_id} in seen["tags"]
    assert seen["listed"] == [prefix + "TestSecret"]  # the account's other secrets are not shown
    assert seen["other_by_name"].startswith("ResourceNotFoundException")  # looked up as smw-...-prod/db
    for refused in ("other_by_arn", "delete_other"):
        assert seen[refused].startswith("WorkbookError: arn:") and "not a secret of this workbook run" in seen[refused]
    assert seen["batch"] == [prefix + "TestSecret"]  # the filter matched the planted ones too: hidden
    assert seen["replica"].startswith("WorkbookError: CreateSecret with replicas refused")
    assert seen["kms"].startswith("WorkbookError: CreateKey (kms) refused")
    assert seen["iam"].startswith("WorkbookError: CreateUser (iam) refused")
    assert "only the workbook's embedded mock" in seen["rotation"]
    assert "client_as() needs the embedded mock" in seen["client_as"]
    assert seen["check"].startswith("WorkbookError: Exercise checks: only the workbook's embedded mock")
    assert seen["before_reset"] == [prefix + "TestSecret"]
    assert seen["after_reset"] == []
    _untouched(sm)


def test_real_aws_mode_deletes_the_runs_secrets_when_the_kernel_exits(aws, sm, planted):
    code = textwrap.dedent(
        """
        import boto3, smworkbook
        smworkbook.start()
        sm = boto3.client("secretsmanager")
        for name in ("a", "b/c", "TestSecret"):
            sm.create_secret(Name=name, SecretString="x")
        sm.delete_secret(SecretId="a")  # scheduled for deletion: still this run's, still cleaned up
        print(len(sm.list_secrets(IncludePlannedDeletion=True)["SecretList"]))
        """
    )
    result = run_python(code, env=_env(aws, "aws"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "3"
    _untouched(sm)


def test_destructive_helpers_refuse_secrets_the_run_did_not_create(aws, sm, planted):
    """Even a secret that carries the run's prefix but not its tag is left alone."""
    # The run starts and says its prefix; the test then plants a lookalike from outside the run.
    code = _PRELUDE + textwrap.dedent(
        """
        aws = smworkbook.start()
        print(json.dumps({"prefix": aws.prefix}), flush=True)
        sys.stdin.readline()  # the test plants smw-<run>-lookalike without the tag
        attempt("ensure_absent", lambda: aws.ensure_absent("lookalike"))
        attempt("ensure_secret", lambda: aws.ensure_secret("lookalike", SecretString="new"))
        aws.reset()
        sm = boto3.client("secretsmanager")
        attempt("still_there", lambda: sm.get_secret_value(SecretId="lookalike")["SecretString"])
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        env=_env(aws, "aws"),
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first = process.stdout.readline()
    while not first.startswith("{"):  # skip the cost warning
        first = process.stdout.readline()
    prefix = json.loads(first)["prefix"]
    sm.create_secret(Name=prefix + "lookalike", SecretString="not the run's")
    out, err = process.communicate("go\n", timeout=60)
    assert process.returncode == 0, err
    seen = {}
    for line in out.splitlines():
        if line.startswith("{"):
            seen.update(json.loads(line))
    for helper in ("ensure_absent", "ensure_secret"):
        assert seen[helper].startswith(f"WorkbookError: '{prefix}lookalike' was not created by this workbook run")
    assert seen["still_there"] == "not the run's"
    assert sm.get_secret_value(SecretId=prefix + "lookalike")["SecretString"] == "not the run's"


def test_real_aws_mode_without_credentials_stops_before_anything_happens(aws, sm):
    env = _env(aws, "aws")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        del env[name]
    env.update(AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_CONFIG_FILE=os.devnull)
    result = run_python(_PRELUDE + "attempt('start', lambda: repr(smworkbook.start()))", env=env)
    assert result.returncode == 0, result.stderr
    assert _outcomes(result)["start"].startswith("WorkbookError: SMWORKBOOK_BACKEND=aws, but your AWS credentials")
    assert sm.list_secrets()["SecretList"] == []


def test_endpoint_mode_uses_the_endpoint_with_fake_keys_and_cleans_up_only_its_own(aws, sm, planted):
    code = _PRELUDE + textwrap.dedent(
        """
        import os, threading
        aws = smworkbook.start()
        sm = boto3.client("secretsmanager")
        attempt("kind", lambda: [aws.kind, aws.endpoint_url, os.environ["AWS_ACCESS_KEY_ID"]])
        attempt("own_server", lambda: [t.name for t in threading.enumerate() if t.name == "moto-server"])
        attempt("created", lambda: sm.create_secret(Name="lesson/secret", SecretString="v")["Name"])
        attempt("tags", lambda: sm.describe_secret(SecretId="lesson/secret")["Tags"])
        attempt("reads_others", lambda: sm.get_secret_value(SecretId="prod/db")["SecretString"])
        attempt("ensure_absent_other", lambda: aws.ensure_absent("prod/db"))
        attempt("rotation", lambda: smworkbook.register_rotation_function("f", lambda event, context: None))
        aws.reset()
        attempt("after_reset", lambda: sorted(s["Name"] for s in sm.list_secrets()["SecretList"]))
        """
    )
    env = _env(aws, aws.endpoint_url)
    env["AWS_ACCESS_KEY_ID"] = "AKIAIOSFODNN7PLANTED"  # a real-looking key: never sent to an endpoint
    result = run_python(code, env=env)
    assert result.returncode == 0, result.stderr
    seen = _outcomes(result)
    assert seen["kind"] == ["endpoint", aws.endpoint_url, aws.credentials.access_key_id]
    assert seen["own_server"] == []  # no embedded mock: the endpoint does the work
    assert seen["created"] == "lesson/secret"  # names are left as they are on an endpoint
    assert seen["tags"][0]["Key"] == "smworkbook-run"
    assert seen["reads_others"] == "do-not-touch"
    assert "was not created by this workbook run" in seen["ensure_absent_other"]
    assert "only the workbook's embedded mock" in seen["rotation"]
    assert seen["after_reset"] == ["TestSecret", "prod/db"]
    _untouched(sm)


@pytest.mark.parametrize("backend", ["aws", "endpoint"])
@pytest.mark.parametrize("lesson", ["01_create_retrieve_update_delete", "02_versions_and_staging_labels"])
def test_lessons_run_whole_on_the_other_backends_and_leave_the_account_as_it_was(aws, sm, planted, backend, lesson):
    if backend == "endpoint":
        # Names are not prefixed on an endpoint: a secret of the lesson's name that the run did not
        # create stops the lesson (see the test above), so this endpoint holds only another one.
        sm.delete_secret(SecretId="TestSecret", ForceDeleteWithoutRecovery=True)
    notebook = nbformat.read(ROOT / "notebooks" / f"{lesson}.ipynb", as_version=4)
    client = NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}})
    client.execute(env=_env(aws, "aws" if backend == "aws" else aws.endpoint_url))  # raises on any error
    if backend == "aws":
        setup = "".join(o.get("text", "") for o in notebook.cells[_setup_cell(notebook)].outputs)
        assert "⚠ REAL AWS" in setup
    # Everything the lesson created went when its kernel ended; nothing else changed.
    _untouched(sm, ["TestSecret", "prod/db"] if backend == "aws" else ["prod/db"])


def _setup_cell(notebook) -> int:
    return next(i for i, c in enumerate(notebook.cells) if c.cell_type == "code" and "smworkbook.start()" in c.source)
