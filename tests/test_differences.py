"""The differences from AWS that remain on purpose: each row of the maintainer's guide's table, shown as described.

Each test shows the mock's behaviour that differs from AWS's documented one; if a test here starts failing, the
mock changed and the table in docs/maintainer.md ("Teaching AWS, not moto") must change with it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from smworkbook.toolkit import rotation

from .conftest import run_python

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "maintainer.md"


def error_code(call) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"]


def test_one_account_so_no_cross_account_replica(sm):
    """One account: AssociateCrossAccountReplica finds no replica in "a different AWS account"."""
    sm.create_secret(Name="s", SecretString="v")
    replica = "arn:aws:secretsmanager:us-east-1:210987654321:secret:s-AbCdEf"
    assert error_code(lambda: sm.associate_cross_account_replica(SecretId="s", CrossAccountReplicaARN=replica)) == (
        "ResourceNotFoundException"
    )
    assert sm.describe_secret(SecretId="s")["ARN"].split(":")[4] == "123456789012"


def test_no_real_kms_so_a_disabled_key_still_encrypts(aws, sm):
    """No real KMS: the key must exist in the secret's Region (test_corrections.py's EncryptionFailure tests), but
    a disabled key still "encrypts" and the value reads back (AWS KMS would refuse a disabled key: DisabledException,
    surfaced by Secrets Manager)."""
    kms = aws.client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=key)
    sm.create_secret(Name="s", SecretString="v", KmsKeyId=key)
    assert sm.describe_secret(SecretId="s")["KmsKeyId"] == key
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "v"


def test_rotation_runs_before_rotate_secret_returns(sm):
    """Timing: the four steps have run when rotate_secret returns (AWS: "starts the asynchronous
    process of rotating the secret")."""
    sm.create_secret(Name="s", SecretString="v")
    arn = rotation.register_rotation_function("d-sync", lambda event, context: None)
    sm.rotate_secret(SecretId="s", RotationLambdaARN=arn)
    assert [event["Step"] for event in rotation.invocations(arn)] == [
        "createSecret",
        "setSecret",
        "testSecret",
        "finishSecret",
    ]


def test_scheduled_rotations_run_when_the_clock_is_advanced_at_the_window_opening(sm):
    """Timing: a due rotation waits for smworkbook.clock.advance() (AWS: by itself, in real time), and runs when
    its window opens (AWS: "at any time during the rotation window")."""
    from datetime import UTC

    from smworkbook import clock

    sm.create_secret(Name="s", SecretString="v")

    def create_only(event, context):  # createSecret stores the pending value; the other steps do nothing
        if event["Step"] == "createSecret":
            token = event["ClientRequestToken"]
            sm.put_secret_value(SecretId="s", ClientRequestToken=token, SecretString="n", VersionStages=["AWSPENDING"])

    arn = rotation.register_rotation_function("d-cron", create_only)
    rules = {"ScheduleExpression": "cron(0 8 * * ? *)", "Duration": "4h"}
    sm.rotate_secret(SecretId="s", RotationLambdaARN=arn, RotationRules=rules, RotateImmediately=False)
    assert [event["Step"] for event in rotation.invocations(arn)] == ["testSecret"]
    clock.advance(days=1)  # one window, at 08:00 UTC, on the way
    started = [event for event in rotation.invocations(arn) if event["Step"] == "createSecret"]
    assert len(started) == 1
    versions = sm.list_secret_version_ids(SecretId="s", IncludeDeprecated=True)["Versions"]
    pending = next(v for v in versions if v["VersionId"] == started[0]["ClientRequestToken"])
    created = pending["CreatedDate"].astimezone(UTC)
    assert created.hour == 8  # the window opened at 08:00; the steps take real time


def test_list_secrets_is_consistent_at_once(sm):
    """Timing: AWS's ListSecrets "might not reflect changes from the last five minutes"; the mock's does."""
    sm.create_secret(Name="s", SecretString="v")
    assert [entry["Name"] for entry in sm.list_secrets()["SecretList"]] == ["s"]


def test_a_replica_is_in_sync_at_once(aws, sm):
    """Replication timing: on AWS a new replica is InProgress before it is InSync, and a change reaches it shortly
    after the primary has it (ReplicationStatusType: "The status can be InProgress, Failed, or InSync."); the mock's
    replica is InSync in the answer and reads the primary's new value at once."""
    answer = sm.create_secret(Name="s", SecretString="v1", AddReplicaRegions=[{"Region": "eu-west-1"}])
    assert [status["Status"] for status in answer["ReplicationStatus"]] == ["InSync"]
    sm.put_secret_value(SecretId="s", SecretString="v2")
    assert aws.client("secretsmanager", "eu-west-1").get_secret_value(SecretId="s")["SecretString"] == "v2"


def test_the_trail_has_an_event_at_once_and_only_secrets_manager_s(aws, sm):
    """CloudTrail: AWS shows an event in the event history a few minutes after the call, keeps 90 days, and records
    every service's management events; the mock's trail has a Secrets Manager call at once, and records nothing
    of IAM, KMS or STS."""
    sm.create_secret(Name="s", SecretString="v")
    aws.client("iam").create_user(UserName="u")
    events = aws.client("cloudtrail").lookup_events()["Events"]
    assert [(event["EventSource"], event["EventName"]) for event in events] == [
        ("secretsmanager.amazonaws.com", "CreateSecret")
    ]


def test_a_replica_under_a_key_its_region_lacks_fails_in_the_mock_s_words(sm):
    """Silent recordings: the replica fails and the call succeeds (as AWS); the StatusMessage is the mock's."""
    key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    answer = sm.create_secret(Name="s", SecretString="v", AddReplicaRegions=[{"Region": "eu-west-1", "KmsKeyId": key}])
    [status] = answer["ReplicationStatus"]
    assert (status["Status"], status["StatusMessage"]) == ("Failed", f"Replication failed: Key '{key}' does not exist")


def test_cancel_rotate_secret_without_rotation_is_moto_s_answer(sm):
    """Silent docs: CancelRotateSecret on a secret whose rotation was never turned on is
    InvalidRequestException (moto's answer; the API reference does not say)."""
    sm.create_secret(Name="s", SecretString="v")
    assert error_code(lambda: sm.cancel_rotate_secret(SecretId="s")) == "InvalidRequestException"


def test_list_secrets_default_order_is_ascending(sm):
    """Silent docs: SortOrder has no documented default; the mock lists oldest first."""
    for name in ("b", "a"):
        sm.create_secret(Name=name, SecretString="v")
    assert [entry["Name"] for entry in sm.list_secrets()["SecretList"]] == ["b", "a"]


def test_a_stage_not_on_the_version_is_moto_s_answer(sm):
    """Silent recordings: UpdateSecretVersionStage removing a stage from a version that does not hold it is
    InvalidParameterException with moto's text; no public recording of AWS's answer was found (issue 28)."""
    sm.create_secret(Name="s", SecretString="v1")
    first = sm.list_secret_version_ids(SecretId="s")["Versions"][0]["VersionId"]
    second = sm.put_secret_value(SecretId="s", SecretString="v2", VersionStages=["AWSPENDING"])["VersionId"]
    with pytest.raises(ClientError) as raised:
        sm.update_secret_version_stage(
            SecretId="s", VersionStage="AWSPENDING", RemoveFromVersionId=first, MoveToVersionId=second
        )
    error = raised.value.response["Error"]
    assert error["Code"] == "InvalidParameterException"
    assert error["Message"] == f"Version stage AWSPENDING not found in version {first}"


def _deployed(aws, code: str, **more) -> str:
    import io
    import json
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("lambda_function.py", code)
    role = aws.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps({}))["Role"]["Arn"]
    return aws.client("lambda").create_function(
        FunctionName="f",
        Runtime="python3.9",
        Role=role,
        Handler="lambda_function.lambda_handler",
        Code={"ZipFile": buffer.getvalue()},
        MemorySize=128,
        **more,
    )["FunctionArn"]


def test_a_deployed_function_runs_with_the_kernels_python_and_its_memory_is_not_capped(aws):
    """Lambda's runtime: the function runs with the kernel's Python and packages, whatever its Runtime says (AWS:
    the runtime's Python, with boto3 and only what the package holds); MemorySize is reported, not enforced."""
    import json
    import sys

    code = (
        "import sys, pg8000\n"
        "def lambda_handler(event, context):\n"
        "    block = bytearray(160 * 1024 * 1024)\n"
        "    return [sys.version_info[:2], len(block)]\n"
    )
    _deployed(aws, code)
    response = aws.client("lambda").invoke(FunctionName="f")
    assert "FunctionError" not in response
    version, size = json.loads(response["Payload"].read())
    assert tuple(version) == sys.version_info[:2] != (3, 9)  # pg8000 came from the kernel's packages
    assert size > 128 * 1024 * 1024


def test_an_event_invocation_runs_before_invoke_answers_and_permission_conditions_are_not_evaluated(aws, tmp_path):
    """Lambda's invocation: InvocationType Event has run when Invoke answers (AWS queues it and answers 202 at once);
    a permission statement's SourceArn condition is not evaluated (the mock has one account)."""
    ran = tmp_path / "ran"
    arn = _deployed(aws, f"def lambda_handler(event, context):\n    open({str(ran)!r}, 'w').write('yes')\n")
    lam = aws.client("lambda")
    assert lam.invoke(FunctionName="f", InvocationType="Event")["StatusCode"] == 202
    assert ran.read_text() == "yes"
    other = "arn:aws:secretsmanager:us-east-1:123456789012:secret:another-AbCdEf"
    lam.add_permission(
        FunctionName="f",
        StatementId="s",
        Action="lambda:InvokeFunction",
        Principal="secretsmanager.amazonaws.com",
        SourceArn=other,
    )
    sm = aws.client("secretsmanager")
    sm.create_secret(Name="s", SecretString="v")
    ran.unlink()
    sm.rotate_secret(SecretId="s", RotationLambdaARN=arn)  # AWS: AccessDeniedException (the condition names another)
    assert ran.read_text() == "yes"


# The browser edition's set-up cell (make lite), in a fresh process that smworkbook.start() takes for a page
# (sys.platform "emscripten", as in Pyodide): moto in-process, with the corrections that can apply there.
PAGE_MOCK = """
import json, sys, types, boto3, smworkbook
from smworkbook.toolkit import mock
mock.sys = types.SimpleNamespace(platform="emscripten")
aws = smworkbook.start()
assert type(aws).__name__ == "PageMock", aws
"""


def _in_page(code: str, first_on_path: Path | None = None) -> dict:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "SMWORKBOOK_"))}
    # `first_on_path`: packages the page has in place of this machine's (the stub cryptography).
    before = f"import sys\nsys.path.insert(0, {str(first_on_path)!r})\n" if first_on_path else ""
    done = run_python(before + PAGE_MOCK + code, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_browser_edition_has_no_server_so_responses_keep_moto_s_headers():
    """Browser edition, no server: moto answers in the page's own Python, so the corrections to what its HTTP
    server sends (corrections.SERVER_ONLY) cannot apply: the request id is moto's, not AWS's UUID. Every other
    correction does: a missing secret is HTTP 400 with a top-level Message, as AWS answers."""
    found = _in_page(
        """
sm = aws.client("secretsmanager")
created = sm.create_secret(Name="s", SecretString="v")
try:
    sm.get_secret_value(SecretId="missing")
except sm.exceptions.ResourceNotFoundException as error:
    missing = error.response
print(json.dumps({"endpoint": aws.endpoint_url, "id": created["ResponseMetadata"]["RequestId"],
                  "status": missing["ResponseMetadata"]["HTTPStatusCode"], "message": missing.get("Message")}))
"""
    )
    assert found["endpoint"] is None
    assert not re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", found["id"])
    assert (found["status"], found["message"]) == (400, "Secrets Manager can't find the specified secret.")


def test_browser_edition_answers_requests_signed_with_any_keys():
    """Browser edition, no signatures: requests signed with keys nobody issued are answered (AWS:
    UnrecognizedClientException; the desktop mock: the same, server.OwnerOnly). Nothing but the page reaches it."""
    found = _in_page(
        """
stranger = boto3.client("secretsmanager", region_name="us-east-1", aws_access_key_id="nobody-issued-this-key",
                        aws_secret_access_key="not-a-key-of-this-mock")
stranger.create_secret(Name="s", SecretString="v")
print(json.dumps({"value": aws.client("secretsmanager").get_secret_value(SecretId="s")["SecretString"]}))
"""
    )
    assert found == {"value": "v"}


def test_browser_edition_leaves_out_lessons_4_onwards(tmp_path):
    """Browser edition, no database: lessons 4 onwards (PostgreSQL, the signature-checked server, a web service) are not
    in the page; its start page says so and points to `make lab`."""
    build_lite = _tool("build_lite")
    build_lite._write_contents(tmp_path)
    shipped = sorted(path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*.ipynb"))
    assert [name.split("/")[1][:2] for name in shipped if name.startswith("exercises/")] == ["01", "02", "03"]
    assert [name.split("/")[1][:2] for name in shipped if name.startswith("notebooks/")] == ["00", "01", "02", "03"]
    start = (tmp_path / "notebooks" / "00_start_here.ipynb").read_text()
    assert "Lessons 4 onwards" in start and "make lab" in start and "make grade" in start


def test_browser_edition_makes_kms_keys_that_need_no_cryptography_only(tmp_path):
    """Browser edition, no `cryptography` (the page has a stub, tools/build_lite.py): lesson 3's symmetric key is
    created and named by a secret, and HMAC keys work (corrections.PAGE_ONLY: moto makes an RSA key pair for every
    key, which the page cannot); what needs real cryptography (an asymmetric key, Encrypt, GetPublicKey) raises an
    error that points to `make lab` (AWS and the desktop mock: each works)."""
    for path, data in _tool("build_lite").stub_files("cryptography").items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    found = _in_page(
        """
import cryptography
from moto.kms import utils

def error_of(call):
    try:
        call()
    except Exception as error:
        return str(error)

kms = aws.client("kms")
key = kms.create_key(Description="key for lesson 3")["KeyMetadata"]
aws.ensure_secret("own-key", SecretString="s3cr3t", KmsKeyId=key["Arn"])
hmac_key = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
print(json.dumps({
    "stub": cryptography.__file__,
    "named": aws.client("secretsmanager").describe_secret(SecretId="own-key")["KmsKeyId"] == key["Arn"],
    "mac": len(kms.generate_mac(KeyId=hmac_key["KeyId"], Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"]),
    "moto": error_of(lambda: utils.generate_private_key("SYMMETRIC_DEFAULT")),
    "refused": [
        error_of(lambda: kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")),
        error_of(lambda: kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")),
        error_of(lambda: kms.get_public_key(KeyId=key["KeyId"])),
    ],
}))
""",
        first_on_path=tmp_path,
    )
    assert found["stub"].startswith(str(tmp_path))  # the page's cryptography, not this machine's
    assert found["named"] and found["mac"] == 32
    # Without the correction moto's own path (an RSA pair for a symmetric key) fails in the page:
    assert "rsa.generate_private_key is not available in the browser edition" in found["moto"]
    for error in found["refused"]:
        assert "not available in the browser edition" in error and "make lab" in error, error


# A describe_secret response and lesson 3's operations on its describe_table(), run in the page and here.
DESCRIBED = """
from datetime import UTC, datetime
response = {
    "ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:TestSecret-AbCdEf", "Name": "TestSecret",
    "KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/36552c02-45c5-40c9-bf12-77c31646cb1f",
    "CreatedDate": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "LastAccessedDate": datetime(2026, 1, 3, tzinfo=UTC),
    "DeletedDate": datetime(2026, 1, 9, 3, 4, 5, tzinfo=UTC), "Tags": [{"Key": "team", "Value": "payments"}],
    "VersionIdsToStages": {"b40ecdeb-5791-4b38-9473-9e1a48aeaa86": ["AWSCURRENT"]},
}
table = smworkbook.describe_table(response, now=datetime(2026, 1, 3, 12, tzinfo=UTC))
shown = [table, table[table.field == "LastAccessedDate"], table[table.field.isin(["Status", "DeletedDate"])]]
described = {
    "html": [t._repr_html_() for t in shown], "text": [repr(t) for t in shown],
    "loc": table.set_index("field").loc["KmsKeyId", "value"],
}
"""


def test_browser_edition_describe_table_has_lesson_3_s_operations_without_pandas():
    """Browser edition, no pandas: describe_table() is not a DataFrame but draws the same table (HTML and text) for
    lesson 3's operations on it, and any other DataFrame call says to use `make lab`."""
    found = _in_page(
        'sys.modules["pandas"] = None  # as in the page: no pandas to import\n'
        + DESCRIBED
        + """
try:
    table.head()
except AttributeError as error:
    described["other"] = str(error)
described["type"] = type(table).__name__
print(json.dumps(described))
"""
    )
    import smworkbook

    desktop = {"smworkbook": smworkbook}
    exec(DESCRIBED, desktop)
    assert type(desktop["table"]).__name__ == "DescribeTable" and found["type"] == "DescribeRows"
    for key in ("html", "text", "loc"):
        assert found[key] == desktop["described"][key], key
    assert "Scheduled for deletion" in found["html"][2] and "2026-01-03 (day only), today" in found["text"][1]
    assert "make lab" in found["other"]


def _tool(name: str):
    spec = importlib.util.spec_from_file_location(name, GUIDE.parent.parent / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_row_of_the_guides_table_has_its_test():
    """Is the maintainer's guide's table of remaining differences backed, row by row, by a test in this file?"""
    section = GUIDE.read_text().split("### Differences that remain", 1)[1]
    section = re.split(r"\n##+ ", section, maxsplit=1)[0]  # up to the next heading, whatever its level
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| Difference")]
    named = [re.search(r"`(test_\w+)`", row) for row in rows]
    assert rows and all(named), rows
    tests = {name for name in globals() if name.startswith("test_")} - {
        "test_every_row_of_the_guides_table_has_its_test"
    }
    assert {match.group(1) for match in named} == tests
