"""Each correction in smworkbook/corrections.py makes the mock answer as AWS documents.

Every test names the AWS behaviour it asserts (AWS Secrets Manager API reference) and the stock
moto 5.2 behaviour that the correction replaces.
"""

from __future__ import annotations

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
