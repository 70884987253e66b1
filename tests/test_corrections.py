"""Each correction in smworkbook/corrections/ makes the mock answer as AWS documents.

Every test names the AWS behaviour it asserts (AWS Secrets Manager API reference) and the stock
moto 5.2 behaviour that the correction replaces.
"""

from __future__ import annotations

import inspect
import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from smworkbook.engine import corrections

from .conftest import raw_request


def error_of(call) -> dict:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]


def test_every_correction_is_listed_and_applied_once(aws):
    """Is ALL the one list of corrections, and is apply() safe to call again?"""
    public = {
        f"{module.__name__}.{name}"
        for module in corrections.MODULES
        for name, value in vars(module).items()
        if inspect.isfunction(value) and value.__module__ == module.__name__ and not name.startswith("_")
    }
    rules = [rule for rules in corrections.validation.DOCUMENTED_RULES.values() for rule in rules]
    rules += corrections.validation.FOR_EVERY_SECRET_ID
    helpers = [corrections.validation.check_value, corrections.validation.service_model, corrections.kms.key_problem]
    listed = {
        f"{function.__module__}.{function.__name__}"
        for function in [*corrections.ALL, *corrections.PAGE_ONLY, *rules, *helpers]
    }
    assert public == listed
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
    from smworkbook.toolkit import access

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
    from smworkbook.toolkit import access

    sm.create_secret(Name="one", SecretString="1")
    client = enforced.client_as(access.create_user("app", READ_ONE))
    assert client.get_secret_value(SecretId="one")["SecretString"] == "1"


def test_an_allow_whose_condition_fails_does_not_deny(enforced, sm):
    """AWS: a statement whose Condition is not met does not apply (IAM User Guide, policy
    evaluation logic); another statement may still allow. moto 5.2: a failed condition denies."""
    from smworkbook.toolkit import access

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


def test_a_malformed_policy_says_what_is_wrong_with_it(sm):
    """The message names the syntax error found (JSON's, or IAM's policy grammar), so the learner can fix it."""
    sm.create_secret(Name="s", SecretString="x")
    truncated = error_of(lambda: sm.put_resource_policy(SecretId="s", ResourcePolicy='{"Version": "2012-10-17", '))
    assert truncated["Message"].startswith(f"{corrections.MALFORMED_POLICY} Expecting property name")
    no_effect = json.dumps({"Version": "2012-10-17", "Statement": [{"Action": "secretsmanager:*", "Resource": "*"}]})
    grammar = error_of(lambda: sm.put_resource_policy(SecretId="s", ResourcePolicy=no_effect))
    assert grammar["Message"] != corrections.MALFORMED_POLICY
    assert grammar["Message"].startswith(f"{corrections.MALFORMED_POLICY} ")
    assert "None" not in grammar["Message"]


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


def test_block_public_policy_refuses_an_allow_with_not_principal(sm):
    """IAM User Guide, "AWS JSON policy elements: NotPrincipal": with "Effect": "Allow", NotPrincipal
    "allows all principals except the one named" (anonymous users included), so it is broad access;
    PutResourcePolicy: BlockPublicPolicy blocks "resource-based policies that allow broad access to
    the secret". A Deny with NotPrincipal grants nothing and is attached."""
    sm.create_secret(Name="s", SecretString="x")
    statement = {
        "Effect": "Allow",
        "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:user/app"},
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "*",
    }
    allow_all_but_one = {"Version": "2012-10-17", "Statement": [statement]}
    error = error_of(
        lambda: sm.put_resource_policy(
            SecretId="s", ResourcePolicy=json.dumps(allow_all_but_one), BlockPublicPolicy=True
        )
    )
    assert error == {"Code": "PublicPolicyException", "Message": corrections.PUBLIC_POLICY}
    assert "ResourcePolicy" not in sm.get_resource_policy(SecretId="s")
    deny_all_but_one = {"Version": "2012-10-17", "Statement": [{**statement, "Effect": "Deny"}]}
    sm.put_resource_policy(SecretId="s", ResourcePolicy=json.dumps(deny_all_but_one), BlockPublicPolicy=True)
    assert json.loads(sm.get_resource_policy(SecretId="s")["ResourcePolicy"]) == deny_all_but_one


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


def test_other_services_keep_moto_s_own_iam_checks_while_enforcement_is_on(enforced):
    """Policy enforcement evaluates Secrets Manager's requests with the workbook's evaluator; a request
    to another service (IAM here) is still authorized by moto's own IAM check: an identity-based
    policy allowing iam:ListUsers lets the user list users, and nothing else."""
    from smworkbook.toolkit import access

    allowed = {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}
    user = access.create_user("auditor", {"Version": "2012-10-17", "Statement": [allowed]})
    iam = enforced.client_as(user, "iam")
    assert [u["UserName"] for u in iam.list_users()["Users"]] == ["auditor"]
    assert error_of(lambda: iam.list_groups())["Code"] == "AccessDenied"


def test_reading_a_secret_with_a_customer_managed_key_needs_kms_decrypt(enforced, sm):
    """AWS: for a secret encrypted with a customer managed key, GetSecretValue also needs
    kms:Decrypt on the key (Secrets Manager user guide, "Secret encryption and decryption"),
    else AccessDeniedException "Access to KMS is not allowed"; the AWS managed key needs nothing
    extra. moto 5.2: never consults KMS."""
    from smworkbook.toolkit import access

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
    from smworkbook.toolkit import access

    sm.create_secret(Name="one", SecretString="1")
    sm.create_secret(Name="two", SecretString="2")
    batch = {"Effect": "Allow", "Action": "secretsmanager:BatchGetSecretValue", "Resource": "*"}
    user = access.create_user("app", {"Version": "2012-10-17", "Statement": [batch, *READ_ONE["Statement"]]})
    client = enforced.client_as(user)
    answer = client.batch_get_secret_value(SecretIdList=["one", "two"])
    assert [value["Name"] for value in answer["SecretValues"]] == ["one"]
    assert [(e["SecretId"], e["ErrorCode"]) for e in answer["Errors"]] == [("two", "AccessDeniedException")]
    error = error_of(lambda: client.batch_get_secret_value(Filters=[{"Key": "name", "Values": ["o"]}]))
    assert error == {
        "Code": "AccessDeniedException",
        "Message": f"User: {user.arn} is not authorized to perform: secretsmanager:ListSecrets because no "
        "identity-based policy allows the secretsmanager:ListSecrets action",
    }
    # The administrator still gets both.
    assert len(sm.batch_get_secret_value(SecretIdList=["one", "two"])["SecretValues"]) == 2
    # With secretsmanager:ListSecrets as well, filters work, and still only "one" can be read.
    listing = {"Effect": "Allow", "Action": "secretsmanager:ListSecrets", "Resource": "*"}
    access.put_user_policy(user, {"Version": "2012-10-17", "Statement": [batch, listing, *READ_ONE["Statement"]]})
    answer = client.batch_get_secret_value(Filters=[{"Key": "name", "Values": ["o", "t"]}])
    assert [value["Name"] for value in answer["SecretValues"]] == ["one"]


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


# Versions and staging labels -------------------------------------------------------------------


def labels_by_version(sm, name, include_deprecated=True):
    labels, request = {}, {"SecretId": name, "IncludeDeprecated": include_deprecated}
    while True:
        page = sm.list_secret_version_ids(**request)
        # AWS leaves VersionStages out of a deprecated version's entry.
        labels.update({version["VersionId"]: sorted(version.get("VersionStages", [])) for version in page["Versions"]})
        if "NextToken" not in page:
            return labels
        request["NextToken"] = page["NextToken"]


def make_versions(sm, name, values):
    """Create `name` with each value in turn; return the version ids, oldest first."""
    ids = [sm.create_secret(Name=name, SecretString=values[0])["VersionId"]]
    ids += [sm.put_secret_value(SecretId=name, SecretString=value)["VersionId"] for value in values[1:]]
    return ids


def rollback(sm, name, to_version, from_version):
    sm.update_secret_version_stage(
        SecretId=name, VersionStage="AWSCURRENT", MoveToVersionId=to_version, RemoveFromVersionId=from_version
    )


def test_get_secret_value_after_rollback_returns_awscurrent(sm):
    """AWS GetSecretValue: "If you don't specify either a VersionStage or VersionId, then Secrets
    Manager returns the AWSCURRENT version." moto 5.2 returned the rolled-back-from version."""
    v1, v2 = make_versions(sm, "s", ["good", "bad"])
    rollback(sm, "s", v1, v2)
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "good"
    assert sm.get_secret_value(SecretId="s")["VersionId"] == v1
    assert sm.batch_get_secret_value(SecretIdList=["s"])["SecretValues"][0]["SecretString"] == "good"


@pytest.mark.parametrize("label", ["AWSPREVIOUS", "AWSPENDING"])
def test_get_secret_value_of_a_label_no_version_has_names_the_label(sm, label):
    """AWS (recorded: localstack/localstack tests/aws/services/secretsmanager/test_secretsmanager.snapshot.json,
    test_get_secret_value_errors for AWSPREVIOUS, test_secret_version_not_found for AWSPENDING, on a secret with
    one version): {"Error": {"Code": "ResourceNotFoundException", "Message": "Secrets Manager can't find the
    specified secret value for staging label: <label>"}, "Message": the same, HTTP 400}. moto 5.2: "Secrets
    Manager can't find the specified secret." (the words for a secret that does not exist), HTTP 404."""
    sm.create_secret(Name="s", SecretString="v1")
    with pytest.raises(ClientError) as raised:
        sm.get_secret_value(SecretId="s", VersionStage=label)
    message = f"Secrets Manager can't find the specified secret value for staging label: {label}"
    assert raised.value.response["Error"] == {"Code": "ResourceNotFoundException", "Message": message}
    assert raised.value.response["Message"] == message
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_get_secret_value_of_a_secret_without_a_value_names_the_awscurrent_label(sm):
    """A secret created without SecretString or SecretBinary has no version: GetSecretValue without a version
    looks for AWSCURRENT (as above) and answers ResourceNotFoundException "Secrets Manager can't find the specified
    secret value for staging label: AWSCURRENT", the message AWS gives for a label no version holds (e.g. for
    AWSPENDING in aws/aws-sdk-js-v3#7701), not the one for a secret that does not exist."""
    sm.create_secret(Name="s")
    with pytest.raises(ClientError) as error:
        sm.get_secret_value(SecretId="s")
    assert error.value.response["Error"] == {
        "Code": "ResourceNotFoundException",
        "Message": "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
    }


def test_rollback_moves_awsprevious_to_the_version_awscurrent_left(sm):
    """AWS UpdateSecretVersionStage: moving AWSCURRENT also moves AWSPREVIOUS to the version that
    AWSCURRENT was removed from."""
    v1, v2 = make_versions(sm, "s", ["good", "bad"])
    rollback(sm, "s", v1, v2)
    assert labels_by_version(sm, "s") == {v1: ["AWSCURRENT"], v2: ["AWSPREVIOUS"]}


def test_new_value_after_rollback_moves_labels_from_the_real_current(sm):
    """After a rollback, the next value takes AWSCURRENT from the rolled-back-to version, which
    becomes AWSPREVIOUS. moto 5.2 left two versions labelled AWSCURRENT."""
    v1, v2 = make_versions(sm, "s", ["good", "bad"])
    rollback(sm, "s", v1, v2)
    v3 = sm.put_secret_value(SecretId="s", SecretString="fixed")["VersionId"]
    assert labels_by_version(sm, "s") == {v1: ["AWSPREVIOUS"], v2: [], v3: ["AWSCURRENT"]}
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "fixed"


def test_custom_label_on_the_old_current_version_survives_an_update(sm):
    """AWS: only AWSCURRENT moves (and AWSPREVIOUS with it); other labels stay where they are.
    moto 5.2 replaced all labels of the old current version with ["AWSPREVIOUS"]."""
    (v1,) = make_versions(sm, "s", ["one"])
    sm.update_secret_version_stage(SecretId="s", VersionStage="stable", MoveToVersionId=v1)
    v2 = sm.update_secret(SecretId="s", SecretString="two")["VersionId"]
    assert labels_by_version(sm, "s") == {v1: ["AWSPREVIOUS", "stable"], v2: ["AWSCURRENT"]}


def test_a_label_sits_on_one_version_only(sm):
    """AWS: "Each staging label can be attached to only one version at a time"; a new value given
    a label takes it from the version that had it."""
    v1, v2 = make_versions(sm, "s", ["one", "two"])
    v3 = sm.put_secret_value(SecretId="s", SecretString="canary-1", VersionStages=["canary"])["VersionId"]
    v4 = sm.put_secret_value(SecretId="s", SecretString="canary-2", VersionStages=["canary"])["VersionId"]
    assert labels_by_version(sm, "s") == {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT"], v3: [], v4: ["canary"]}


def test_moving_an_attached_label_needs_remove_from_version_id(sm):
    """AWS UpdateSecretVersionStage: if the label is attached to another version and
    RemoveFromVersionId is not given, the operation fails. moto 5.2 put the label on both."""
    v1, v2 = make_versions(sm, "s", ["one", "two"])
    sm.update_secret_version_stage(SecretId="s", VersionStage="canary", MoveToVersionId=v1)
    error = error_of(lambda: sm.update_secret_version_stage(SecretId="s", VersionStage="canary", MoveToVersionId=v2))
    assert error["Code"] == "InvalidParameterException"
    assert labels_by_version(sm, "s") == {v1: ["AWSPREVIOUS", "canary"], v2: ["AWSCURRENT"]}
    sm.update_secret_version_stage(SecretId="s", VersionStage="canary", MoveToVersionId=v2, RemoveFromVersionId=v1)
    assert labels_by_version(sm, "s") == {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT", "canary"]}


def test_list_secret_version_ids_leaves_out_deprecated_versions_unless_asked(sm):
    """AWS ListSecretVersionIds: IncludeDeprecated (default false) "Specifies whether to include
    versions of secrets that don't have any staging labels". moto 5.2 always listed them."""
    v1, v2, v3 = make_versions(sm, "s", ["one", "two", "three"])
    assert labels_by_version(sm, "s", include_deprecated=False) == {v2: ["AWSPREVIOUS"], v3: ["AWSCURRENT"]}
    assert set(labels_by_version(sm, "s", include_deprecated=True)) == {v1, v2, v3}


def test_list_secret_version_ids_has_the_arn_and_each_versions_own_date(sm):
    """AWS: ARN is the secret's ARN; CreatedDate is the version's creation date. moto 5.2 put the
    name in ARN and the time of the call in CreatedDate and LastAccessedDate."""
    created = sm.create_secret(Name="s", SecretString="one")
    response = sm.list_secret_version_ids(SecretId="s")
    (version,) = response["Versions"]
    assert response["ARN"] == created["ARN"]
    assert version["CreatedDate"] == sm.get_secret_value(SecretId="s")["CreatedDate"]
    assert "LastAccessedDate" not in version


def test_list_secret_version_ids_pages_with_max_results(sm):
    ids = make_versions(sm, "s", ["1", "2", "3"])
    seen, request = [], {"SecretId": "s", "IncludeDeprecated": True, "MaxResults": 2}
    while True:
        page = sm.list_secret_version_ids(**request)
        assert len(page["Versions"]) <= 2
        seen += [version["VersionId"] for version in page["Versions"]]
        if "NextToken" not in page:
            break
        request["NextToken"] = page["NextToken"]
    assert seen == ids


def test_list_secret_version_ids_of_an_unknown_secret_is_not_found(sm):
    """AWS: ResourceNotFoundException. moto 5.2: HTTP 500 (a KeyError)."""
    assert error_of(lambda: sm.list_secret_version_ids(SecretId="nope"))["Code"] == "ResourceNotFoundException"


def test_describe_secret_lists_only_labelled_versions(sm):
    """AWS DescribeSecret VersionIdsToStages: "A list of the versions of the secret that have
    staging labels attached." moto 5.2 listed unlabelled versions too."""
    v1, v2, v3 = make_versions(sm, "s", ["one", "two", "three"])
    assert sm.describe_secret(SecretId="s")["VersionIdsToStages"] == {v2: ["AWSPREVIOUS"], v3: ["AWSCURRENT"]}


# Recorded on AWS: localstack/localstack, tests/aws/services/secretsmanager/test_secretsmanager.py and
# its .snapshot.json (tests marked @markers.aws.validated, responses recorded against AWS).
LOCALSTACK_RECORDING = "localstack/localstack tests/aws/services/secretsmanager/test_secretsmanager.snapshot.json"


def test_a_deprecated_version_is_listed_without_version_stages(sm):
    """Recorded on AWS (LOCALSTACK_RECORDING, test_deprecated_secret_version_stage): create, two
    put_secret_value calls, then ListSecretVersionIds with IncludeDeprecated=True lists the first
    version as {"CreatedDate", "KmsKeyIds", "VersionId"}: no VersionStages key at all.
    moto 5.2: "VersionStages": []."""
    v1, v2, v3 = make_versions(sm, "s", ["original", "update1", "update2"])
    listed = sm.list_secret_version_ids(SecretId="s", IncludeDeprecated=True)["Versions"]
    shapes = {version["VersionId"]: (sorted(version), version.get("VersionStages")) for version in listed}
    assert shapes == {
        v1: (["CreatedDate", "KmsKeyIds", "VersionId"], None),
        v2: (["CreatedDate", "KmsKeyIds", "VersionId", "VersionStages"], ["AWSPREVIOUS"]),
        v3: (["CreatedDate", "KmsKeyIds", "VersionId", "VersionStages"], ["AWSCURRENT"]),
    }
    with pytest.raises(KeyError):  # what code that indexes the key meets on AWS, and now on the mock
        [version["VersionStages"] for version in listed]
    # DescribeSecret's VersionIdsToStages leaves the deprecated version out altogether (recorded
    # alongside: describe_secret_rotated in test_rotate_secret_with_lambda_success).
    assert sm.describe_secret(SecretId="s")["VersionIdsToStages"] == {v2: ["AWSPREVIOUS"], v3: ["AWSCURRENT"]}


def test_every_listed_version_names_the_default_encryption_key(sm):
    """Recorded on AWS (LOCALSTACK_RECORDING, test_deprecated_secret_version_stage and every other
    listing there): each version, labelled or deprecated, has "KmsKeyIds": ["DefaultEncryptionKey"]
    for a secret on the AWS managed key. moto 5.2: no KmsKeyIds."""
    make_versions(sm, "s", ["original", "update1", "update2"])
    for include_deprecated in (False, True):
        listed = sm.list_secret_version_ids(SecretId="s", IncludeDeprecated=include_deprecated)["Versions"]
        assert [version["KmsKeyIds"] for version in listed] == [["DefaultEncryptionKey"]] * len(listed)


def test_a_customer_managed_key_is_named_as_the_secret_names_it(aws, sm):
    """No recording on AWS was found for a customer managed key: the mock lists the secret's KmsKeyId
    as DescribeSecret shows it (SecretVersionsListEntry: "the KMS keys used to encrypt the secret
    version")."""
    key = aws.client("kms").create_key()["KeyMetadata"]["Arn"]
    sm.create_secret(Name="s", SecretString="v", KmsKeyId=key)
    assert sm.describe_secret(SecretId="s")["KmsKeyId"] == key
    (version,) = sm.list_secret_version_ids(SecretId="s")["Versions"]
    assert version["KmsKeyIds"] == [key]


def test_a_new_value_takes_awspending_off_the_version_awscurrent_leaves(sm):
    """Recorded on AWS (LOCALSTACK_RECORDING, test_update_secret_version_stages_current_pending):
    v2 put with VersionStages=["AWSPENDING"], AWSCURRENT moved onto it (v2: AWSCURRENT, AWSPENDING,
    as a finishSecret that only moves AWSCURRENT leaves it); put_secret_value then leaves v1 with no
    label, v2 with ["AWSPREVIOUS"] and v3 with ["AWSCURRENT"]. The workbook's mock kept AWSPENDING
    on v2."""
    (v1,) = make_versions(sm, "s", ["Something1"])
    v2 = sm.put_secret_value(SecretId="s", SecretString="Something2", VersionStages=["AWSPENDING"])["VersionId"]
    rollback(sm, "s", to_version=v2, from_version=v1)
    assert labels_by_version(sm, "s") == {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT", "AWSPENDING"]}
    v3 = sm.put_secret_value(SecretId="s", SecretString="SS3")["VersionId"]
    assert labels_by_version(sm, "s", include_deprecated=False) == {v2: ["AWSPREVIOUS"], v3: ["AWSCURRENT"]}
    assert sm.describe_secret(SecretId="s")["VersionIdsToStages"] == {v2: ["AWSPREVIOUS"], v3: ["AWSCURRENT"]}
    assert error_of(lambda: sm.get_secret_value(SecretId="s", VersionStage="AWSPENDING"))["Code"] == (
        "ResourceNotFoundException"
    )


def test_update_secret_with_a_new_value_takes_awspending_off_too(sm):
    """UpdateSecret with a new value moves AWSCURRENT and AWSPREVIOUS as PutSecretValue does (API
    reference, UpdateSecret: "Secrets Manager automatically moves the staging label AWSCURRENT to
    the new version. Then it attaches the label AWSPREVIOUS to the version that AWSCURRENT was
    removed from"); no recording of this state on AWS was found, so it follows the PutSecretValue
    recording above."""
    (v1,) = make_versions(sm, "s", ["Something1"])
    v2 = sm.put_secret_value(SecretId="s", SecretString="Something2", VersionStages=["AWSPENDING"])["VersionId"]
    rollback(sm, "s", to_version=v2, from_version=v1)
    v3 = sm.update_secret(SecretId="s", SecretString="SS3")["VersionId"]
    assert labels_by_version(sm, "s") == {v1: [], v2: ["AWSPREVIOUS"], v3: ["AWSCURRENT"]}


def test_a_pending_label_on_another_version_stays_when_awscurrent_moves(sm):
    """Recorded on AWS (LOCALSTACK_RECORDING, test_update_secret_version_stages_current_pending_cycle):
    AWSPENDING on a version that is not AWSCURRENT is untouched by a new value given other labels;
    only the version AWSCURRENT leaves loses it. Here a put with VersionStages=["AWSPENDING"] moves
    the label from v2 (AWSCURRENT, AWSPENDING) to v3, and v2 keeps AWSCURRENT."""
    (v1,) = make_versions(sm, "s", ["S1"])
    v2 = sm.put_secret_value(SecretId="s", SecretString="S2", VersionStages=["AWSPENDING"])["VersionId"]
    rollback(sm, "s", to_version=v2, from_version=v1)
    v3 = sm.put_secret_value(SecretId="s", SecretString="S3", VersionStages=["AWSPENDING"])["VersionId"]
    assert labels_by_version(sm, "s") == {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT"], v3: ["AWSPENDING"]}


def test_deprecated_versions_older_than_a_day_are_removed_past_100(sm):
    """AWS quotas: "Secrets Manager removes unlabeled versions when there are more than 100, but it
    does not remove versions created less than 24 hours ago." moto 5.2 never removed any."""
    from moto.backends import get_backend
    from moto.core import DEFAULT_ACCOUNT_ID

    ids = make_versions(sm, "s", [str(number) for number in range(105)])
    assert len(labels_by_version(sm, "s")) == 105  # all younger than 24 hours: all kept
    secret = get_backend("secretsmanager")[DEFAULT_ACCOUNT_ID]["us-east-1"].secrets["s"]
    for version_id in ids[:50]:
        secret.versions[version_id]["createdate"] -= 2 * 24 * 3600  # pretend they are two days old
    sm.put_secret_value(SecretId="s", SecretString="one more")
    remaining = labels_by_version(sm, "s")
    assert len(remaining) == 100
    assert not set(ids[:6]) & set(remaining)  # the oldest deprecated ones went first


# Rotation (API reference: RotateSecret, CancelRotateSecret; User Guide: "Rotation by Lambda
# function"; aws-samples/aws-secrets-manager-rotation-lambdas, SecretsManagerRotationTemplate).


def _labels(sm, name) -> dict:
    return sm.describe_secret(SecretId=name)["VersionIdsToStages"]


def _value_only_handler(sm):
    """A rotation function for a plain value: the template's four steps, without a database."""

    def lambda_handler(event, context):
        arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
        stages = _labels(sm, arn).get(token, [])
        if "AWSCURRENT" in stages:
            return
        if step == "createSecret":
            try:
                sm.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
            except sm.exceptions.ResourceNotFoundException:
                sm.put_secret_value(
                    SecretId=arn, ClientRequestToken=token, SecretString="rotated", VersionStages=["AWSPENDING"]
                )
        elif step == "finishSecret":
            current = next(v for v, s in _labels(sm, arn).items() if "AWSCURRENT" in s)
            sm.update_secret_version_stage(
                SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=current
            )

    return lambda_handler


def test_rotate_secret_invokes_the_four_steps_in_order_with_the_arn_and_token(sm):
    """AWS: Secrets Manager invokes the function with {"SecretId", "ClientRequestToken", "Step"} for
    createSecret, setSecret, testSecret, finishSecret; the token is the returned VersionId.
    moto 5.2: runs the function only in Docker; its simple backend runs no code."""
    from smworkbook.toolkit import rotation

    created = sm.create_secret(Name="s", SecretString="v1")
    arn = rotation.register_rotation_function("c-order", _value_only_handler(sm))
    answer = sm.rotate_secret(SecretId="s", RotationLambdaARN=arn, RotationRules={"AutomaticallyAfterDays": 30})
    events = rotation.invocations(arn)
    assert [e["Step"] for e in events] == ["createSecret", "setSecret", "testSecret", "finishSecret"]
    assert {e["SecretId"] for e in events} == {created["ARN"]}
    assert {e["ClientRequestToken"] for e in events} == {answer["VersionId"]}
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "rotated"
    assert "AWSCURRENT" in _labels(sm, "s")[answer["VersionId"]]


def test_rotate_secret_without_any_function_is_refused_and_changes_nothing(sm):
    """AWS (recorded: localstack/localstack tests/aws/services/secretsmanager/test_secretsmanager.snapshot.json,
    test_first_rotate_secret_with_missing_lambda_arn): InvalidRequestException "No Lambda rotation function ARN is
    associated with this secret.", and DescribeSecret shows no rotation. moto 5.2: returns 200 and moves
    AWSCURRENT onto a version with no value."""
    sm.create_secret(Name="s", SecretString="v1")
    error = error_of(lambda: sm.rotate_secret(SecretId="s", RotationRules={"AutomaticallyAfterDays": 1}))
    assert error == {
        "Code": "InvalidRequestException",
        "Message": "No Lambda rotation function ARN is associated with this secret.",
    }
    assert corrections.NO_ROTATION_FUNCTION == error["Message"]
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "v1"
    assert "RotationEnabled" not in sm.describe_secret(SecretId="s")


def test_rotate_secret_with_an_unknown_function_is_access_denied_and_changes_nothing(sm, capsys):
    """AWS (recorded: localstack/localstack tests/aws/services/secretsmanager/test_secretsmanager.snapshot.json,
    test_rotate_secret_invalid_lambda_arn, RotationRules AutomaticallyAfterDays 1 and a function that does not
    exist): AccessDeniedException "Secrets Manager cannot invoke the specified Lambda function. Ensure that the
    function policy grants access to the principal secretsmanager.amazonaws.com.", HTTP 400, no top-level Message;
    DescribeSecret then shows no RotationEnabled, RotationRules or RotationLambdaARN. moto 5.2:
    ResourceNotFoundException (HTTP 404), and the secret gets an empty AWSPENDING version anyway. The mock also
    prints how to register a function (its stand-in for the function policy)."""
    sm.create_secret(Name="s", SecretString="v1")
    arn = "arn:aws:lambda:us-east-1:123456789012:function:nobody-registered-me"
    with pytest.raises(ClientError) as raised:
        sm.rotate_secret(SecretId="s", RotationLambdaARN=arn, RotationRules={"AutomaticallyAfterDays": 1})
    response = raised.value.response
    assert response["Error"] == {
        "Code": "AccessDeniedException",
        "Message": "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy "
        "grants access to the principal secretsmanager.amazonaws.com.",
    }
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "Message" not in response
    described = sm.describe_secret(SecretId="s")
    assert not {"RotationEnabled", "RotationRules", "RotationLambdaARN"} & set(described)
    assert list(_labels(sm, "s").values()) == [["AWSCURRENT"]]
    assert "smworkbook.register_rotation_function(name, lambda_handler)" in capsys.readouterr().out


def test_a_registered_function_still_runs(sm):
    """The workbook's stand-in for a function Secrets Manager may invoke: one registered with
    register_rotation_function runs, under the same ARN that was refused before it was registered."""
    from smworkbook.toolkit import rotation

    sm.create_secret(Name="s", SecretString="v1")
    arn = "arn:aws:lambda:us-east-1:123456789012:function:c-registered-later"
    with pytest.raises(ClientError):
        sm.rotate_secret(SecretId="s", RotationLambdaARN=arn)
    assert rotation.register_rotation_function("c-registered-later", _value_only_handler(sm)) == arn
    sm.rotate_secret(SecretId="s", RotationLambdaARN=arn)
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "rotated"


def test_a_stale_awspending_blocks_the_next_rotation(sm):
    """AWS: "If the AWSPENDING staging label is present but not attached to the same version as
    AWSCURRENT, then any later invocation of RotateSecret assumes that a previous rotation request
    is still in progress and returns an error." moto 5.2: allows it (and refuses the opposite case)."""
    from smworkbook.toolkit import rotation

    def fails(event, context):
        raise RuntimeError("the database is down")

    sm.create_secret(Name="s", SecretString="v1")
    arn = rotation.register_rotation_function("c-fails", fails)
    sm.rotate_secret(SecretId="s", RotationLambdaARN=arn)  # returns: the rotation only started
    error = error_of(lambda: sm.rotate_secret(SecretId="s"))
    assert error["Code"] == "InvalidRequestException"
    assert error["Message"] == corrections.ROTATION_IN_PROGRESS


def test_a_good_rotation_then_a_failed_one_leaves_awspending_on_one_version_and_refuses_a_third(sm):
    """AWS (UpdateSecretVersionStage): "Each staging label can be attached to only one version at a
    time". RotateSecret: "If the AWSPENDING staging label is present but not attached to the same
    version as AWSCURRENT, then any later invocation of RotateSecret assumes that a previous rotation
    request is still in progress and returns an error." After a good rotation AWSPENDING stays on the
    new AWSCURRENT version; the next rotation's new version takes it from there, so when that
    rotation fails, a third rotate_secret is refused (lesson 4 teaches this)."""
    from smworkbook.toolkit import rotation

    good = _value_only_handler(sm)
    down = {"yes": False}

    def lambda_handler(event, context):
        if down["yes"]:
            raise RuntimeError("the database is down")
        good(event, context)

    sm.create_secret(Name="s", SecretString="v1")
    arn = rotation.register_rotation_function("c-good-then-bad", lambda_handler)
    first = sm.rotate_secret(SecretId="s", RotationLambdaARN=arn)["VersionId"]
    down["yes"] = True
    second = sm.rotate_secret(SecretId="s")["VersionId"]
    labels = _labels(sm, "s")
    assert [version for version, stages in labels.items() if "AWSPENDING" in stages] == [second]
    assert labels[first] == ["AWSCURRENT"]
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "rotated"
    error = error_of(lambda: sm.rotate_secret(SecretId="s"))
    assert error == {"Code": "InvalidRequestException", "Message": corrections.ROTATION_IN_PROGRESS}


def test_awspending_on_the_awscurrent_version_does_not_block_rotation(sm):
    """AWS: after a successful rotation AWSPENDING "might be attached to the same version as the
    AWSCURRENT version"; the next rotation may start. moto 5.2: "Previous rotation request is still
    in progress." """
    from smworkbook.toolkit import rotation

    sm.create_secret(Name="s", SecretString="v1")
    arn = rotation.register_rotation_function("c-twice", _value_only_handler(sm))
    first = sm.rotate_secret(SecretId="s", RotationLambdaARN=arn)
    assert sorted(_labels(sm, "s")[first["VersionId"]]) == ["AWSCURRENT", "AWSPENDING"]
    second = sm.rotate_secret(SecretId="s")
    assert sorted(_labels(sm, "s")[second["VersionId"]]) == ["AWSCURRENT", "AWSPENDING"]


def test_a_retry_with_the_pending_token_resumes_the_rotation(sm):
    """AWS: ClientRequestToken lets a retry after a failure reuse the same version instead of making
    a duplicate; the retried steps finish the rotation. moto 5.2: no step runs at all."""
    from smworkbook.toolkit import rotation

    broken = {"yes": True}
    good = _value_only_handler(sm)

    def flaky(event, context):
        if broken["yes"] and event["Step"] == "testSecret":
            raise RuntimeError("test failed")
        good(event, context)

    sm.create_secret(Name="s", SecretString="v1")
    arn = rotation.register_rotation_function("c-flaky", flaky)
    token = sm.rotate_secret(SecretId="s", RotationLambdaARN=arn)["VersionId"]
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "v1"
    assert _labels(sm, "s")[token] == ["AWSPENDING"]
    broken["yes"] = False
    assert sm.rotate_secret(SecretId="s", ClientRequestToken=token)["VersionId"] == token
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "rotated"
    assert "AWSCURRENT" in _labels(sm, "s")[token]


def test_rotate_immediately_false_runs_only_testsecret_and_leaves_no_pending_version(sm):
    """AWS: with RotateImmediately=False "Secrets Manager tests the rotation configuration by running
    the testSecret step ... The test creates an AWSPENDING version of the secret and then removes it."
    moto 5.2: leaves the AWSPENDING version in place."""
    from smworkbook.toolkit import rotation

    sm.create_secret(Name="s", SecretString="v1")
    arn = rotation.register_rotation_function("c-later", _value_only_handler(sm))
    sm.rotate_secret(
        SecretId="s", RotationLambdaARN=arn, RotationRules={"AutomaticallyAfterDays": 7}, RotateImmediately=False
    )
    assert [e["Step"] for e in rotation.invocations(arn)] == ["testSecret"]
    assert list(_labels(sm, "s").values()) == [["AWSCURRENT"]]
    described = sm.describe_secret(SecretId="s")
    assert described["RotationEnabled"] is True
    assert described["NextRotationDate"] > described["CreatedDate"]


# Version ids that sort before and after the first version's: the answer must not depend on their order.
FIRST_VERSION = "88888888-8888-4888-8888-888888888888"


@pytest.mark.parametrize("token", ["00000000-0000-4000-8000-000000000000", "ffffffff-ffff-4fff-bfff-ffffffffffff"])
def test_cancel_rotate_secret_names_the_unfinished_version(sm, token):
    """AWS: CancelRotateSecret's VersionId is "the unique identifier of the version of the secret
    created during the rotation"; rotation is turned off. moto 5.2: returns the AWSCURRENT version."""
    from smworkbook.toolkit import rotation

    def fails(event, context):
        raise RuntimeError("no")

    sm.create_secret(Name="s", SecretString="v1", ClientRequestToken=FIRST_VERSION)
    arn = rotation.register_rotation_function("c-cancel", fails)
    assert sm.rotate_secret(SecretId="s", RotationLambdaARN=arn, ClientRequestToken=token)["VersionId"] == token
    assert sm.cancel_rotate_secret(SecretId="s")["VersionId"] == token
    described = sm.describe_secret(SecretId="s")
    assert described["RotationEnabled"] is False
    assert "NextRotationDate" not in described


# --- Lesson-path differences (issue 16) ----------------------------------------------------------


def test_batch_get_with_filters_leaves_deleted_secrets_out(sm):
    """BatchGetSecretValue's Filters choose as ListSecrets does, "not including secrets that are marked
    for deletion"; errors for single secrets go in Errors. moto 5.2: the whole call fails."""
    for name in ("payments/api", "payments/db", "payments/old"):
        sm.create_secret(Name=name, SecretString=name)
    sm.delete_secret(SecretId="payments/old", RecoveryWindowInDays=7)
    answer = sm.batch_get_secret_value(Filters=[{"Key": "name", "Values": ["payments/"]}])
    assert sorted(value["Name"] for value in answer["SecretValues"]) == ["payments/api", "payments/db"]
    assert answer["Errors"] == []
    by_id = sm.batch_get_secret_value(SecretIdList=["payments/api", "payments/old"])
    assert [value["Name"] for value in by_id["SecretValues"]] == ["payments/api"]
    assert [(e["SecretId"], e["ErrorCode"]) for e in by_id["Errors"]] == [("payments/old", "InvalidRequestException")]


def test_batch_get_with_filters_pages_by_twenty(sm):
    """BatchGetSecretValue "retrieves ... for up to 20 secrets": a page holds at most 20."""
    for number in range(21):
        sm.create_secret(Name=f"many/{number:02}", SecretString="v")
    first = sm.batch_get_secret_value(Filters=[{"Key": "name", "Values": ["many/"]}])
    assert len(first["SecretValues"]) == 20
    rest = sm.batch_get_secret_value(Filters=[{"Key": "name", "Values": ["many/"]}], NextToken=first["NextToken"])
    assert [value["Name"] for value in rest["SecretValues"]] == ["many/20"]


@pytest.mark.parametrize(
    "call",
    [
        lambda sm: sm.list_secrets(NextToken="garbage"),
        lambda sm: sm.batch_get_secret_value(Filters=[{"Key": "name", "Values": ["x"]}], NextToken="garbage"),
        lambda sm: sm.list_secret_version_ids(SecretId="s", NextToken="garbage"),
    ],
    ids=["ListSecrets", "BatchGetSecretValue", "ListSecretVersionIds"],
)
def test_a_next_token_never_given_is_invalid_next_token(sm, call):
    """Errors of ListSecrets, BatchGetSecretValue, ListSecretVersionIds: "InvalidNextTokenException:
    The NextToken value is invalid." moto 5.2: HTTP 500 (int() of the token), retried by botocore."""
    sm.create_secret(Name="s", SecretString="v")
    assert error_of(lambda: call(sm))["Code"] == "InvalidNextTokenException"


def test_get_random_password_makes_a_pin(sm):
    """GetRandomPassword, PasswordLength: "Valid Range: Minimum value of 1"; with
    RequireEachIncludedType=False nothing forces 4 types. moto 5.2: any length under 4 is refused."""
    pin = sm.get_random_password(
        PasswordLength=3, ExcludeUppercase=True, ExcludeLowercase=True, ExcludePunctuation=True
    )["RandomPassword"]
    assert len(pin) == 3 and pin.isdigit()
    assert len(sm.get_random_password(PasswordLength=1, RequireEachIncludedType=False)["RandomPassword"]) == 1
    assert error_of(lambda: sm.get_random_password(PasswordLength=3))["Code"] == "InvalidParameterException"


def test_get_random_password_includes_each_type_by_default(sm):
    """RequireEachIncludedType (default): "at least one upper and lowercase letter, one number, and one
    punctuation"; ExcludeCharacters removes characters, even a whole type's."""
    for _ in range(20):
        password = sm.get_random_password(PasswordLength=4, ExcludeCharacters="0123456789")["RandomPassword"]
        assert any(c.isupper() for c in password) and any(c.islower() for c in password)
        assert not any(c.isdigit() for c in password)


def test_get_random_password_with_nothing_left_is_refused(sm):
    """Excluding every character is InvalidParameterException. moto 5.2: HTTP 500."""
    everything = {
        "ExcludeUppercase": True,
        "ExcludeLowercase": True,
        "ExcludeNumbers": True,
        "ExcludePunctuation": True,
    }
    assert error_of(lambda: sm.get_random_password(**everything))["Code"] == "InvalidParameterException"


def test_update_secret_repeated_with_the_same_token_and_value_succeeds(sm):
    """AWS (getmoto/moto tests/test_secretsmanager/test_secretsmanager.py,
    test_update_same_secret_value_with_same_token, marked aws_verified): CreateSecret(Name, SecretString="Hello",
    ClientRequestToken=t), then UpdateSecret with the same token and value answers VersionId t and adds no
    version. moto 5.2: VersionId of AWSCURRENT; the workbook before issue 28 answered ResourceExistsException,
    following the API reference's UpdateSecret page."""
    token = str(uuid.uuid4())
    sm.create_secret(Name="s", SecretString="Hello", ClientRequestToken=token)
    sm.put_secret_value(SecretId="s", SecretString="newer")  # the token's version is no longer AWSCURRENT
    response = sm.update_secret(SecretId="s", SecretString="Hello", ClientRequestToken=token)
    assert response["VersionId"] == token
    assert len(sm.list_secret_version_ids(SecretId="s", IncludeDeprecated=True)["Versions"]) == 2
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "newer"


def test_update_secret_with_the_same_token_and_another_value_names_the_secrets_arn(sm):
    """AWS (getmoto/moto tests/test_secretsmanager/test_secretsmanager.py,
    test_update_different_secret_value_with_same_token, marked aws_verified): ResourceExistsException "You can't use
    ClientRequestToken <token> because that value is already in use for a version of secret <ARN>." PutSecretValue
    answers the same (test_put_different_secret_value_with_same_token, aws_verified) and ignores a repeat with the
    same value (test_put_same_secret_value_with_same_token). The workbook before issue 28 said "... of this
    secret" instead."""
    token = str(uuid.uuid4())
    arn = sm.create_secret(Name="s", SecretString="Hello", ClientRequestToken=token)["ARN"]
    message = (
        f"You can't use ClientRequestToken {token} because that value is already in use for a version of secret {arn}."
    )
    for call in (sm.update_secret, sm.put_secret_value):
        with pytest.raises(ClientError) as raised:
            call(SecretId=arn, SecretString="Hi", ClientRequestToken=token)
        assert raised.value.response["Error"] == {"Code": "ResourceExistsException", "Message": message}
    again = sm.put_secret_value(SecretId=arn, SecretString="Hello", ClientRequestToken=token)
    assert again["VersionId"] == token
    assert len(sm.list_secret_version_ids(SecretId="s", IncludeDeprecated=True)["Versions"]) == 1


def test_list_secrets_sorts_as_asked(sm):
    """ListSecrets, SortBy: created-date | last-accessed-date | last-changed-date | name; SortOrder:
    asc | desc. moto 5.2: ignores both."""
    for name in ("b", "c", "a"):
        sm.create_secret(Name=name, SecretString="v")
    by_name = sm.list_secrets(SortBy="name", SortOrder="desc")["SecretList"]
    assert [s["Name"] for s in by_name] == ["c", "b", "a"]
    assert [s["Name"] for s in sm.list_secrets(SortBy="name")["SecretList"]] == ["a", "b", "c"]
    assert [s["Name"] for s in sm.list_secrets()["SecretList"]] == ["b", "c", "a"]  # by CreatedDate


def test_list_secrets_sorts_by_created_date_both_ways(sm, aws):
    """ListSecrets, SortBy created-date with SortOrder asc or desc: by CreatedDate, oldest or newest
    first (the secrets made here in one second get CreatedDates a day apart)."""
    from moto.backends import get_backend
    from moto.core import DEFAULT_ACCOUNT_ID

    backend = get_backend("secretsmanager")[DEFAULT_ACCOUNT_ID][aws.region]
    for name in ("new", "old", "middle"):
        sm.create_secret(Name=name, SecretString="v")
    for days, name in ((1, "new"), (3, "old"), (2, "middle")):
        backend.secrets[name].created_date -= days * 24 * 3600
    newest_first = sm.list_secrets(SortBy="created-date", SortOrder="desc")["SecretList"]
    assert [s["Name"] for s in newest_first] == ["new", "middle", "old"]
    oldest_first = sm.list_secrets(SortBy="created-date", SortOrder="asc")["SecretList"]
    assert [s["Name"] for s in oldest_first] == ["old", "middle", "new"]


def test_list_secrets_sorts_by_last_accessed_date_never_read_first(sm, aws):
    """ListSecrets, SortBy last-accessed-date with SortOrder asc or desc: by LastAccessedDate, which
    SecretListEntry "omitted if the secret has never been retrieved in the Region". The API reference
    does not say where such a secret goes; the mock puts it before every read one when ascending."""
    from moto.backends import get_backend
    from moto.core import DEFAULT_ACCOUNT_ID

    backend = get_backend("secretsmanager")[DEFAULT_ACCOUNT_ID][aws.region]
    for name in ("read-today", "never-read", "read-yesterday"):
        sm.create_secret(Name=name, SecretString="v")
    for name in ("read-today", "read-yesterday"):
        sm.get_secret_value(SecretId=name)
    backend.secrets["read-yesterday"].last_accessed_date -= 24 * 3600
    oldest_first = sm.list_secrets(SortBy="last-accessed-date", SortOrder="asc")["SecretList"]
    assert [s["Name"] for s in oldest_first] == ["never-read", "read-yesterday", "read-today"]
    newest_first = sm.list_secrets(SortBy="last-accessed-date", SortOrder="desc")["SecretList"]
    assert [s["Name"] for s in newest_first] == ["read-today", "read-yesterday", "never-read"]


def test_list_secrets_sorts_by_last_changed_date_both_ways(sm, aws):
    """ListSecrets, SortBy last-changed-date with SortOrder asc or desc: by LastChangedDate, "the last date and time
    that this secret was modified in any way". The secrets here were changed in an order that is neither the order
    they were made in, nor their names', nor when they were read (never), so no other key gives this order."""
    from moto.backends import get_backend
    from moto.core import DEFAULT_ACCOUNT_ID

    backend = get_backend("secretsmanager")[DEFAULT_ACCOUNT_ID][aws.region]
    day = 24 * 3600
    for name in ("p", "q", "r"):
        sm.create_secret(Name=name, SecretString="v")
    for name, made, changed in (("p", 10, 4), ("q", 9, 3), ("r", 8, 5)):
        backend.secrets[name].created_date -= made * day
        backend.secrets[name].last_changed_date -= changed * day
    oldest_first = sm.list_secrets(SortBy="last-changed-date", SortOrder="asc")["SecretList"]
    assert [s["Name"] for s in oldest_first] == ["r", "p", "q"]
    assert oldest_first[0]["LastChangedDate"] < oldest_first[1]["LastChangedDate"] < oldest_first[2]["LastChangedDate"]
    newest_first = sm.list_secrets(SortBy="last-changed-date", SortOrder="desc")["SecretList"]
    assert [s["Name"] for s in newest_first] == ["q", "p", "r"]


def test_list_secrets_pages_in_the_order_asked(sm):
    """ListSecrets, MaxResults: "The number of results to include in the response. If there are more
    results available, in the response, Secrets Manager includes NextToken. To get the next results,
    call ListSecrets again with the value from NextToken." Each page continues the sorted list."""
    for name in ("d", "b", "e", "a", "c"):
        sm.create_secret(Name=name, SecretString="v")
    pages, request = [], {"SortBy": "name", "SortOrder": "desc", "MaxResults": 2}
    while True:
        response = sm.list_secrets(**request)
        pages.append([s["Name"] for s in response["SecretList"]])
        if "NextToken" not in response:
            break
        request["NextToken"] = response["NextToken"]
    assert pages == [["e", "d"], ["c", "b"], ["a"]]
    # Without MaxResults, one page holds them all (up to the default page size, 100 in the mock).
    everything = sm.list_secrets(SortBy="name")
    assert [s["Name"] for s in everything["SecretList"]] == ["a", "b", "c", "d", "e"]
    assert "NextToken" not in everything


def test_a_replica_in_the_same_account_is_refused_and_one_in_any_other_is_not_found(sm):
    """AssociateCrossAccountReplica: the replica is "in a different AWS account"; one named in the
    secret's own account is InvalidParameterException, whatever the other account's number. The mock
    has one account, so a replica in another is never found."""
    sm.create_secret(Name="s", SecretString="v")
    for account, code in (
        ("123456789012", "InvalidParameterException"),
        ("000000000001", "ResourceNotFoundException"),
        ("999999999999", "ResourceNotFoundException"),
    ):
        replica = f"arn:aws:secretsmanager:us-east-1:{account}:secret:s-AbCdEf"
        error = error_of(lambda r=replica: sm.associate_cross_account_replica(SecretId="s", CrossAccountReplicaARN=r))
        assert error["Code"] == code, account


@pytest.mark.parametrize(
    "call",
    [
        lambda sm, arn: sm.associate_cross_account_replica(SecretId="s", CrossAccountReplicaARN=arn),
        lambda sm, arn: sm.disassociate_cross_account_replica(SecretId="s", CrossAccountReplicaARN=arn),
        lambda sm, arn: sm.stop_replication_to_replica(SecretId="s"),
    ],
    ids=["AssociateCrossAccountReplica", "DisassociateCrossAccountReplica", "StopReplicationToReplica"],
)
def test_replica_operations_on_a_secret_scheduled_for_deletion_say_so_first(sm, call):
    """AWS (Common errors, InvalidRequestException): "The secret is scheduled for deletion"; the
    workbook's message "You can't perform this operation on the secret because it was marked for
    deletion." comes before any other reason (not a replica, no replica found)."""
    sm.create_secret(Name="s", SecretString="v")
    sm.delete_secret(SecretId="s")
    arn = "arn:aws:secretsmanager:us-east-1:210987654321:secret:s-AbCdEf"
    assert error_of(lambda: call(sm, arn)) == {
        "Code": "InvalidRequestException",
        "Message": corrections.MARKED_FOR_DELETION,
    }


def test_versions_list_their_last_accessed_date_and_only_with_a_value(sm):
    """ListSecretVersionIds: LastAccessedDate "the date that this version of the secret was last
    accessed"; it "only returns versions that contain a secret value" (DescribeSecret's
    VersionIdsToStages shows the others). moto 5.2: the time of the call, and every version."""
    from smworkbook.toolkit import rotation

    created = sm.create_secret(Name="s", SecretString="v")
    sm.get_secret_value(SecretId="s")
    arn = rotation.register_rotation_function("c-empty", lambda event, context: 1 / 0)
    pending = sm.rotate_secret(SecretId="s", RotationLambdaARN=arn)["VersionId"]
    listed = sm.list_secret_version_ids(SecretId="s", IncludeDeprecated=True)["Versions"]
    assert [v["VersionId"] for v in listed] == [created["VersionId"]]
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    assert listed[0]["LastAccessedDate"] == today
    assert _labels(sm, "s")[pending] == ["AWSPENDING"]


def test_the_rotation_event_carries_a_rotation_token(sm):
    """User Guide, "Rotation by Lambda function": the function is invoked with {"Step", "SecretId",
    "ClientRequestToken", "RotationToken"}. The workbook's earlier mock sent no RotationToken."""
    from smworkbook.toolkit import rotation

    sm.create_secret(Name="s", SecretString="v")
    arn = rotation.register_rotation_function("c-token", _value_only_handler(sm))
    sm.rotate_secret(SecretId="s", RotationLambdaARN=arn)
    events = rotation.invocations(arn)
    assert all(set(event) == {"Step", "SecretId", "ClientRequestToken", "RotationToken"} for event in events)
    assert len({event["RotationToken"] for event in events}) == 1
    # PutSecretValue takes it back, as a rotation function in another account would send it.
    sm.put_secret_value(SecretId="s", SecretString="again", RotationToken=events[0]["RotationToken"])


def test_rotation_rules_keep_schedule_expression_and_duration(sm):
    """RotationRulesType: ScheduleExpression and Duration are kept; AutomaticallyAfterDays "is
    calculated from the rotation schedule". moto 5.2: both dropped, AutomaticallyAfterDays 0."""
    from smworkbook.toolkit import rotation

    sm.create_secret(Name="s", SecretString="v")
    arn = rotation.register_rotation_function("c-rules", _value_only_handler(sm))
    sm.rotate_secret(
        SecretId="s", RotationLambdaARN=arn, RotationRules={"ScheduleExpression": "rate(10 days)", "Duration": "3h"}
    )
    described = sm.describe_secret(SecretId="s")
    assert described["RotationRules"] == {
        "ScheduleExpression": "rate(10 days)",
        "Duration": "3h",
        "AutomaticallyAfterDays": 10,
    }
    # "For a rate in days, the default rotation window starts at midnight"; Duration 3h closes it at 03:00, and
    # NextRotationDate is "the latest date that rotation will occur": 02:59:59, ten days after the last rotation.
    last = described["LastRotatedDate"].astimezone(UTC)
    midnight = last.replace(hour=0, minute=0, second=0, microsecond=0)
    assert described["NextRotationDate"] == midnight + timedelta(days=10, hours=3, seconds=-1)
    sm.rotate_secret(SecretId="s", RotationRules={"ScheduleExpression": "cron(0 8 1 * ? *)"})
    assert sm.describe_secret(SecretId="s")["RotationRules"] == {"ScheduleExpression": "cron(0 8 1 * ? *)"}


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        # Recorded from AWS (hashicorp/terraform-provider-aws#33329, #30540): both schedules in one RotateSecret.
        (
            {"AutomaticallyAfterDays": 7, "ScheduleExpression": "rate(7 days)"},
            "You cannot specify both rotation frequency and schedule expression together.",
        ),
        # The User Guide ("Rotation schedules"), rule by rule; AWS's words for these were not found recorded.
        ({"ScheduleExpression": "rate(2 hours)"}, "as often as every 4 hours"),  # "as often as every four hours"
        ({"ScheduleExpression": "rate(1000 days)"}, "1 to 999 days"),  # "The maximum rotation period is 999 days."
        ({"ScheduleExpression": "every tuesday"}, "rate\\(N hours\\)"),  # "a cron() or rate() expression"
        ({"ScheduleExpression": "cron(0 8 1 * ?)"}, "six fields.*found 5"),  # the format has six fields
        ({"ScheduleExpression": "cron(30 8 1 * ? *)"}, "minutes field must be 0"),  # Minutes "Must be 0"
        ({"ScheduleExpression": "cron(0 8 1 * ? 2027)"}, "year field must be \\*"),  # Year "Must be *"
        ({"ScheduleExpression": "cron(0 24 1 * ? *)"}, "'24' is not a Hours value \\(0-23\\)"),  # Hours 0-23
        ({"ScheduleExpression": "cron(0 8 32 * ? *)"}, "'32' is not a Day-of-month value"),  # Day-of-month 1-31
        ({"ScheduleExpression": "cron(0 8 ? * 0 *)"}, "'0' is not a Day-of-week value \\(1-7 or SUN-SAT\\)"),
        ({"ScheduleExpression": "cron(0 8 ? FOO * *)"}, "'FOO' is not a Month value \\(1-12 or JAN-DEC\\)"),
        ({"ScheduleExpression": "cron(0 8 1 * MON *)"}, "\\? in exactly one of Day-of-month and Day-of-week"),
        # Year "Must be *, because Secrets Manager does not support rotation schedules that are more than a year apart"
        ({"ScheduleExpression": "cron(0 8 31 2 ? *)"}, "more than a year apart"),
        # "The rotation window must not extend into the next rotation window" / "into the next UTC day".
        ({"ScheduleExpression": "rate(6 hours)", "Duration": "7h"}, "must not extend into the next rotation window"),
        ({"ScheduleExpression": "rate(48 hours)", "Duration": "25h"}, "into the next UTC day"),
        ({"ScheduleExpression": "cron(0 20 ? * MON *)", "Duration": "5h"}, "next UTC day; make it 4h or less"),
        ({"ScheduleExpression": "cron(0 8,10 * * ? *)", "Duration": "3h"}, "next rotation window \\(at 10:00\\)"),
        ({"ScheduleExpression": "rate(1 day)", "Duration": "0h"}, "1h or more"),  # "as small as one hour"
    ],
    ids=lambda value: " ".join(map(str, value.values())) if isinstance(value, dict) else "",
)
def test_rotation_rules_that_aws_refuses(sm, rules, message):
    """RotationRulesType and the User Guide's "Rotation schedules": RotationRules AWS refuses are
    InvalidParameterException, and nothing is stored."""
    from smworkbook.toolkit import rotation

    sm.create_secret(Name="s", SecretString="v")
    arn = rotation.register_rotation_function("c-refused", _value_only_handler(sm))
    error = error_of(lambda: sm.rotate_secret(SecretId="s", RotationLambdaARN=arn, RotationRules=rules))
    assert error["Code"] == "InvalidParameterException"
    assert re.search(message, error["Message"]), error["Message"]
    assert "RotationEnabled" not in sm.describe_secret(SecretId="s")


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 8 1 * ? *)",
        "cron(0 4/12 * * ? *)",
        "cron(0 0 ? * SUN#1 *)",
        "cron(0 16 L * ? *)",
        "cron(0 10 ? FEB,MAY,AUG,NOV TUE#2 *)",
        "cron(0 8 ? * MON-FRI *)",
        "cron(0 1 ? * 6L *)",
        "rate(4 hours)",
        "rate(1 day)",
        "rate(999 days)",
    ],
)
def test_schedule_expressions_aws_documents_are_accepted(sm, expression):
    """The User Guide's examples ("Rotation schedules": cron(0 4/12 * * ? *), cron(0 0 ? * SUN#1 *),
    cron(0 16 L * ? *), rate(4 hours), rate(1 day), ...) turn rotation on, with a NextRotationDate."""
    from smworkbook.toolkit import rotation

    sm.create_secret(Name="s", SecretString="v")
    arn = rotation.register_rotation_function("c-accepted", _value_only_handler(sm))
    sm.rotate_secret(SecretId="s", RotationLambdaARN=arn, RotationRules={"ScheduleExpression": expression})
    described = sm.describe_secret(SecretId="s")
    assert described["RotationRules"]["ScheduleExpression"] == expression
    assert described["NextRotationDate"] > described["LastRotatedDate"]


def test_resource_policies_are_named_default(sm):
    """PutResourcePolicy / DeleteResourcePolicy, PolicyName: only default (InvalidParameterException);
    GetResourcePolicy: another name is ResourceNotFoundException; ListResourcePolicies lists default.
    moto 5.2: PolicyName ignored; ListResourcePolicies is an HTTP 500."""
    sm.create_secret(Name="s", SecretString="v")
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                    "Action": "*",
                    "Resource": "*",
                }
            ],
        }
    )
    assert sm.list_resource_policies(SecretId="s")["ResourcePolicies"] == []
    other = error_of(lambda: sm.put_resource_policy(SecretId="s", ResourcePolicy=policy, PolicyName="other"))
    assert other["Code"] == "InvalidParameterException"
    sm.put_resource_policy(SecretId="s", ResourcePolicy=policy, PolicyName="default")
    assert sm.list_resource_policies(SecretId="s")["ResourcePolicies"] == [{"PolicyName": "default"}]
    assert (
        error_of(lambda: sm.get_resource_policy(SecretId="s", PolicyName="other"))["Code"]
        == "ResourceNotFoundException"
    )
    assert (
        error_of(lambda: sm.delete_resource_policy(SecretId="s", PolicyName="other"))["Code"]
        == "InvalidParameterException"
    )
    assert json.loads(sm.get_resource_policy(SecretId="s")["ResourcePolicy"]) == json.loads(policy)


def test_validate_resource_policy_of_an_unknown_secret(sm):
    """ValidateResourcePolicy, SecretId: the secret must exist (ResourceNotFoundException). moto 5.2 /
    the workbook's earlier mock: passes."""
    policy = json.dumps({"Version": "2012-10-17", "Statement": []})
    assert error_of(lambda: sm.validate_resource_policy(SecretId="nope", ResourcePolicy=policy))["Code"] == (
        "ResourceNotFoundException"
    )


def test_stop_replication_promotes_a_replica(aws, sm):
    """StopReplicationToReplica, called on a cross-Region replica, "promotes the replica to a
    standalone primary secret in the replica Region"; on a secret that is not a replica it is
    InvalidRequestException. moto 5.2: no handler (HTTP 500)."""
    sm.create_secret(Name="s", SecretString="v", AddReplicaRegions=[{"Region": "eu-west-1"}])
    assert error_of(lambda: sm.stop_replication_to_replica(SecretId="s"))["Code"] == "InvalidRequestException"
    replica = aws._session.client("secretsmanager", region_name="eu-west-1", endpoint_url=aws.endpoint_url)
    arn = replica.describe_secret(SecretId="s")["ARN"]
    assert replica.stop_replication_to_replica(SecretId=arn)["ARN"] == arn
    assert "PrimaryRegion" not in replica.describe_secret(SecretId="s")
    assert "ReplicationStatus" not in sm.describe_secret(SecretId="s")
    assert replica.get_secret_value(SecretId="s")["SecretString"] == "v"


# --- Over the wire: status codes, error bodies, headers (corrections/wire.py) ---------------------
# AWS's answers below are those recorded from AWS in LocalStack's snapshot tests
# (localstack/localstack, tests/aws/services/secretsmanager/test_secretsmanager.snapshot.json), named by test.

NOT_FOUND = "Secrets Manager can't find the specified secret."
AWS_HEADERS = {"date", "content-type", "content-length", "connection", "x-amzn-requestid"}


def test_a_secret_that_does_not_exist_is_http_400_with_a_top_level_message(sm):
    """AWS (recorded, test_secret_not_found: GetSecretValue and ListSecretVersionIds): {"Error": {"Code":
    "ResourceNotFoundException", "Message": "Secrets Manager can't find the specified secret."}, "Message": the
    same, HTTPStatusCode 400}. moto 5.2: HTTP 404 and no top-level Message."""
    for call in (lambda: sm.get_secret_value(SecretId="s-missing"), lambda: sm.list_secret_version_ids(SecretId="x")):
        with pytest.raises(ClientError) as raised:
            call()
        response = raised.value.response
        assert response["Error"] == {"Code": "ResourceNotFoundException", "Message": NOT_FOUND}
        assert response["Message"] == NOT_FOUND
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_modelled_errors_carry_message_as_aws_sends_them(sm):
    """AWS (recorded): a modelled error has a top-level Message and HTTP 400: test_get_secret_value_errors
    (a VersionId with a VersionStage it does not have: InvalidRequestException "You provided a VersionStage that
    is not associated to the provided VersionId."), test_secret_exists_snapshots (ResourceExistsException "The
    operation failed because the secret <name> already exists."), test_tag_untag_resource_on_deleted_secret
    (InvalidRequestException, marked for deletion). moto 5.2: the mismatch is HTTP 404; none has a top-level
    Message."""
    created = sm.create_secret(Name="s", SecretString="v")
    sm.create_secret(Name="gone", SecretString="v")
    sm.delete_secret(SecretId="gone")
    cases = [
        (
            lambda: sm.get_secret_value(SecretId="s", VersionId=created["VersionId"], VersionStage="AWSPREVIOUS"),
            "InvalidRequestException",
            "You provided a VersionStage that is not associated to the provided VersionId.",
        ),
        (
            lambda: sm.create_secret(Name="s", SecretString="v"),
            "ResourceExistsException",
            "The operation failed because the secret s already exists.",
        ),
        (
            lambda: sm.tag_resource(SecretId="gone", Tags=[{"Key": "k", "Value": "v"}]),
            "InvalidRequestException",
            corrections.MARKED_FOR_DELETION,
        ),
    ]
    for call, code, message in cases:
        with pytest.raises(ClientError) as raised:
            call()
        response = raised.value.response
        assert response["Error"] == {"Code": code, "Message": message}
        assert response["Message"] == message
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_an_error_body_is_type_and_message_with_a_capital_m(aws, sm):
    """AWS (recorded raw bodies, test_no_client_request_token): {"Message": "...", "__type":
    "InvalidRequestException"}: the bare code in __type, Message with a capital M. moto 5.2: "message"."""
    status, headers, body = raw_request(aws, "DescribeSecret", {"SecretId": "s-missing"})
    assert status == 400
    assert body == {"__type": "ResourceNotFoundException", "Message": NOT_FOUND}
    assert headers["content-type"] == "application/x-amz-json-1.1"


@pytest.mark.parametrize("fails", [False, True], ids=["success", "error"])
def test_responses_carry_aws_headers(sm, fails):
    """AWS (a Secrets Manager response's headers, printed by the AWS SDK for JavaScript in
    aws/aws-sdk-js-v3#1215): date, content-type: application/x-amz-json-1.1, content-length, connection and a
    UUID x-amzn-requestid, nothing else. moto 5.2 behind werkzeug: server: Werkzeug/... Python/..., amazon.com;
    content-type: text/html; charset=utf-8; a 52-character request id; access-control-allow-origin: *."""
    sm.create_secret(Name="s", SecretString="v")
    if fails:
        with pytest.raises(ClientError) as raised:
            sm.describe_secret(SecretId="s-missing")
        metadata = raised.value.response["ResponseMetadata"]
    else:
        metadata = sm.describe_secret(SecretId="s")["ResponseMetadata"]
    headers = metadata["HTTPHeaders"]
    assert set(headers) <= AWS_HEADERS, set(headers) - AWS_HEADERS
    assert headers["content-type"] == "application/x-amz-json-1.1"
    assert str(uuid.UUID(metadata["RequestId"])) == metadata["RequestId"] == headers["x-amzn-requestid"]


def test_every_response_gets_its_own_request_id(sm):
    """AWS: x-amzn-RequestId identifies one request. The mock makes a fresh UUID for each."""
    ids = {sm.list_secrets()["ResponseMetadata"]["RequestId"] for _ in range(3)}
    assert len(ids) == 3


# --- Smaller ones (issue 28, item 7) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "found"),
    [
        ("Invalid/_+=.@-Name-a1b2c3", False),
        ("Valid/_+=.@-Name-a1b2", True),
        ("Valid/_+=.@-Name-a1b2c3-", True),
        ("s-c64bdc03", True),
    ],
)
def test_a_partial_arn_whose_name_ends_in_six_characters_is_not_found(sm, name, found):
    """AWS (recorded: localstack/localstack tests/aws/services/secretsmanager/test_secretsmanager.snapshot.json,
    test_create_and_update_secret[<name>]): GetSecretValue with the secret's ARN less its "-" and six random
    characters finds the secret, except when the name itself ends in a hyphen and six characters
    ("Invalid/_+=.@-Name-a1b2c3"): ResourceNotFoundException "Secrets Manager can't find the specified secret.", as
    the SecretId documentation warns ("those characters cause Secrets Manager to assume that you're specifying a
    complete ARN"). The name itself and the complete ARN still work. moto 5.2: every partial ARN is found."""
    arn = sm.create_secret(Name=name, SecretString="my_secret")["ARN"]
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "my_secret"
    assert sm.get_secret_value(SecretId=arn)["SecretString"] == "my_secret"
    partial = arn[:-7]
    if found:
        assert sm.get_secret_value(SecretId=partial)["Name"] == name
    else:
        assert error_of(lambda: sm.get_secret_value(SecretId=partial)) == {
            "Code": "ResourceNotFoundException",
            "Message": NOT_FOUND,
        }


def test_dates_have_milliseconds_and_each_change_a_later_one(sm):
    """AWS: dates to the millisecond (AWS's own examples, botocore/data/secretsmanager/2017-10-17/examples-1.json,
    DescribeSecret: "CreatedDate": 1523477145.713, "LastChangedDate": 1523477145.729); three UpdateSecret calls in
    a row give three increasing LastChangedDate values, and each new version its own CreatedDate. moto 5.2: whole
    seconds, so calls within a second tie."""
    sm.create_secret(Name="s", SecretString="v0")
    changed = []
    for value in ("v1", "v2", "v3"):
        sm.update_secret(SecretId="s", SecretString=value)
        changed.append(sm.describe_secret(SecretId="s")["LastChangedDate"])
    assert changed[0] < changed[1] < changed[2]
    versions = sm.list_secret_version_ids(SecretId="s", IncludeDeprecated=True)["Versions"]
    created = sorted(version["CreatedDate"] for version in versions)
    assert len(set(created)) == 4
    # Milliseconds, no finer: what AWS's JSON carries.
    assert all(date.microsecond % 1000 == 0 for date in [*changed, *created])


def test_put_resource_policy_on_a_missing_secret_is_not_found_whatever_the_policy(sm):
    """PutResourcePolicy looks the secret up first: a missing secret is ResourceNotFoundException even with a
    malformed or public policy (issue 28's report of AWS's answer; moto's test_policies_for_unknown_secrets). A
    secret scheduled for deletion is InvalidRequestException. moto 5.2 with the policy checks: the policy's
    error first."""
    for policy in ("p", json.dumps(PUBLIC)):
        error = error_of(
            lambda policy=policy: sm.put_resource_policy(
                SecretId="s-missing", ResourcePolicy=policy, BlockPublicPolicy=True
            )
        )
        assert error == {"Code": "ResourceNotFoundException", "Message": NOT_FOUND}
    sm.create_secret(Name="gone", SecretString="v")
    sm.delete_secret(SecretId="gone")
    error = error_of(lambda: sm.put_resource_policy(SecretId="gone", ResourcePolicy="p"))
    assert error == {"Code": "InvalidRequestException", "Message": corrections.MARKED_FOR_DELETION}
    # An existing secret still gets the policy's own error.
    sm.create_secret(Name="s", SecretString="v")
    assert error_of(lambda: sm.put_resource_policy(SecretId="s", ResourcePolicy="p"))["Code"] == (
        "MalformedPolicyDocumentException"
    )


def test_tag_resource_and_untag_resource_answer_an_empty_body(aws, sm):
    """AWS (recorded by Cloud Custodian: cloud-custodian/cloud-custodian
    tests/data/placebo/test_secrets_manager_tag/secretsmanager.TagResource_1.json, UntagResource_1.json): HTTP 200,
    content-length 0, content-type application/x-amz-json-1.1. moto 5.2: "{}"."""
    sm.create_secret(Name="s", SecretString="v")
    for answer in (
        sm.tag_resource(SecretId="s", Tags=[{"Key": "new-tag", "Value": "new-value"}]),
        sm.untag_resource(SecretId="s", TagKeys=["new-tag"]),
    ):
        headers = answer["ResponseMetadata"]["HTTPHeaders"]
        assert headers["content-length"] == "0"
        assert headers["content-type"] == "application/x-amz-json-1.1"
        assert set(answer) == {"ResponseMetadata"}
    status, _, _ = raw_request(aws, "TagResource", {"SecretId": "s", "Tags": [{"Key": "k", "Value": "v"}]})
    assert status == 200
    assert sm.describe_secret(SecretId="s")["Tags"] == [{"Key": "k", "Value": "v"}]


def test_a_resource_policy_comes_back_laid_out_as_aws_stores_it(sm):
    """Put as one line, read back two-space indented with `"key" : value` and `[ {` arrays, as AWS answered
    (cloud-custodian's recording test_secrets_manager_cross_account/secretsmanager.GetResourcePolicy_1.json)."""
    sm.create_secret(Name="policy/laid-out", SecretString="v")
    sm.put_resource_policy(
        SecretId="policy/laid-out",
        ResourcePolicy='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": '
        '"arn:aws:iam::123456789012:root"}, "Action": "secretsmanager:*", "Resource": "*"}]}',
    )
    assert sm.get_resource_policy(SecretId="policy/laid-out")["ResourcePolicy"] == (
        '{\n  "Version" : "2012-10-17",\n  "Statement" : [ {\n    "Effect" : "Allow",\n    "Principal" : {\n'
        '      "AWS" : "arn:aws:iam::123456789012:root"\n    },\n    "Action" : "secretsmanager:*",\n'
        '    "Resource" : "*"\n  } ]\n}'
    )


# --- Replication to other Regions (corrections/replication.py, lifecycle.py) ---------------------------------------


def _regional(aws, region: str, service: str = "secretsmanager"):
    return aws._session.client(service, region_name=region, endpoint_url=aws.endpoint_url)


def test_replicate_and_remove_regions_answer_the_primary_secret_s_arn(aws, sm):
    """AWS (ReplicateSecretToRegions and RemoveRegionsFromReplication, Response Elements): "ARN: The ARN of the
    primary secret." moto 5.2: echoes the SecretId as passed."""
    arn = sm.create_secret(Name="s", SecretString="v")["ARN"]
    added = sm.replicate_secret_to_regions(SecretId="s", AddReplicaRegions=[{"Region": "eu-west-1"}])
    assert added["ARN"] == arn
    assert added["ReplicationStatus"] == [
        {
            "Region": "eu-west-1",
            "KmsKeyId": "alias/aws/secretsmanager",
            "Status": "InSync",
            "StatusMessage": "Replication succeeded",
        }
    ]
    removed = sm.remove_regions_from_replication(SecretId="s", RemoveReplicaRegions=["eu-west-1"])
    assert removed["ARN"] == arn
    assert removed["ReplicationStatus"] == []
    assert _regional(aws, "eu-west-1").list_secrets()["SecretList"] == []


def test_a_replica_is_read_in_its_region_follows_the_primary_and_refuses_writes(aws, sm):
    """AWS (User Guide, "Replicate a secret to other Regions"; "Promote a replica"): the replica has "the same secret
    value and metadata as the primary"; "A replica secret can't be updated independently from its primary secret";
    writing to it is InvalidParameterException "Operation not permitted on a replica secret. Call must be made in
    primary secret's region." (quoted from AWS in gruntwork-io/cloud-nuke#435 and
    lgallard/terraform-aws-secrets-manager#188). Its ARN is the primary's with the Region changed."""
    arn = sm.create_secret(Name="s", SecretString="v1", AddReplicaRegions=[{"Region": "eu-west-1"}])["ARN"]
    replica = _regional(aws, "eu-west-1")
    described = replica.describe_secret(SecretId="s")
    assert described["ARN"] == arn.replace("us-east-1", "eu-west-1")
    assert described["PrimaryRegion"] == "us-east-1"
    sm.put_secret_value(SecretId="s", SecretString="v2")
    assert replica.get_secret_value(SecretId="s")["SecretString"] == "v2"
    for write in (
        lambda: replica.put_secret_value(SecretId="s", SecretString="x"),
        lambda: replica.update_secret(SecretId="s", Description="x"),
        lambda: replica.tag_resource(SecretId="s", Tags=[{"Key": "a", "Value": "b"}]),
        lambda: replica.delete_secret(SecretId="s"),
    ):
        assert error_of(write) == {
            "Code": "InvalidParameterException",
            "Message": "Operation not permitted on a replica secret. Call must be made in primary secret's region.",
        }
    assert replica.get_secret_value(SecretId="s")["SecretString"] == "v2"


def test_deleting_a_primary_with_replicas_names_their_regions(sm):
    """AWS (quoted in gruntwork-io/cloud-nuke#435): InvalidParameterException "You can't delete secret <id> that
    still has replica regions [ap-northeast-2, us-east-1, us-west-2]." moto 5.2: the Regions joined by ","."""
    regions = [{"Region": "eu-west-1"}, {"Region": "us-west-2"}]
    sm.create_secret(Name="s", SecretString="v", AddReplicaRegions=regions)
    assert error_of(lambda: sm.delete_secret(SecretId="s", ForceDeleteWithoutRecovery=True)) == {
        "Code": "InvalidParameterException",
        "Message": "You can't delete secret s that still has replica regions [eu-west-1, us-west-2].",
    }


def test_ensure_absent_removes_the_replicas_first(aws, sm):
    """The workbook's clean-up of a secret with replicas: AWS refuses the deletion until the Regions are removed
    (above), so ensure_absent removes them and then deletes; nothing is left in either Region."""
    sm.create_secret(Name="s", SecretString="v", AddReplicaRegions=[{"Region": "eu-west-1"}])
    aws.ensure_absent("s")
    assert sm.list_secrets()["SecretList"] == []
    assert _regional(aws, "eu-west-1").list_secrets()["SecretList"] == []


def test_a_replica_is_encrypted_with_a_key_of_its_own_region(aws, sm):
    """AWS (ReplicaRegionType): "KmsKeyId: The ARN, key ID, or alias of the KMS key to encrypt the secret. If you
    don't include this field, Secrets Manager uses aws/secretsmanager."; a replica "can be encrypted with a
    different KMS key" (User Guide). A key the Region does not have fails that Region's replica while the call
    succeeds (aws-cloudformation/cloudformation-coverage-roadmap#1459). moto 5.2: every replica shows
    alias/aws/secretsmanager, and DescribeSecret in the replica's Region the primary's key."""
    eu_key = _regional(aws, "eu-west-1", "kms").create_key()["KeyMetadata"]["Arn"]
    answer = sm.create_secret(
        Name="s",
        SecretString="v",
        AddReplicaRegions=[{"Region": "eu-west-1", "KmsKeyId": eu_key}, {"Region": "us-west-2", "KmsKeyId": eu_key}],
    )
    eu, west = answer["ReplicationStatus"]
    assert (eu["KmsKeyId"], eu["Status"]) == (eu_key, "InSync")
    assert (west["KmsKeyId"], west["Status"]) == (eu_key, "Failed")
    assert west["StatusMessage"] == f"Replication failed: Key '{eu_key}' does not exist"
    assert _regional(aws, "eu-west-1").describe_secret(SecretId="s")["KmsKeyId"] == eu_key
    assert "KmsKeyId" not in sm.describe_secret(SecretId="s")
    assert _regional(aws, "us-west-2").list_secrets()["SecretList"] == []


def test_a_promoted_replica_keeps_its_key_and_stops_following_the_primary(aws, sm):
    """AWS (StopReplicationToReplica): "Removes the link between the replica secret and the primary secret and
    promotes the replica to a primary secret in the replica Region"; "ARN: The ARN of the promoted secret. The ARN
    is the same as the original primary secret except the Region is changed."; User Guide: "Changes to the primary
    secret won't replicate to the standalone secret", and the replica kept its own KMS key."""
    eu_key = _regional(aws, "eu-west-1", "kms").create_key()["KeyMetadata"]["Arn"]
    arn = sm.create_secret(
        Name="s", SecretString="v1", AddReplicaRegions=[{"Region": "eu-west-1", "KmsKeyId": eu_key}]
    )["ARN"]
    replica = _regional(aws, "eu-west-1")
    promoted = replica.stop_replication_to_replica(SecretId=arn.replace("us-east-1", "eu-west-1"))["ARN"]
    assert promoted == arn.replace("us-east-1", "eu-west-1")
    sm.put_secret_value(SecretId="s", SecretString="v2")
    assert replica.get_secret_value(SecretId="s")["SecretString"] == "v1"
    replica.put_secret_value(SecretId="s", SecretString="eu only")
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "v2"
    assert replica.describe_secret(SecretId="s")["KmsKeyId"] == eu_key


# --- KMS keys named by a secret (corrections/kms.py) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("key_id", "named"),
    [
        ("alias/does-not-exist", "Alias arn:aws:kms:us-east-1:123456789012:alias/does-not-exist is not found."),
        (
            "arn:aws:kms:us-east-1:123456789012:key/12345",
            "Key 'arn:aws:kms:us-east-1:123456789012:key/12345' does not exist",
        ),
        (
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "Key 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' does not exist",
        ),
    ],
    ids=["alias", "key ARN", "key id"],
)
def test_a_kms_key_id_naming_no_key_is_encryption_failure(sm, key_id, named):
    """AWS (CreateSecret, Errors): "EncryptionFailure: Secrets Manager can't encrypt the protected secret text using
    the provided KMS key." (HTTP 400), carrying KMS's NotFoundException as AWS words it
    (hashicorp/terraform-provider-aws#30273: "Secrets Manager can't encrypt the secret value: Key
    'arn:aws:kms:us-east-1:acc-b:key/12345' does not exist (Service: AWSKMS; Status Code: 400; Error Code:
    NotFoundException; ..."; an alias: "Alias arn:aws:kms:...:alias/parameter_store_key is not found.",
    cloudposse/docs#152). Nothing is created. moto 5.2: any KmsKeyId is stored."""
    with pytest.raises(ClientError) as raised:
        sm.create_secret(Name="s", SecretString="v", KmsKeyId=key_id)
    error = raised.value.response["Error"]
    assert error["Code"] == "EncryptionFailure"
    assert error["Message"].startswith(f"Secrets Manager can't encrypt the secret value: {named} (Service: AWSKMS;")
    assert "Error Code: NotFoundException" in error["Message"]
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert sm.list_secrets()["SecretList"] == []


def test_a_key_of_another_region_is_no_key_here_and_update_secret_checks_a_new_key(aws, sm):
    """A KMS key belongs to its Region: a key made in eu-west-1 names no key in us-east-1. UpdateSecret with a new
    KmsKeyId re-encrypts the current versions under it (API reference, UpdateSecret KmsKeyId), so an unknown key
    is EncryptionFailure there too and the secret keeps its key; a key of the Region works."""
    eu_key = _regional(aws, "eu-west-1", "kms").create_key()["KeyMetadata"]["Arn"]
    assert error_of(lambda: sm.create_secret(Name="s", SecretString="v", KmsKeyId=eu_key))["Code"] == (
        "EncryptionFailure"
    )
    here = aws.client("kms").create_key()["KeyMetadata"]["Arn"]
    sm.create_secret(Name="s", SecretString="v", KmsKeyId=here)
    assert error_of(lambda: sm.update_secret(SecretId="s", KmsKeyId=eu_key))["Code"] == "EncryptionFailure"
    assert sm.describe_secret(SecretId="s")["KmsKeyId"] == here
    sm.put_secret_value(SecretId="s", SecretString="v2")
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "v2"


# --- Principal tags and policy variables through the server (engine/enforcement.py) -------------------------------

TEAM_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": "*",
            "Condition": {"StringEquals": {"secretsmanager:ResourceTag/team": "${aws:PrincipalTag/team}"}},
        }
    ],
}


def test_one_policy_with_a_principal_tag_lets_each_team_read_only_its_own_secrets(enforced, sm):
    """AWS (IAM User Guide, "Tags as policy variables" and aws:PrincipalTag/tag-key: "the tag attached to the
    principal making the request"; Secrets Manager User Guide, "Control access to secrets using attribute-based
    access control (ABAC)"): one policy, each user tagged with its team, reads the secrets tagged with the same
    team. A user without the tag gets nothing. moto 5.2: no policy variables, no principal tags."""
    from smworkbook.toolkit import access

    sm.create_secret(Name="pay", SecretString="p", Tags=[{"Key": "team", "Value": "payments"}])
    sm.create_secret(Name="find", SecretString="f", Tags=[{"Key": "team", "Value": "search"}])
    payments = enforced.client_as(access.create_user("pat", TEAM_POLICY, tags={"team": "payments"}))
    search = enforced.client_as(access.create_user("sam", TEAM_POLICY, tags={"team": "search"}))
    untagged = enforced.client_as(access.create_user("nobody", TEAM_POLICY))
    assert payments.get_secret_value(SecretId="pay")["SecretString"] == "p"
    assert search.get_secret_value(SecretId="find")["SecretString"] == "f"
    for client, secret in ((payments, "find"), (search, "pay"), (untagged, "pay")):
        assert error_of(lambda c=client, s=secret: c.get_secret_value(SecretId=s))["Code"] == "AccessDeniedException"
    assert access.simulate("pat", "secretsmanager:GetSecretValue", "pay") == "allowed"
    assert access.simulate("pat", "secretsmanager:GetSecretValue", "find") == "implicit deny"


def test_aws_username_names_the_caller(enforced, sm):
    """AWS (IAM User Guide, aws:username: "This key is included in the request context for IAM users"; the guide's
    example Resource "...:${aws:username}/*")."""
    from smworkbook.toolkit import access

    sm.create_secret(Name="home/alice/db", SecretString="a")
    sm.create_secret(Name="home/bob/db", SecretString="b")
    own = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "arn:aws:secretsmanager:*:*:secret:home/${aws:username}/*",
            }
        ],
    }
    alice = enforced.client_as(access.create_user("alice", own))
    assert alice.get_secret_value(SecretId="home/alice/db")["SecretString"] == "a"
    assert error_of(lambda: alice.get_secret_value(SecretId="home/bob/db"))["Code"] == "AccessDeniedException"


def test_a_missing_key_fails_when_a_value_is_encrypted_under_it(sm):
    """EncryptionFailure comes when Secrets Manager encrypts a value (CreateSecret's Errors: "can't encrypt the
    protected secret text using the provided KMS key"): a secret made without a value stores its KmsKeyId; putting a
    value under it (PutSecretValue, or UpdateSecret with a value) then fails and changes nothing."""
    sm.create_secret(Name="s", KmsKeyId="alias/not-yet")
    assert sm.describe_secret(SecretId="s")["KmsKeyId"] == "alias/not-yet"
    for put in (
        lambda: sm.put_secret_value(SecretId="s", SecretString="v"),
        lambda: sm.put_secret_value(SecretId="s", SecretBinary=b"v"),
        lambda: sm.update_secret(SecretId="s", SecretString="v"),
    ):
        assert error_of(put)["Code"] == "EncryptionFailure"
    assert sm.list_secret_version_ids(SecretId="s")["Versions"] == []
    sm.update_secret(SecretId="s", Description="no value: nothing to encrypt")


def test_a_replica_in_the_primary_s_own_region_is_refused(sm):
    """A replica is in another Region (ReplicaRegionType: "A Region code"; the primary's own is no replica): the mock
    keeps moto's InvalidParameterException "Invalid replica region." (no recording of AWS's wording found)."""
    region = "".join(["us-east-", "1"])  # a string built at run time, as one parsed from a request
    assert error_of(lambda: sm.create_secret(Name="s", SecretString="v", AddReplicaRegions=[{"Region": region}])) == {
        "Code": "InvalidParameterException",
        "Message": "Invalid replica region.",
    }


def test_force_overwrite_replaces_a_secret_of_the_same_name_in_the_replica_s_region(aws, sm):
    """ForceOverwriteReplicaSecret: "Specifies whether to overwrite a secret with the same name in the destination
    Region." Without it the replica fails (the mock's StatusMessage names the secret and the Region)."""
    eu = aws.client("secretsmanager", "eu-west-1")
    eu.create_secret(Name="s", SecretString="standalone")
    sm.create_secret(Name="s", SecretString="primary")
    [failed] = sm.replicate_secret_to_regions(SecretId="s", AddReplicaRegions=[{"Region": "eu-west-1"}])[
        "ReplicationStatus"
    ]
    assert (failed["Status"], failed["StatusMessage"]) == (
        "Failed",
        "Replication failed: Secret name s already exists in region eu-west-1.",
    )
    sm.remove_regions_from_replication(SecretId="s", RemoveReplicaRegions=["eu-west-1"])
    answer = sm.replicate_secret_to_regions(
        SecretId="s", AddReplicaRegions=[{"Region": "eu-west-1"}], ForceOverwriteReplicaSecret=True
    )
    assert [status["Status"] for status in answer["ReplicationStatus"]] == ["InSync"]
    [only] = eu.list_secrets()["SecretList"]
    assert only["PrimaryRegion"] == "us-east-1"
    assert eu.get_secret_value(SecretId="s")["SecretString"] == "primary"
