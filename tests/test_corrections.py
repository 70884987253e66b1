"""Each correction in smworkbook/corrections.py makes the mock answer as AWS documents.

Every test names the AWS behaviour it asserts (AWS Secrets Manager API reference) and the stock
moto 5.2 behaviour that the correction replaces.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError

from smworkbook import corrections


def error_of(call) -> dict:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]


def test_every_correction_is_listed_and_applied_once(aws):
    """Is ALL the one list of corrections, and is apply() safe to call again?"""
    public = {
        name
        for name, value in vars(corrections).items()
        if callable(value) and getattr(value, "__module__", "") == corrections.__name__ and not name.startswith("_")
    }
    assert public - {"apply"} == {correction.__name__ for correction in corrections.ALL}
    corrections.apply()  # a second time: no double wrapping
    error = error_of(lambda: aws.client("secretsmanager").get_secret_value(SecretId="missing"))
    assert error["Message"] == "Secrets Manager can't find the specified secret."


@pytest.mark.parametrize(
    "call",
    [
        lambda sm: sm.get_secret_value(SecretId="s"),
        lambda sm: sm.update_secret(SecretId="s", SecretString="new"),
        lambda sm: sm.delete_secret(SecretId="s"),
    ],
    ids=["GetSecretValue", "UpdateSecret", "DeleteSecret"],
)
def test_operation_on_secret_scheduled_for_deletion_says_marked_for_deletion(sm, call):
    """AWS: InvalidRequestException "You can't perform this operation on the secret because it was
    marked for deletion." moto 5.2: botocore's prefix repeated inside the message, then spaces."""
    sm.create_secret(Name="s", SecretString="x")
    sm.delete_secret(SecretId="s")
    error = error_of(lambda: call(sm))
    assert error == {"Code": "InvalidRequestException", "Message": corrections.MARKED_FOR_DELETION}


def test_invalid_recovery_window_message_has_no_repeated_prefix(sm):
    """AWS: the message is one sentence. moto 5.2: "An error occurred (...)" inside the message."""
    sm.create_secret(Name="s", SecretString="x")
    error = error_of(lambda: sm.delete_secret(SecretId="s", RecoveryWindowInDays=3))
    assert error["Code"] == "InvalidParameterException"
    assert error["Message"] == "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive)."


def test_create_with_name_scheduled_for_deletion_is_invalid_request(sm):
    """AWS: the name stays reserved during the recovery window: InvalidRequestException "You can't
    create this secret because a secret with this name is already scheduled for deletion."
    moto 5.2: ResourceExistsException."""
    sm.create_secret(Name="s", SecretString="x")
    sm.delete_secret(SecretId="s")
    error = error_of(lambda: sm.create_secret(Name="s", SecretString="y"))
    assert error == {"Code": "InvalidRequestException", "Message": corrections.NAME_SCHEDULED_FOR_DELETION}


def test_create_with_a_live_name_is_still_resource_exists(sm):
    sm.create_secret(Name="s", SecretString="x")
    assert error_of(lambda: sm.create_secret(Name="s", SecretString="y"))["Code"] == "ResourceExistsException"


def test_put_secret_value_on_secret_scheduled_for_deletion_is_refused(sm, aws):
    """AWS: PutSecretValue on a secret scheduled for deletion is InvalidRequestException and stores
    nothing. moto 5.2: succeeds and adds a version to the deleted secret."""
    sm.create_secret(Name="s", SecretString="x")
    sm.delete_secret(SecretId="s")
    error = error_of(lambda: sm.put_secret_value(SecretId="s", SecretString="y"))
    assert error["Code"] == "InvalidRequestException"
    assert len(sm.describe_secret(SecretId="s")["VersionIdsToStages"]) == 1


@pytest.mark.parametrize(
    "call",
    [
        lambda sm: sm.create_secret(Name="both", SecretString="x", SecretBinary=b"y"),
        lambda sm: sm.update_secret(SecretId="s", SecretString="x", SecretBinary=b"y"),
        lambda sm: sm.put_secret_value(SecretId="s", SecretString="x", SecretBinary=b"y"),
    ],
    ids=["CreateSecret", "UpdateSecret", "PutSecretValue"],
)
def test_string_and_binary_together_are_refused(sm, call):
    """AWS: "Either SecretString or SecretBinary must have a value, but not both."
    moto 5.2: stores both."""
    sm.create_secret(Name="s", SecretString="only")
    error = error_of(lambda: call(sm))
    assert error == {"Code": "InvalidParameterException", "Message": corrections.BOTH_STRING_AND_BINARY}
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "only"
    assert [s["Name"] for s in sm.list_secrets()["SecretList"]] == ["s"]


def test_get_random_password_error_message_has_no_code_or_prefix(sm):
    """AWS: "Password length is too short based on the required types." moto 5.2: the message
    starts with "InvalidParameterException: An error occurred (...) when calling ...", then spaces."""
    error = error_of(lambda: sm.get_random_password(PasswordLength=3))
    assert error == {
        "Code": "InvalidParameterException",
        "Message": "Password length is too short based on the required types.",
    }


def midnight_utc_today():
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def test_last_accessed_date_is_absent_until_the_secret_is_read(sm):
    """AWS (DescribeSecret, SecretListEntry): LastAccessedDate "is omitted if the secret has never
    been retrieved in the Region". Creating, describing and listing a secret do not retrieve it."""
    sm.create_secret(Name="s", SecretString="x")
    sm.describe_secret(SecretId="s")
    sm.list_secrets()
    assert "LastAccessedDate" not in sm.describe_secret(SecretId="s")
    assert "LastAccessedDate" not in sm.list_secrets()["SecretList"][0]


@pytest.mark.parametrize(
    "read",
    [
        lambda sm, secret: sm.get_secret_value(SecretId=secret["Name"]),
        lambda sm, secret: sm.get_secret_value(SecretId=secret["ARN"]),
        lambda sm, secret: sm.batch_get_secret_value(SecretIdList=[secret["Name"]]),
    ],
    ids=["GetSecretValue by name", "GetSecretValue by ARN", "BatchGetSecretValue"],
)
def test_reading_a_secret_sets_last_accessed_date_to_the_day(sm, read):
    """AWS: LastAccessedDate is "the date that the secret was last accessed in the Region",
    "truncated to midnight of the date and therefore shows only the date, not the time".
    moto 5.2: never set."""
    secret = sm.create_secret(Name="s", SecretString="x")
    sm.create_secret(Name="unread", SecretString="x")
    before = midnight_utc_today()
    read(sm, secret)
    days = {before, midnight_utc_today()}  # the same day, unless the read straddled midnight
    assert sm.describe_secret(SecretId="s")["LastAccessedDate"] in days
    listed = {entry["Name"]: entry for entry in sm.list_secrets()["SecretList"]}
    assert listed["s"]["LastAccessedDate"] in days
    assert "LastAccessedDate" not in listed["unread"]


def test_a_failed_read_does_not_set_last_accessed_date(sm):
    """A read that fails (the secret is scheduled for deletion) retrieves nothing."""
    sm.create_secret(Name="s", SecretString="x")
    sm.delete_secret(SecretId="s")
    error_of(lambda: sm.get_secret_value(SecretId="s"))
    assert "LastAccessedDate" not in sm.describe_secret(SecretId="s")
