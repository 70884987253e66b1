"""Each correction in smworkbook/corrections.py makes the mock answer as AWS documents.

Every test names the AWS behaviour it asserts (AWS Secrets Manager API reference) and the stock
moto 5.2 behaviour that the correction replaces.
"""

from __future__ import annotations

import json

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


# --- Access control ------------------------------------------------------------------------------

READ_ONE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": "arn:aws:secretsmanager:us-east-1:123456789012:secret:one-??????",
        }
    ],
}
PUBLIC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}],
}


def test_denial_is_access_denied_exception_naming_user_action_and_resource(enforced, sm):
    """AWS: HTTP 400 AccessDeniedException "User: <arn> is not authorized to perform:
    secretsmanager:GetSecretValue on resource: <secret id> because no identity-based policy allows
    the secretsmanager:GetSecretValue action" (Secrets Manager troubleshooting; the message names
    the secret as the caller did). moto 5.2: an XML 403 botocore reads as "An error occurred (403)"."""
    from smworkbook import access

    sm.create_secret(Name="one", SecretString="1")
    sm.create_secret(Name="two", SecretString="2")
    client = enforced.client_as(access.create_user("app", READ_ONE))
    with pytest.raises(ClientError) as raised:
        client.get_secret_value(SecretId="two")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert raised.value.response["Error"] == {
        "Code": "AccessDeniedException",
        "Message": "User: arn:aws:iam::123456789012:user/app is not authorized to perform: "
        "secretsmanager:GetSecretValue on resource: two because no identity-based policy allows the "
        "secretsmanager:GetSecretValue action",
    }


def test_an_allow_on_one_secrets_arn_allows_that_secret(enforced, sm):
    """AWS: a statement applies when the request's action AND resource (the secret's ARN) match
    ("Determine who has permissions to your secrets"). moto 5.2: compares every Resource with "*",
    so a policy naming one secret's ARN denied everything."""
    from smworkbook import access

    sm.create_secret(Name="one", SecretString="1")
    client = enforced.client_as(access.create_user("app", READ_ONE))
    assert client.get_secret_value(SecretId="one")["SecretString"] == "1"


def test_an_allow_whose_condition_fails_does_not_deny(enforced, sm):
    """AWS: a statement whose Condition is not met does not apply (IAM User Guide, policy
    evaluation logic); another statement may still allow. moto 5.2: a failed condition denies."""
    from smworkbook import access

    sm.create_secret(Name="one", SecretString="1", Tags=[{"Key": "team", "Value": "a"}])
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
                "Condition": {"StringEquals": {"secretsmanager:ResourceTag/team": "b"}},
            },
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"},
        ],
    }
    assert enforced.client_as(access.create_user("app", policy)).get_secret_value(SecretId="one")["SecretString"] == "1"


def test_put_resource_policy_refuses_malformed_json_and_attaches_nothing(sm):
    """AWS: PutResourcePolicy with a policy that is not valid is MalformedPolicyDocumentException.
    moto 5.2: stores any text."""
    sm.create_secret(Name="s", SecretString="x")
    for bad in ('{"Version": "2012-10-17", "Statement": [', json.dumps({"Version": "2012-10-17", "Statement": [{}]})):
        error = error_of(lambda bad=bad: sm.put_resource_policy(SecretId="s", ResourcePolicy=bad))
        assert error["Code"] == "MalformedPolicyDocumentException"
        assert error["Message"].startswith(corrections.MALFORMED_POLICY)
    assert "ResourcePolicy" not in sm.get_resource_policy(SecretId="s")


def test_block_public_policy_refuses_a_policy_for_everyone(sm):
    """AWS: with BlockPublicPolicy=True, a policy that allows broad access (a wildcard principal)
    is PublicPolicyException and is not attached; without it, it is attached. moto 5.2: ignores
    BlockPublicPolicy."""
    sm.create_secret(Name="s", SecretString="x")
    error = error_of(
        lambda: sm.put_resource_policy(SecretId="s", ResourcePolicy=json.dumps(PUBLIC), BlockPublicPolicy=True)
    )
    assert error == {"Code": "PublicPolicyException", "Message": corrections.PUBLIC_POLICY}
    assert "ResourcePolicy" not in sm.get_resource_policy(SecretId="s")
    sm.put_resource_policy(SecretId="s", ResourcePolicy=json.dumps(PUBLIC))
    assert json.loads(sm.get_resource_policy(SecretId="s")["ResourcePolicy"]) == PUBLIC
    sm.delete_resource_policy(SecretId="s")
    assert "ResourcePolicy" not in sm.get_resource_policy(SecretId="s")


def test_validate_resource_policy_reports_public_and_malformed_policies(sm):
    """AWS: ValidateResourcePolicy returns PolicyValidationPassed and ValidationErrors (CheckName,
    ErrorMessage): it checks syntax and broad access, e.g. a wildcard principal; text that is not
    JSON is MalformedPolicyDocumentException. moto 5.2: not implemented (HTTP 500)."""
    named = json.loads(json.dumps(PUBLIC))
    named["Statement"][0]["Principal"] = {"AWS": "arn:aws:iam::123456789012:user/app"}
    assert sm.validate_resource_policy(ResourcePolicy=json.dumps(named))["PolicyValidationPassed"] is True
    public = sm.validate_resource_policy(ResourcePolicy=json.dumps(PUBLIC))
    assert public["PolicyValidationPassed"] is False
    assert public["ValidationErrors"] == [{"CheckName": "BROAD_ACCESS", "ErrorMessage": corrections.BROAD_ACCESS}]
    no_effect = json.dumps({"Version": "2012-10-17", "Statement": [{"Action": "secretsmanager:*", "Resource": "*"}]})
    invalid = sm.validate_resource_policy(ResourcePolicy=no_effect)
    assert invalid["PolicyValidationPassed"] is False
    assert invalid["ValidationErrors"][0]["CheckName"] == "SYNTAX"
    error = error_of(lambda: sm.validate_resource_policy(ResourcePolicy="{not json"))
    assert error["Code"] == "MalformedPolicyDocumentException"


def test_reading_a_secret_with_a_customer_managed_key_needs_kms_decrypt(enforced, sm):
    """AWS: for a secret encrypted with a customer managed key, GetSecretValue also needs
    kms:Decrypt on the key (Secrets Manager user guide, "Secret encryption and decryption"),
    else AccessDeniedException "Access to KMS is not allowed"; the AWS managed key needs nothing
    extra. moto 5.2: never consults KMS."""
    from smworkbook import access

    key_arn = enforced.client("kms").create_key()["KeyMetadata"]["Arn"]
    sm.create_secret(Name="cmk", SecretString="c", KmsKeyId=key_arn)
    sm.create_secret(Name="default", SecretString="d")
    read = {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
    user = access.create_user("app", {"Version": "2012-10-17", "Statement": [read]})
    client = enforced.client_as(user)
    assert client.get_secret_value(SecretId="default")["SecretString"] == "d"
    assert error_of(lambda: client.get_secret_value(SecretId="cmk")) == {
        "Code": "AccessDeniedException",
        "Message": corrections.KMS_NOT_ALLOWED,
    }
    decrypt = {
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": key_arn,
        "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}},
    }
    access.put_user_policy(user, {"Version": "2012-10-17", "Statement": [read, decrypt]})
    assert client.get_secret_value(SecretId="cmk")["SecretString"] == "c"


def test_batch_get_secret_value_returns_only_the_secrets_the_caller_may_read(enforced, sm):
    """AWS: BatchGetSecretValue needs secretsmanager:GetSecretValue for each secret (and
    secretsmanager:ListSecrets with filters); a secret the caller may not read is in Errors with
    ErrorCode AccessDeniedException. moto 5.2: returns every secret asked for."""
    from smworkbook import access

    sm.create_secret(Name="one", SecretString="1")
    sm.create_secret(Name="two", SecretString="2")
    batch = {"Effect": "Allow", "Action": "secretsmanager:BatchGetSecretValue", "Resource": "*"}
    user = access.create_user("app", {"Version": "2012-10-17", "Statement": [batch, *READ_ONE["Statement"]]})
    client = enforced.client_as(user)
    answer = client.batch_get_secret_value(SecretIdList=["one", "two"])
    assert [value["Name"] for value in answer["SecretValues"]] == ["one"]
    assert [(e["SecretId"], e["ErrorCode"]) for e in answer["Errors"]] == [("two", "AccessDeniedException")]
    error = error_of(lambda: client.batch_get_secret_value(Filters=[{"Key": "name", "Values": ["o"]}]))
    assert error["Code"] == "AccessDeniedException"
    assert "secretsmanager:ListSecrets" in error["Message"]
    # The administrator still gets both.
    assert len(sm.batch_get_secret_value(SecretIdList=["one", "two"])["SecretValues"]) == 2
