"""The mock refuses what AWS's documented limits refuse, and accepts the value at each limit.

Each case sends the value at the limit and one past it, with botocore's own validation off
(Config(parameter_validation=False)) so the request reaches the mock as written. The expected
error code is written here by hand, per constraint, and must be one the operation's service
model lists. Each case names the AWS text it follows (API reference, Request Parameters of the
operation, unless said otherwise).
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

BAD = "InvalidParameterException"
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
    ("CreateSecret", "Name: Maximum length of 512", {"Name": "n" * 512}, {"Name": "n" * 513}, BAD),
    ("CreateSecret", "Name: Minimum length of 1", {"Name": "n"}, {"Name": ""}, BAD),
    (
        "CreateSecret",
        "Name: 'can contain ASCII letters, numbers, and the following characters: /_+=.@-'",
        {"Name": "a/b_c+d=e.f@g-H9"},
        {"Name": "a b"},
        BAD,
    ),
    ("CreateSecret", "Name: only those characters", {"Name": "ok"}, {"Name": "wow!"}, BAD),
    (
        "CreateSecret",
        "SecretString: Maximum length of 65536",
        {"Name": "s", "SecretString": "x" * 65536},
        {"Name": "s", "SecretString": "x" * 65537},
        BAD,
    ),
    (
        "CreateSecret",
        "SecretBinary: Maximum length of 65536",
        {"Name": "s", "SecretBinary": b"x" * 65536},
        {"Name": "s", "SecretBinary": b"x" * 65537},
        BAD,
    ),
    (
        "CreateSecret",
        "Description: Maximum length of 2048",
        {"Name": "s", "Description": "d" * 2048},
        {"Name": "s", "Description": "d" * 2049},
        BAD,
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
        BAD,
    ),
    (
        "CreateSecret",
        "Tag Value: Maximum length of 256",
        {"Name": "s", "Tags": [{"Key": "k", "Value": "v" * 256}]},
        {"Name": "s", "Tags": [{"Key": "k", "Value": "v" * 257}]},
        BAD,
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
        BAD,
    ),
    (
        "CreateSecret",
        "ClientRequestToken: Maximum length of 64",
        {"Name": "s", "SecretString": "v", "ClientRequestToken": "t" * 64},
        {"Name": "s", "SecretString": "v", "ClientRequestToken": "t" * 65},
        BAD,
    ),
    (
        "PutSecretValue",
        "VersionStages: Maximum number of 20 items",
        {"SecretId": "v/live", "SecretString": "v", "VersionStages": ["AWSCURRENT", *[f"l{n}" for n in range(19)]]},
        {"SecretId": "v/live", "SecretString": "v", "VersionStages": ["AWSCURRENT", *[f"l{n}" for n in range(20)]]},
        BAD,
    ),
    (
        "PutSecretValue",
        "VersionStages member: Maximum length of 256",
        {"SecretId": "v/live", "SecretString": "v", "VersionStages": ["l" * 256]},
        {"SecretId": "v/live", "SecretString": "v", "VersionStages": ["l" * 257]},
        BAD,
    ),
    ("ListSecrets", "Filters: Maximum number of 10 items", {"Filters": filters(10)}, {"Filters": filters(11)}, BAD),
    (
        "ListSecrets",
        "Filter Values: Maximum number of 10 items",
        {"Filters": filters(1, 10)},
        {"Filters": filters(1, 11)},
        BAD,
    ),
    ("ListSecrets", "MaxResults: Valid Range: Maximum value of 100", {"MaxResults": 100}, {"MaxResults": 101}, BAD),
    ("ListSecrets", "MaxResults: Minimum value of 1", {"MaxResults": 1}, {"MaxResults": 0}, BAD),
    (
        "ListSecrets",
        "SortOrder: Valid Values: asc | desc",
        {"SortOrder": "desc"},
        {"SortOrder": "sideways"},
        BAD,
    ),
    (
        "GetRandomPassword",
        "ExcludeCharacters: Maximum length of 4096",
        {"ExcludeCharacters": "a" * 4096},
        {"ExcludeCharacters": "a" * 4097},
        BAD,
    ),
    (
        "GetRandomPassword",
        "PasswordLength: Maximum value of 4096",
        {"PasswordLength": 4096},
        {"PasswordLength": 4097},
        BAD,
    ),
    (
        "GetRandomPassword",
        "PasswordLength: Minimum value of 1",
        {"PasswordLength": 1, "RequireEachIncludedType": False},
        {"PasswordLength": 0, "RequireEachIncludedType": False},
        BAD,
    ),
    (
        "BatchGetSecretValue",
        "SecretIdList: Maximum number of 20 items",
        {"SecretIdList": [f"v/{n}" for n in range(20)]},
        {"SecretIdList": [f"v/{n}" for n in range(21)]},
        BAD,
    ),
    (
        "BatchGetSecretValue",
        "MaxResults: Maximum value of 20",
        {"Filters": filters(1), "MaxResults": 20},
        {"Filters": filters(1), "MaxResults": 21},
        BAD,
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
        BAD,
    ),
    (
        "GetSecretValue",
        "SecretId: Maximum length of 2048",
        {"SecretId": "a" * 2048},
        {"SecretId": "a" * 2049},
        BAD,
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
    assert expected in modelled
    at_limit_code = code_of(lambda: method(**at_limit))
    # At the limit, validation lets it through; the call may still fail for another reason
    # (a secret or a function that does not exist), never for the limit.
    assert at_limit_code in (None, "ResourceNotFoundException", "InvalidRequestException"), at_limit_code
    assert code_of(lambda: method(**past_limit)) == expected


def test_the_error_names_the_member_and_the_constraint(raw):
    """Does the message say which member broke which limit, as AWS's validation messages do?"""
    with pytest.raises(ClientError) as raised:
        raw.create_secret(Name="n" * 513)
    assert raised.value.response["Error"]["Message"] == (
        "1 validation error detected: Value at 'name' failed to satisfy constraint: "
        "Member must have length less than or equal to 512"
    )


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
    """Type: String / Long / Boolean in the API reference: another type is refused, not an HTTP 500."""
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
