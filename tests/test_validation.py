"""The mock refuses what AWS's documented limits refuse, and accepts the value at each limit.

Each case sends the value at the limit and one past it, with botocore's own validation off
(Config(parameter_validation=False)) so the request reaches the mock as written. The expected
error code is written here by hand, per constraint: ValidationException for a limit of the service
model, as AWS answers (API reference, Common Errors; recorded in LocalStack's snapshots of AWS,
localstack/localstack tests/aws/services/secretsmanager/test_secretsmanager.snapshot.json), or a code
the operation's service model lists for the rules that exist only in prose. Each case names the AWS text
it follows (API reference, Request Parameters of the operation, unless said otherwise).
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.model import ShapeResolver
from moto.secretsmanager.exceptions import InvalidParameterException

from smworkbook.engine.corrections.validation import check_value, service_model

from .conftest import raw_request

BAD = "InvalidParameterException"
LIMIT = "ValidationException"
# Errors AWS answers that no operation's model lists (API reference, Common Errors): botocore has no class for
# them; catch ClientError and read error.response["Error"]["Code"].
COMMON_ERRORS = {"ValidationException"}
INVALID_NAME = (
    "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!"
)
TOKEN = "11111111-2222-3333-4444-555555555555"
POLICY = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", '
    '"Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Resource": "*"}]}'
)


@pytest.fixture
def raw(aws):
    """A client of the mock with botocore's parameter validation off and no retries."""
    config = Config(parameter_validation=False, retries={"max_attempts": 1, "mode": "standard"})
    client = aws._session.client("secretsmanager", endpoint_url=aws.endpoint_url, config=config)
    client.create_secret(Name="v/live", SecretString="v", ClientRequestToken=TOKEN)
    return client


def code_of(call) -> str | None:
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"]
    return None


def tags(count: int) -> list[dict]:
    return [{"Key": f"k{number}", "Value": "v"} for number in range(count)]


def filters(count: int, values: int = 1) -> list[dict]:
    return [{"Key": "name", "Values": [f"v{n}" for n in range(values)]} for _ in range(count)]


# (operation, AWS text, request at the limit, request one past it, code for the one past, by hand)
LIMITS = [
    ("CreateSecret", "Name: Maximum length of 512", {"Name": "n" * 512}, {"Name": "n" * 513}, LIMIT),
    ("CreateSecret", "Name: Minimum length of 1", {"Name": "n"}, {"Name": ""}, LIMIT),
    (
        "CreateSecret",
        "Name: 'can contain ASCII letters, numbers, and the following characters: /_+=.@-'",
        {"Name": "a/b_c+d=e.f@g-H9"},
        {"Name": "a b"},
        LIMIT,
    ),
    ("CreateSecret", "Name: only those characters", {"Name": "ok"}, {"Name": "wow!"}, LIMIT),
    (
        "CreateSecret",
        "SecretString: Maximum length of 65536",
        {"Name": "s", "SecretString": "x" * 65536},
        {"Name": "s", "SecretString": "x" * 65537},
        LIMIT,
    ),
    (
        "CreateSecret",
        "SecretBinary: Maximum length of 65536",
        {"Name": "s", "SecretBinary": b"x" * 65536},
        {"Name": "s", "SecretBinary": b"x" * 65537},
        LIMIT,
    ),
    (
        "CreateSecret",
        "Description: Maximum length of 2048",
        {"Name": "s", "Description": "d" * 2048},
        {"Name": "s", "Description": "d" * 2049},
        LIMIT,
    ),
    (
        "CreateSecret",
        "Tagging rules: maximum number of tags per resource 50",
        {"Name": "s", "Tags": tags(50)},
        {"Name": "s", "Tags": tags(51)},
        BAD,
    ),
    (
        "CreateSecret",
        "Tag Key: Maximum length of 128",
        {"Name": "s", "Tags": [{"Key": "k" * 128, "Value": "v"}]},
        {"Name": "s", "Tags": [{"Key": "k" * 129, "Value": "v"}]},
        LIMIT,
    ),
    (
        "CreateSecret",
        "Tag Value: Maximum length of 256",
        {"Name": "s", "Tags": [{"Key": "k", "Value": "v" * 256}]},
        {"Name": "s", "Tags": [{"Key": "k", "Value": "v" * 257}]},
        LIMIT,
    ),
    (
        "CreateSecret",
        "Tagging rules: 'Do not use aws: ... as a prefix for either keys or values'",
        {"Name": "s", "Tags": [{"Key": "team-aws:x", "Value": "v"}]},
        {"Name": "s", "Tags": [{"Key": "AWS:team", "Value": "v"}]},
        BAD,
    ),
    (
        "CreateSecret",
        "ClientRequestToken: Minimum length of 32",
        {"Name": "s", "SecretString": "v", "ClientRequestToken": "t" * 32},
        {"Name": "s", "SecretString": "v", "ClientRequestToken": "t" * 31},
        LIMIT,
    ),
    (
        "CreateSecret",
        "ClientRequestToken: Maximum length of 64",
        {"Name": "s", "SecretString": "v", "ClientRequestToken": "t" * 64},
        {"Name": "s", "SecretString": "v", "ClientRequestToken": "t" * 65},
        LIMIT,
    ),
    (
        "PutSecretValue",
        "VersionStages: Maximum number of 20 items",
        {"SecretId": "v/live", "SecretString": "v", "VersionStages": ["AWSCURRENT", *[f"l{n}" for n in range(19)]]},
        {"SecretId": "v/live", "SecretString": "v", "VersionStages": ["AWSCURRENT", *[f"l{n}" for n in range(20)]]},
        LIMIT,
    ),
    (
        "PutSecretValue",
        "VersionStages member: Maximum length of 256",
        {"SecretId": "v/live", "SecretString": "v", "VersionStages": ["l" * 256]},
        {"SecretId": "v/live", "SecretString": "v", "VersionStages": ["l" * 257]},
        LIMIT,
    ),
    ("ListSecrets", "Filters: Maximum number of 10 items", {"Filters": filters(10)}, {"Filters": filters(11)}, LIMIT),
    (
        "ListSecrets",
        "Filter Values: Maximum number of 10 items",
        {"Filters": filters(1, 10)},
        {"Filters": filters(1, 11)},
        LIMIT,
    ),
    ("ListSecrets", "MaxResults: Valid Range: Maximum value of 100", {"MaxResults": 100}, {"MaxResults": 101}, LIMIT),
    ("ListSecrets", "MaxResults: Minimum value of 1", {"MaxResults": 1}, {"MaxResults": 0}, LIMIT),
    (
        "ListSecrets",
        "SortOrder: Valid Values: asc | desc",
        {"SortOrder": "desc"},
        {"SortOrder": "sideways"},
        LIMIT,
    ),
    (
        "GetRandomPassword",
        "ExcludeCharacters: Maximum length of 4096",
        {"ExcludeCharacters": "a" * 4096},
        {"ExcludeCharacters": "a" * 4097},
        LIMIT,
    ),
    (
        "GetRandomPassword",
        "PasswordLength: Maximum value of 4096",
        {"PasswordLength": 4096},
        {"PasswordLength": 4097},
        LIMIT,
    ),
    (
        "GetRandomPassword",
        "PasswordLength: Minimum value of 1",
        {"PasswordLength": 1, "RequireEachIncludedType": False},
        {"PasswordLength": 0, "RequireEachIncludedType": False},
        LIMIT,
    ),
    (
        "BatchGetSecretValue",
        "SecretIdList: Maximum number of 20 items",
        {"SecretIdList": [f"v/{n}" for n in range(20)]},
        {"SecretIdList": [f"v/{n}" for n in range(21)]},
        LIMIT,
    ),
    (
        "BatchGetSecretValue",
        "MaxResults: Maximum value of 20",
        {"Filters": filters(1), "MaxResults": 20},
        {"Filters": filters(1), "MaxResults": 21},
        LIMIT,
    ),
    (
        "BatchGetSecretValue",
        "SecretIdList / Filters: 'You must include Filters or SecretIdList, but not both.'",
        {"SecretIdList": ["v/live"]},
        {"SecretIdList": ["v/live"], "Filters": filters(1)},
        BAD,
    ),
    (
        "BatchGetSecretValue",
        "SecretIdList / Filters: one of the two is needed",
        {"Filters": filters(1)},
        {},
        BAD,
    ),
    (
        "RotateSecret",
        "RotationRules.AutomaticallyAfterDays: Maximum value of 1000",
        {"SecretId": "v/live", "RotationRules": {"AutomaticallyAfterDays": 1000}},
        {"SecretId": "v/live", "RotationRules": {"AutomaticallyAfterDays": 1001}},
        LIMIT,
    ),
    (
        "GetSecretValue",
        "SecretId: Maximum length of 2048",
        {"SecretId": "a" * 2048},
        {"SecretId": "a" * 2049},
        LIMIT,
    ),
    (
        "PutResourcePolicy",
        "PolicyName: 'You can only attach the default policy; if you specify any other name, the operation "
        "returns an InvalidParameterException.'",
        {"SecretId": "v/live", "ResourcePolicy": POLICY, "PolicyName": "default"},
        {"SecretId": "v/live", "ResourcePolicy": POLICY, "PolicyName": "other"},
        BAD,
    ),
]


@pytest.mark.parametrize(
    ("operation", "text", "at_limit", "past_limit", "expected"), LIMITS, ids=[f"{c[0]}: {c[1]}" for c in LIMITS]
)
def test_at_the_limit_and_one_past(raw, operation, text, at_limit, past_limit, expected):
    """Does the value at the limit get past validation, and the one past it get the documented code?"""
    import botocore

    method = getattr(raw, botocore.xform_name(operation))
    modelled = {shape.name for shape in service_model().operation_model(operation).error_shapes}
    assert expected in modelled | COMMON_ERRORS
    at_limit_code = code_of(lambda: method(**at_limit))
    # At the limit, validation lets it through; the call may still fail for another reason
    # (a secret or a function that does not exist), never for the limit.
    assert at_limit_code in (None, "ResourceNotFoundException", "InvalidRequestException"), at_limit_code
    assert code_of(lambda: method(**past_limit)) == expected


def test_the_error_names_the_value_the_member_and_the_constraint(raw):
    """Does the message say which value of which member broke which limit, in AWS's words? AWS: "1 validation
    error detected: Value '[secret1, secrets2....' at 'filters.1.member.values' failed to satisfy constraint:
    Member must have length less than or equal to 10" (ListSecrets, quoted in
    jenkinsci/aws-secrets-manager-credentials-provider-plugin#235). moto 5.2: no check at all."""
    with pytest.raises(ClientError) as raised:
        raw.create_secret(Name="n" * 513)
    assert raised.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": f"1 validation error detected: Value '{'n' * 513}' at 'name' failed to satisfy constraint: "
        "Member must have length less than or equal to 512",
    }
    with pytest.raises(ClientError) as raised:
        raw.list_secrets(Filters=[{"Key": "name", "Values": [f"v{n}" for n in range(11)]}])
    assert raised.value.response["Error"]["Message"] == (
        "1 validation error detected: Value '[v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10]' at "
        "'filters.1.member.values' failed to satisfy constraint: Member must have length less than or equal to 10"
    )


def test_a_missing_member_is_value_null(raw):
    """AWS: "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not
    be null" (GetSecretValue without SecretId, quoted in aws/aws-sdk-kotlin#1469). moto 5.2: HTTP 500."""
    with pytest.raises(ClientError) as raised:
        raw.get_secret_value()
    assert raised.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: "
        "Member must not be null",
    }
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_every_broken_member_is_counted_and_a_secret_value_is_never_repeated(raw):
    """AWS's validation message counts the broken members ("2 validation errors detected: ...; ...") and does
    not repeat a value the model marks sensitive (SecretString)."""
    with pytest.raises(ClientError) as raised:
        raw.create_secret(Name="n", SecretString="s" * 65537, Description="d" * 2049)
    message = raised.value.response["Error"]["Message"]
    assert message == (
        "2 validation errors detected: "
        f"Value '{'d' * 2049}' at 'description' failed to satisfy constraint: "
        "Member must have length less than or equal to 2048; "
        "Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536"
    )
    assert "sss" not in message


def test_tag_resource_counts_the_tags_the_secret_has(raw):
    """Tagging rules: 50 tags per resource, counting those already attached (TagResource appends)."""
    raw.tag_resource(SecretId="v/live", Tags=tags(49))
    raw.tag_resource(SecretId="v/live", Tags=[{"Key": "k0", "Value": "again"}, {"Key": "k49", "Value": "v"}])
    assert len(raw.describe_secret(SecretId="v/live")["Tags"]) == 50
    assert code_of(lambda: raw.tag_resource(SecretId="v/live", Tags=[{"Key": "one-more", "Value": "v"}])) == BAD
    assert len(raw.describe_secret(SecretId="v/live")["Tags"]) == 50


def test_reserved_tags_can_be_neither_added_nor_removed(raw):
    """Tagging rules: "You can't edit or delete tag keys or values with this prefix" (aws:)."""
    assert code_of(lambda: raw.tag_resource(SecretId="v/live", Tags=[{"Key": "aws:owner", "Value": "me"}])) == BAD
    assert code_of(lambda: raw.untag_resource(SecretId="v/live", TagKeys=["aws:cloudformation:stack-name"])) == BAD
    assert "Tags" not in raw.describe_secret(SecretId="v/live")


def test_a_wrong_type_is_refused_not_a_server_error(raw):
    """Type: String / Long / Boolean in the API reference: another type is refused, not an HTTP 500. (AWS's
    protocol layer refuses a member of the wrong JSON type before any constraint is checked; the mock answers
    with the code every operation models for a bad parameter.)"""
    assert code_of(lambda: raw.create_secret(Name=12345)) == BAD
    assert code_of(lambda: raw.get_random_password(PasswordLength="12")) == BAD
    assert code_of(lambda: raw.list_secrets(IncludePlannedDeletion="yes")) == BAD


def test_a_binary_value_is_measured_in_bytes(raw):
    """SecretBinary's 65,536 is a length in bytes of the decoded data, not of its base64 text."""
    raw.create_secret(Name="b", SecretBinary=b"\xff" * 65536)
    value = raw.get_secret_value(SecretId="b")["SecretBinary"]
    assert len(value) == 65536
    assert len(base64.b64encode(value)) > 65536


def test_a_request_that_is_not_json_is_refused_not_a_server_error(aws):
    """Secrets Manager speaks the AWS JSON 1.1 protocol: the request body is a JSON object. A body
    that is not JSON gets a client error (InvalidParameterException, "The parameter name or value is
    invalid" in every operation's error list), never an HTTP 500."""
    signed = AWSRequest(
        method="POST",
        url=aws.endpoint_url,
        data=b'{"Name": "half',
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "secretsmanager.CreateSecret"},
    )
    SigV4Auth(aws._session.get_credentials(), "secretsmanager", aws.region).add_auth(signed)
    request = urllib.request.Request(aws.endpoint_url, data=signed.data, method="POST", headers=dict(signed.headers))
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 400
    assert json.loads(refused.value.read())["__type"] == BAD


def _shapes():
    """A map, a timestamp and a double, as botocore models them in other services (Secrets Manager's
    requests have none today; check_value follows whatever botocore's model of it holds)."""
    resolver = ShapeResolver(
        {
            "Text": {"type": "string"},
            "Labels": {"type": "map", "key": {"shape": "Text"}, "value": {"shape": "Text"}},
            "When": {"type": "timestamp"},
            "Ratio": {"type": "double"},
        }
    )
    return {name: resolver.get_shape_by_name(name) for name in ("Labels", "When", "Ratio")}


def test_map_timestamp_and_double_members_are_checked_by_type():
    """botocore's types: a map is a JSON object; a timestamp is a number of seconds since 1970 (AWS
    JSON 1.1) or its text; a double is a number. A value of another type is refused, the right type
    is accepted."""
    shapes = _shapes()
    for shape, good in ((shapes["Labels"], {"a": "b"}), (shapes["When"], 1764633600), (shapes["When"], "2026-12-02")):
        check_value(shape, good, "member")
    check_value(shapes["Ratio"], 0.5, "member")
    for shape, bad in ((shapes["Labels"], ["a", "b"]), (shapes["When"], True), (shapes["Ratio"], "0.5")):
        with pytest.raises(InvalidParameterException):
            check_value(shape, bad, "member")


# The operations LocalStack's snapshot of AWS records with a SecretId that is not a valid name
# (test_invalid_secret_name, SecretIds "Inv Name", " Inv Name", " Inv*Name? ", " Inv *?!]Name\\-"), each answered
# ValidationException INVALID_NAME with HTTP 400; RotateSecret the same (hashicorp/terraform-provider-aws#39406).
INVALID_SECRET_ID_CALLS = {
    "DescribeSecret": lambda sm, name: sm.describe_secret(SecretId=name),
    "GetSecretValue": lambda sm, name: sm.get_secret_value(SecretId=name),
    "ListSecretVersionIds": lambda sm, name: sm.list_secret_version_ids(SecretId=name, IncludeDeprecated=True),
    "PutSecretValue": lambda sm, name: sm.put_secret_value(SecretId=name, SecretString="MySecretString"),
    "TagResource": lambda sm, name: sm.tag_resource(SecretId=name, Tags=[{"Key": "FirstTag", "Value": "SomeValue"}]),
    "UntagResource": lambda sm, name: sm.untag_resource(SecretId=name, TagKeys=["FirstTag"]),
    "UpdateSecret": lambda sm, name: sm.update_secret(SecretId=name, Description="MyNewDescription"),
    "ValidateResourcePolicy": lambda sm, name: sm.validate_resource_policy(SecretId=name, ResourcePolicy=POLICY),
    "DeleteSecret, forced": lambda sm, name: sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True),
    "RotateSecret": lambda sm, name: sm.rotate_secret(
        SecretId=name, RotationLambdaARN="arn:aws:lambda:us-east-1:123456789012:function:f"
    ),
}


@pytest.mark.parametrize("name", ["Inv Name", " Inv*Name? ", " Inv *?!]Name\\-"])
@pytest.mark.parametrize("operation", list(INVALID_SECRET_ID_CALLS))
def test_a_secret_id_that_is_no_valid_name_is_a_validation_exception(sm, operation, name):
    """AWS (recorded, LocalStack's snapshot test_invalid_secret_name): ValidationException, HTTP 400, "Invalid
    name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!", with no
    top-level Message (the service does not model the error). moto 5.2: ResourceNotFoundException, HTTP 404;
    the forced DeleteSecret succeeds."""
    with pytest.raises(ClientError) as raised:
        INVALID_SECRET_ID_CALLS[operation](sm, name)
    response = raised.value.response
    assert response["Error"] == {"Code": "ValidationException", "Message": INVALID_NAME}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "Message" not in response
    assert sm.list_secrets(IncludePlannedDeletion=True)["SecretList"] == []


def test_create_secret_with_an_invalid_name_is_a_validation_exception(sm):
    """AWS (recorded, test_invalid_secret_name, CreateSecret): ValidationException, HTTP 400, the same message,
    and nothing is created. moto 5.2: creates the secret."""
    with pytest.raises(ClientError) as raised:
        sm.create_secret(Name="Inv Name", SecretString="MySecretString")
    assert raised.value.response["Error"] == {"Code": "ValidationException", "Message": INVALID_NAME}
    assert sm.list_secrets()["SecretList"] == []


def test_delete_secret_without_force_of_an_invalid_name_is_not_found(sm):
    """DeleteSecret without ForceDeleteWithoutRecovery keeps ResourceNotFoundException for such a name (the
    recording has only the forced call; docs/maintainer.md's table of differences does not list it because no
    recording of AWS shows another answer)."""
    with pytest.raises(ClientError) as raised:
        sm.delete_secret(SecretId="Inv Name")
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_names_of_service_managed_secrets_and_arns_are_valid_secret_ids(sm):
    """A SecretId may be an ARN (any characters after arn:) or a name with "!", as the secrets other AWS services
    manage are named (User Guide, "Secrets managed by other AWS services": rds!cluster-...): looked up, not
    refused."""
    for secret_id in ("rds!cluster-1a96bebc", "arn:aws:secretsmanager:us-east-1:123456789012:secret:no such-AbCdEf"):
        with pytest.raises(ClientError) as raised:
            sm.describe_secret(SecretId=secret_id)
        assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_a_validation_exception_body_says_message_in_lower_case(aws):
    """AWS sends a ValidationException as {"__type": "ValidationException", "message": ...}: botocore's parsed
    response has no top-level Message (recorded, test_invalid_secret_name), unlike a modelled error's."""
    assert _raw(aws, "DescribeSecret", {"SecretId": "Inv Name"}) == (
        400,
        {"__type": "ValidationException", "message": INVALID_NAME},
    )


def test_validation_exception_has_no_class_so_learners_catch_it_by_code(sm):
    """botocore has no class for ValidationException (no operation models it): a learner catches ClientError
    and compares error.response["Error"]["Code"], which works against AWS too."""
    assert not hasattr(sm.exceptions, "ValidationException")
    try:
        sm.get_random_password(PasswordLength=4097)
    except ClientError as error:
        assert error.response["Error"]["Code"] == "ValidationException"
    else:
        raise AssertionError("PasswordLength 4097 was accepted")


def _raw(aws, operation: str, body: dict) -> tuple[int, dict]:
    """One signed request sent as written, as an SDK-less client would send it: its status and JSON body."""
    status, _, answer = raw_request(aws, operation, body)
    return status, answer


NO_TOKEN = "You must provide a ClientRequestToken value. We recommend a UUID-type value."


@pytest.mark.parametrize(
    ("operation", "code"),
    [
        ("CreateSecret", "InvalidRequestException"),
        ("UpdateSecret", "InvalidRequestException"),
        ("RotateSecret", "InvalidParameterException"),
        ("PutSecretValue", "InvalidRequestException"),
    ],
)
def test_a_raw_request_without_client_request_token_is_refused(aws, sm, operation, code):
    """AWS (recorded, LocalStack's snapshot test_no_client_request_token: raw signed requests with SecretString
    and Description and no ClientRequestToken, for a secret that does not exist): HTTP 400, {"Message": "You must
    provide a ClientRequestToken value. We recommend a UUID-type value.", "__type": "InvalidRequestException"}
    (RotateSecret: "InvalidParameterException"): the token is checked before the secret is looked up. CreateSecret,
    ClientRequestToken: "If you generate a raw HTTP request ..., then you must generate a ClientRequestToken and
    include it in the request." moto 5.2: makes up a version id (CreateSecret creates the secret). botocore fills
    the token in, so only a raw request shows this."""
    parameters = {"SecretString": "thisisthesecret", "Description": "My secret string"}
    parameters["Name" if operation == "CreateSecret" else "SecretId"] = "no-token"
    assert _raw(aws, operation, parameters) == (400, {"__type": code, "Message": NO_TOKEN})
    assert sm.list_secrets(IncludePlannedDeletion=True)["SecretList"] == []


def test_a_raw_request_with_client_request_token_is_accepted(aws, sm):
    """The same raw CreateSecret with a token creates the secret, its version id the token."""
    token = "11111111-2222-3333-4444-666666666666"
    status, body = _raw(aws, "CreateSecret", {"Name": "with-token", "SecretString": "v", "ClientRequestToken": token})
    assert status == 200 and body["VersionId"] == token
    assert sm.get_secret_value(SecretId="with-token")["SecretString"] == "v"
