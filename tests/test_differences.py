"""The differences from AWS that remain on purpose: each row of the maintainer's guide's table, shown as described.

Each test shows the mock's behaviour that differs from AWS's documented one; if a test here starts failing, the
mock changed and the table in docs/maintainer.md ("Teaching AWS, not moto") must change with it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from smworkbook.toolkit import rotation

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


def test_no_real_kms_so_any_key_id_is_accepted(sm):
    """No real KMS: a KmsKeyId that names no key is stored, and the value reads back (AWS would fail
    to encrypt with a key that does not exist)."""
    sm.create_secret(Name="s", SecretString="v", KmsKeyId="alias/does-not-exist")
    assert sm.describe_secret(SecretId="s")["KmsKeyId"] == "alias/does-not-exist"
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
