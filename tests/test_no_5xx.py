"""No Secrets Manager request ever gets an HTTP 500: a walk over every operation of the service model.

For each operation a hand-written valid request (BASE) is the starting point; the walk derives
from botocore's service model the boundary and malformed variants: each required member left
out, each string one character too long or too short, each number one past its range, each list
one item too long, each member of the wrong type, an unknown secret, a secret scheduled for
deletion, a NextToken the mock never gave. The requests go out with botocore's own validation
off, so they reach the mock as written.

Every case must answer with the code written by hand for it below (None: success), that code must
be one of the operation's modelled errors or one of AWS's common errors (API reference, Common Errors:
ValidationException, AccessDeniedException), nothing may be a 5xx, nothing may be written to stderr,
nothing logged by the mock's side (moto, werkzeug, smworkbook) at any level, nor by anything as a
warning or worse.
"""

from __future__ import annotations

import json
import logging

import botocore
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from smworkbook.engine.corrections.validation import service_model

MODEL = service_model()
LIVE = "walk/live"
DELETED = "walk/deleted"
UNKNOWN = "walk/no-such-secret"
V1 = "11111111-2222-3333-4444-555555555555"
OTHER_ACCOUNT_REPLICA = "arn:aws:secretsmanager:us-east-1:210987654321:secret:walk/replica-AbCdEf"
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
            }
        ],
    }
)

# A valid request for each operation, and what the mock answers it (None: success), by hand.
BASE = {
    "AssociateCrossAccountReplica": (
        {"SecretId": LIVE, "CrossAccountReplicaARN": OTHER_ACCOUNT_REPLICA},
        "ResourceNotFoundException",  # the replica "must already exist in the other account": the mock has one
    ),
    "BatchGetSecretValue": ({"SecretIdList": [LIVE]}, None),
    # Rotation was never turned on: moto's answer, kept (the API reference does not say).
    "CancelRotateSecret": ({"SecretId": LIVE}, "InvalidRequestException"),
    "CreateSecret": ({"Name": "walk/new", "SecretString": "v", "Tags": [{"Key": "k", "Value": "v"}]}, None),
    "DeleteResourcePolicy": ({"SecretId": LIVE}, None),
    "DeleteSecret": ({"SecretId": LIVE}, None),
    "DescribeSecret": ({"SecretId": LIVE}, None),
    "DisassociateCrossAccountReplica": (
        {"SecretId": LIVE, "CrossAccountReplicaARN": OTHER_ACCOUNT_REPLICA},
        "ResourceNotFoundException",  # the mock's one account has no cross-account replicas
    ),
    "GetRandomPassword": ({"PasswordLength": 16}, None),
    "GetResourcePolicy": ({"SecretId": LIVE}, None),
    "GetSecretValue": ({"SecretId": LIVE}, None),
    "ListResourcePolicies": ({"SecretId": LIVE}, None),
    "ListSecretVersionIds": ({"SecretId": LIVE}, None),
    "ListSecrets": ({"Filters": [{"Key": "name", "Values": ["walk"]}]}, None),
    "PutResourcePolicy": ({"SecretId": LIVE, "ResourcePolicy": POLICY}, None),
    "PutSecretValue": ({"SecretId": LIVE, "SecretString": "v2"}, None),
    "RemoveRegionsFromReplication": ({"SecretId": LIVE, "RemoveReplicaRegions": ["eu-west-1"]}, None),
    "ReplicateSecretToRegions": ({"SecretId": LIVE, "AddReplicaRegions": [{"Region": "eu-west-1"}]}, None),
    "RestoreSecret": ({"SecretId": LIVE}, None),
    "RotateSecret": (
        {"SecretId": LIVE, "RotationLambdaARN": "arn:aws:lambda:us-east-1:123456789012:function:walk-none"},
        "AccessDeniedException",  # no such function: Secrets Manager "cannot invoke" it (recorded from AWS)
    ),
    "StopReplicationToReplica": ({"SecretId": LIVE}, "InvalidRequestException"),  # not a replica
    "TagResource": ({"SecretId": LIVE, "Tags": [{"Key": "k", "Value": "v"}]}, None),
    "UntagResource": ({"SecretId": LIVE, "TagKeys": ["k"]}, None),
    "UpdateSecret": ({"SecretId": LIVE, "Description": "d"}, None),
    "UpdateSecretVersionStage": ({"SecretId": LIVE, "VersionStage": "custom", "MoveToVersionId": V1}, None),
    "ValidateResourcePolicy": ({"SecretId": LIVE, "ResourcePolicy": POLICY}, None),
}

# SecretId naming a secret that never existed, by hand (None: success).
UNKNOWN_SECRET = {op: "ResourceNotFoundException" for op in BASE if "SecretId" in BASE[op][0]}
UNKNOWN_SECRET["DeleteSecret"] = "ResourceNotFoundException"

# SecretId naming a secret scheduled for deletion, by hand (None: success). AWS: "You can't
# perform this operation on the secret because it was marked for deletion" for every change; reading
# its metadata (DescribeSecret, ListSecretVersionIds, policies) and RestoreSecret work.
DELETED_SECRET = {
    "AssociateCrossAccountReplica": "InvalidRequestException",
    "CancelRotateSecret": "InvalidRequestException",
    "DeleteResourcePolicy": "InvalidRequestException",
    "DeleteSecret": "InvalidRequestException",
    "DescribeSecret": None,
    "DisassociateCrossAccountReplica": "InvalidRequestException",
    "GetResourcePolicy": None,
    "GetSecretValue": "InvalidRequestException",
    "ListResourcePolicies": None,
    "ListSecretVersionIds": None,
    "PutResourcePolicy": "InvalidRequestException",
    "PutSecretValue": "InvalidRequestException",
    "RemoveRegionsFromReplication": "InvalidRequestException",
    "ReplicateSecretToRegions": "InvalidRequestException",
    "RestoreSecret": None,
    "RotateSecret": "InvalidRequestException",
    "StopReplicationToReplica": "InvalidRequestException",
    "TagResource": "InvalidRequestException",
    "UntagResource": "InvalidRequestException",
    "UpdateSecret": "InvalidRequestException",
    "UpdateSecretVersionStage": "InvalidRequestException",
    "ValidateResourcePolicy": None,
}

# What each kind of model-derived variant must answer, by hand: the service model's constraints
# are ValidationException, as AWS answers them (API reference, Common Errors; "Value null at 'secretId'
# failed to satisfy constraint: Member must not be null", aws/aws-sdk-kotlin#1469); a member of the wrong
# type is InvalidParameterException ("The parameter name or value is invalid"); a NextToken the
# service never gave is InvalidNextTokenException.
BY_KIND = {
    "missing": "ValidationException",
    "too long": "ValidationException",
    "too short": "ValidationException",
    "out of range": "ValidationException",
    "too many items": "ValidationException",
    "wrong type": "InvalidParameterException",
    "not in enum": "ValidationException",
    "bad token": "InvalidNextTokenException",
    "item incomplete": "InvalidParameterException",
}

# Variants whose answer is not their kind's, by hand: a tag's Value is optional (Tag type,
# "Value ... Required: No"; Tagging rules: "a key and an optional value").
OVERRIDES = {
    "CreateSecret: Tags[] without Value": None,
    "TagResource: Tags[] without Value": None,
}

WRONG_TYPE = {"string": 12345, "integer": "12", "long": "12", "boolean": "yes"}
# Errors AWS answers that no operation's model lists (API reference, Common Errors).
COMMON_ERRORS = {"ValidationException", "AccessDeniedException"}


def variants(operation: str):
    """(case name, request, kind) derived from the service model for one operation."""
    request, _ = BASE[operation]
    shape = MODEL.operation_model(operation).input_shape
    for name in shape.required_members:
        yield f"{name} missing", {k: v for k, v in request.items() if k != name}, "missing"
    for name, member in shape.members.items():
        limits = member.metadata
        kind = member.type_name
        if name == "NextToken":
            yield "NextToken never given", {**request, "NextToken": "not-a-token-of-ours"}, "bad token"
        if kind == "string" and "max" in limits:
            yield f"{name} too long", {**request, name: "a" * (limits["max"] + 1)}, "too long"
        if kind == "string" and limits.get("min", 0) > 0:
            yield f"{name} too short", {**request, name: "a" * (limits["min"] - 1)}, "too short"
        if kind == "string" and "enum" in limits:
            yield f"{name} not in enum", {**request, name: "sideways"}, "not in enum"
        if kind in ("integer", "long"):
            if "max" in limits:
                yield f"{name} above range", {**request, name: limits["max"] + 1}, "out of range"
            if "min" in limits:
                yield f"{name} below range", {**request, name: limits["min"] - 1}, "out of range"
        if kind == "list" and "max" in limits and member.member.type_name == "string":
            yield f"{name} too many", {**request, name: [f"x{i}" for i in range(limits["max"] + 1)]}, "too many items"
        if kind in WRONG_TYPE:
            yield f"{name} wrong type", {**request, name: WRONG_TYPE[kind]}, "wrong type"
        if kind == "list" and member.member.type_name == "string":
            yield f"{name} item wrong type", {**request, name: [12345]}, "wrong type"
        if kind == "list" and member.member.type_name == "structure" and name in request:
            item = request[name][0]
            for part, part_shape in member.member.members.items():
                if part in item:
                    without = {k: v for k, v in item.items() if k != part}
                    yield f"{name}[] without {part}", {**request, name: [without]}, "item incomplete"
                if part_shape.type_name == "string" and "max" in part_shape.metadata and part in item:
                    long_item = {**item, part: "a" * (part_shape.metadata["max"] + 1)}
                    yield f"{name}[].{part} too long", {**request, name: [long_item]}, "too long"


def cases():
    for operation in sorted(MODEL.operation_names):
        request, expected = BASE[operation]
        for case, varied, kind in variants(operation):
            name = f"{operation}: {case}"
            yield pytest.param(operation, varied, OVERRIDES.get(name, BY_KIND[kind]), id=name)
        if operation in UNKNOWN_SECRET:
            varied = {**request, "SecretId": UNKNOWN}
            yield pytest.param(operation, varied, UNKNOWN_SECRET[operation], id=f"{operation}: unknown secret")
        if operation in DELETED_SECRET:
            varied = {**request, "SecretId": DELETED}
            yield pytest.param(operation, varied, DELETED_SECRET[operation], id=f"{operation}: deleted secret")
        yield pytest.param(operation, request, expected, id=f"{operation}: valid")


def test_every_operation_has_a_base_request():
    """Does the walk cover every operation of the service model, and nothing else?"""
    assert set(BASE) == set(MODEL.operation_names)
    assert set(DELETED_SECRET) == {op for op in BASE if "SecretId" in BASE[op][0]}


@pytest.fixture(scope="module")
def raw(request):
    """A client of the mock with botocore's parameter validation off and no retries."""
    import smworkbook

    aws = smworkbook.start()
    config = Config(parameter_validation=False, retries={"max_attempts": 1, "mode": "standard"})
    return aws._session.client("secretsmanager", endpoint_url=aws.endpoint_url, config=config)


@pytest.fixture
def walk_state(aws, raw):
    aws.reset()
    raw.create_secret(Name=LIVE, SecretString="v", ClientRequestToken=V1)
    raw.create_secret(Name=DELETED, SecretString="v")
    raw.delete_secret(SecretId=DELETED)
    return raw


@pytest.mark.parametrize(("operation", "request_", "expected"), list(cases()))
def test_no_5xx(walk_state, operation, request_, expected, capfd, caplog):
    """Does the mock answer this request with the code written for it, a modelled one, and no 5xx?"""
    caplog.set_level(logging.WARNING)
    caplog.set_level(logging.DEBUG, logger="moto")  # the mock's own loggers: nothing at any level
    method = getattr(walk_state, botocore.xform_name(operation))
    try:
        method(**request_)
        code, status = None, 200
    except ClientError as error:
        code, status = error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"]
    assert status < 500, f"{operation} answered HTTP {status}"
    modelled = {shape.name for shape in MODEL.operation_model(operation).error_shapes}
    assert code is None or code in modelled | COMMON_ERRORS, f"{code} is not among {operation}'s modelled errors"
    assert code == expected
    assert capfd.readouterr().err == ""
    mock_side = ("moto", "werkzeug", "smworkbook")
    logged = [r for r in caplog.records if r.levelno >= logging.WARNING or r.name.startswith(mock_side)]
    assert [f"{r.name} {r.levelname}: {r.getMessage()}" for r in logged] == []
