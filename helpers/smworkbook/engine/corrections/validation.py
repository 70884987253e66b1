"""What every request is checked against before moto sees it, and how errors read.

Follows the API reference's "Common Errors" and each operation's Request Parameters (the limits
botocore's service model carries), plus the limits that exist only in the documentation's prose.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re

import botocore.session
from moto.secretsmanager.exceptions import (
    InvalidParameterException,
    InvalidRequestException,
    SecretsManagerClientError,
    ValidationException,
)

from smworkbook.engine.corrections.common import MARKED_FOR_DELETION

_BOTOCORE_PREFIX = re.compile(r"^(\w+: )?An error occurred \(\w+\) when calling the \w+ operation: ")


def error_messages_as_aws_words_them() -> None:
    """Error messages read as AWS's do.

    AWS: the message of an error is one sentence, e.g. InvalidRequestException on a secret
    scheduled for deletion says "You can't perform this operation on the secret because it was
    marked for deletion." (API reference, Common Errors and each action's Errors section).
    moto 5.2: several messages start with botocore's own prefix ("An error occurred
    (InvalidRequestException) when calling the GetSecretValue operation: "), so the learner sees
    it twice, followed by a run of spaces from a line continuation; on a deleted secret some
    say "You tried to perform the operation on a secret that's currently marked deleted."; some
    (GetRandomPassword) start with the code and a colon before that prefix.
    """
    original = SecretsManagerClientError.__init__

    @functools.wraps(original)
    def __init__(self, error_type: str, message: str, *args, **kwargs) -> None:
        message = _BOTOCORE_PREFIX.sub("", " ".join(message.split()))
        if "marked deleted" in message or "marked for deletion" in message:
            message = MARKED_FOR_DELETION
        original(self, error_type, message, *args, **kwargs)

    SecretsManagerClientError.__init__ = __init__


# --- The service model's limits ---------------------------------------------------------------

_model = None
# Each operation's input shape, by the name in the X-Amz-Target header.
_inputs: dict[str, object] = {}


def service_model():
    """botocore's model of Secrets Manager (botocore/data/secretsmanager/*/service-2.json)."""
    global _model
    if _model is None:
        _model = botocore.session.get_session().get_service_model("secretsmanager")
        for name in _model.operation_names:
            _inputs[name] = _model.operation_model(name).input_shape
    return _model


# AWS's words for the modelled constraints (ValidationException), e.g. "1 validation error detected: Value
# 'nnn...' at 'name' failed to satisfy constraint: Member must have length less than or equal to 512"; a
# member that is missing: "Value null at 'secretId' failed to satisfy constraint: Member must not be null"
# (aws/aws-sdk-kotlin#1469, from GetSecretValue); a list's value as Java prints it, "Value '[a, b, ...]' at
# 'filters.1.member.values' failed to satisfy constraint: Member must have length less than or equal to 10"
# (jenkinsci/aws-secrets-manager-credentials-provider-plugin#235, from ListSecrets). Several broken members are
# counted ("2 validation errors detected: ...; ..."). A value the model marks sensitive (SecretString,
# SecretBinary, RotationToken) is not repeated, nor is a structure's.
_NULL = object()


def _violation(path: str, constraint: str, value=_NULL, sensitive: bool = False) -> str:
    if value is _NULL:
        shown = "Value null"
    elif sensitive or not isinstance(value, str | int | list) or isinstance(value, bool):
        shown = "Value"
    elif isinstance(value, list):
        if not all(isinstance(item, str | int) for item in value):
            shown = "Value"
        else:
            shown = "Value '[" + ", ".join(str(item) for item in value) + "]'"
    else:
        shown = f"Value '{value}'"
    return f"{shown} at '{path}' failed to satisfy constraint: Member must {constraint}"


def _validation_error(violations: list[str]) -> ValidationException:
    """AWS's ValidationException for the broken constraints `violations` (each as _violation words it)."""
    count = len(violations)
    detected = f"{count} validation error{'s' if count > 1 else ''} detected: "
    return ValidationException(detected + "; ".join(violations))


def _wrong_type(path: str, kind: str) -> InvalidParameterException:
    # A member of the wrong JSON type never reaches AWS's constraint checks; the mock answers with the
    # code every operation models for a bad parameter (see requests_follow_the_service_model).
    return InvalidParameterException(f"The value at '{path}' must be {kind}.")


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def check_value(shape, value, path: str, violations: list[str] | None = None) -> None:
    """Raise ValidationException if `value` breaks `shape`'s required members, min, max, enum or pattern
    (botocore's service model: the constraints AWS's API reference lists under each member as "Required",
    "Length Constraints", "Valid Range", "Valid Values", "Pattern"), naming every broken member;
    InvalidParameterException at once if a member has the wrong type."""
    if violations is None:
        found: list[str] = []
        check_value(shape, value, path, found)
        if found:
            raise _validation_error(found)
        return
    kind = shape.type_name
    limits = shape.metadata
    sensitive = bool(limits.get("sensitive"))
    if kind == "structure":
        if not isinstance(value, dict):
            raise _wrong_type(path, "a structure")
        for key, member in shape.members.items():
            member_path = f"{path}.{_camel(key)}" if path else _camel(key)
            if value.get(key) is not None:
                check_value(member, value[key], member_path, violations)
            elif key in shape.required_members:
                violations.append(_violation(member_path, "not be null"))
        return
    if kind == "list":
        if not isinstance(value, list):
            raise _wrong_type(path, "a list")
        _check_size(len(value), limits, path, "length", value, violations)
        for number, item in enumerate(value, start=1):
            if item is None:
                violations.append(_violation(f"{path}.{number}.member", "not be null"))
            else:
                check_value(shape.member, item, f"{path}.{number}.member", violations)
        return
    if kind == "map":
        if not isinstance(value, dict):
            raise _wrong_type(path, "a map")
        return
    if kind == "string":
        if not isinstance(value, str):
            raise _wrong_type(path, "a string")
        if _check_size(len(value), limits, path, "length", value, violations, sensitive):
            return
        if "enum" in limits and value not in limits["enum"]:
            violations.append(
                _violation(path, f"satisfy enum value set: [{', '.join(limits['enum'])}]", value, sensitive)
            )
        # Smithy's patterns are not anchored: the value must contain a match.
        elif "pattern" in limits and not re.search(limits["pattern"], value):
            violations.append(
                _violation(path, f"satisfy regular expression pattern: {limits['pattern']}", value, sensitive)
            )
        return
    if kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            raise _wrong_type(path, "a number")
        _check_size(value, limits, path, "value", value, violations)
        return
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _wrong_type(path, "a boolean")
        return
    if kind == "blob":
        try:
            size = len(base64.b64decode(value, validate=True)) if isinstance(value, str) else -1
        except (binascii.Error, ValueError):
            size = -1
        if size < 0:
            raise _wrong_type(path, "base64-encoded binary data")
        _check_size(size, limits, path, "length", value, violations, sensitive)
        return
    if kind in ("double", "float", "timestamp") and (not isinstance(value, int | float) or isinstance(value, bool)):
        if not (kind == "timestamp" and isinstance(value, str)):
            raise _wrong_type(path, "a number")


def _check_size(size: int, limits: dict, path: str, what: str, value, violations: list[str], sensitive=False) -> bool:
    """Add the violation of `limits`' min or max, if any; whether there was one."""
    if "min" in limits and size < limits["min"]:
        violations.append(_violation(path, f"have {what} greater than or equal to {limits['min']}", value, sensitive))
        return True
    if "max" in limits and size > limits["max"]:
        violations.append(_violation(path, f"have {what} less than or equal to {limits['max']}", value, sensitive))
        return True
    return False


def requests_follow_the_service_model() -> None:
    """Every request is checked against the limits of botocore's service model before moto sees it.

    AWS: each member of each request has the constraints its API reference page lists ("Length
    Constraints: Minimum length of 1. Maximum length of 512.", "Array Members: Maximum number of
    10 items.", "Valid Range: Minimum value of 1. Maximum value of 4096.", "Valid Values", "Pattern",
    "Required: Yes"); botocore's service-2.json carries the same as `min`, `max`, `enum`, `pattern`
    and `required`. A request that breaks one is refused with ValidationException, HTTP 400 (API
    reference, Common Errors: "The input fails to satisfy the constraints specified by an AWS
    service"), e.g. "1 validation error detected: Value null at 'secretId' failed to satisfy
    constraint: Member must not be null" (aws/aws-sdk-kotlin#1469). No operation's modelled errors
    list it, so botocore has no class for it: catch ClientError and read
    error.response["Error"]["Code"]. A member of the wrong JSON type is InvalidParameterException
    here ("The parameter name or value is invalid", in every operation's list; AWS's protocol layer
    refuses it before any constraint is checked). Then each SecretId's characters
    (secret_ids_use_the_name_characters) and the documented rules that exist only in prose
    (DOCUMENTED_RULES) are checked.
    moto 5.2: checks almost none of them: names over 512 characters, values over 65,536, 21 staging
    labels, 11 filters, MaxResults 1000 are accepted; a wrong type or a missing required member is
    an HTTP 500. botocore checks only required members, types and `min` on the client side, and
    not at all with Config(parameter_validation=False).
    """
    from moto.secretsmanager.responses import SecretsManagerResponse

    original = SecretsManagerResponse.call_action
    service_model()

    @functools.wraps(original)
    def call_action(self):
        operation = self._get_action()
        shape = _inputs.get(operation)
        if shape is not None:
            try:
                try:
                    request = json.loads(self.body or "{}")
                except ValueError:
                    raise SecretsManagerClientError("InvalidParameterException", "The request is not JSON.") from None
                check_value(shape, request, "")
                names_a_secret = "SecretId" in shape.members
                for rule in (*(FOR_EVERY_SECRET_ID if names_a_secret else ()), *DOCUMENTED_RULES.get(operation, ())):
                    rule(self, request)
            except SecretsManagerClientError as error:
                return _error_response(self, error)
        return original(self)

    SecretsManagerResponse.call_action = call_action


def _error_response(response, error: SecretsManagerClientError):
    # As moto's own call_action answers a client error.
    headers = dict(error.get_headers() or [])
    headers["status"] = error.code
    status, headers, body = response._transform_response(response.response_headers, (error.description, headers))
    headers, body = response._enrich_response(headers, body)
    return status, headers, body


# --- Limits that exist only in the documentation's prose ----------------------------------------

# CreateSecret, Name: "The name can contain ASCII letters, numbers, and the following characters: /_+=.@-"
_NAME_CHARACTERS = re.compile(r"[A-Za-z0-9/_+=.@-]+")
# A SecretId names a secret by name or ARN; the names of secrets other AWS services manage for you contain "!"
# (User Guide, "Secrets managed by other AWS services": "rds!cluster-..."), and AWS's message allows it.
_SECRET_ID_CHARACTERS = re.compile(r"[A-Za-z0-9/_+=.@!-]+")
# AWS's ValidationException for a name or SecretId with another character (recorded: LocalStack's snapshot,
# tests/aws/services/secretsmanager/test_secretsmanager.snapshot.json, test_invalid_secret_name).
INVALID_NAME = (
    "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!"
)
# AWS's answer to a request without ClientRequestToken (recorded: the same snapshot, test_no_client_request_token).
NO_CLIENT_REQUEST_TOKEN = "You must provide a ClientRequestToken value. We recommend a UUID-type value."
# Tagging rules (AWS General Reference, "Tagging your AWS resources", and the Secrets Manager
# quotas page): "Maximum number of tags per resource – 50"; "Do not use aws:, AWS:, or any upper
# or lowercase combination of such as a prefix for either keys or values as it is reserved for AWS
# use. You can't edit or delete tag keys or values with this prefix."
MAX_TAGS = 50
TOO_MANY_TAGS = f"A secret can have at most {MAX_TAGS} tags."
RESERVED_TAG = "Tag keys and values that start with aws: are reserved for AWS use."
TAG_WITHOUT_KEY = "Every tag needs a Key (its Value is optional)."
REPLICA_WITHOUT_REGION = "Every replica in AddReplicaRegions needs a Region."
INCOMPLETE_FILTER = "Every filter needs a Key and at least one value in Values."
FILTERS_OR_LIST = "You must include Filters or SecretIdList, but not both."


def secret_names_use_the_documented_characters(response, request: dict) -> None:
    """CreateSecret's Name holds only ASCII letters, digits and /_+=.@- (CreateSecret, Name: "The secret name
    can contain ASCII letters, numbers, and the following characters: /_+=.@-").

    AWS (recorded, LocalStack's snapshot test_invalid_secret_name: CreateSecret named "Inv Name", " Inv*Name? ",
    ...): ValidationException, HTTP 400, "Invalid name. Must be a valid name containing alphanumeric characters,
    or any of the following: -/_+=.@!". ("!" is in the message but not in CreateSecret's documented set: it
    marks the secrets other AWS services manage, which you can't create; a name with "!" gets the same answer
    here, which no recording shows.)
    moto 5.2: accepts any name, spaces and "!" included.
    """
    if not _NAME_CHARACTERS.fullmatch(request["Name"]):
        raise ValidationException(INVALID_NAME)


def secret_ids_use_the_name_characters(response, request: dict) -> None:
    """A SecretId that is neither an ARN nor made of a name's characters is ValidationException.

    AWS (recorded, LocalStack's snapshot test_invalid_secret_name: DescribeSecret, GetSecretValue,
    ListSecretVersionIds, PutSecretValue, TagResource, UntagResource, UpdateSecret, ValidateResourcePolicy, and
    DeleteSecret with ForceDeleteWithoutRecovery, each with SecretId "Inv Name", " Inv*Name? ", ...):
    ValidationException, HTTP 400, "Invalid name. Must be a valid name containing alphanumeric characters, or
    any of the following: -/_+=.@!"; RotateSecret the same (hashicorp/terraform-provider-aws#39406). The mock
    checks every operation's SecretId so, except DeleteSecret without ForceDeleteWithoutRecovery, which keeps
    ResourceNotFoundException ("Secrets Manager can't find the specified secret."): the recording has only the
    forced call, and no recording shows another answer for the other.
    moto 5.2: looks such a name up and answers ResourceNotFoundException (HTTP 404); DeleteSecret with
    ForceDeleteWithoutRecovery succeeds for a secret that never existed, whatever its name.
    """
    secret_id = request.get("SecretId")
    if not isinstance(secret_id, str) or secret_id.startswith("arn:") or _SECRET_ID_CHARACTERS.fullmatch(secret_id):
        return
    if response._get_action() == "DeleteSecret" and not request.get("ForceDeleteWithoutRecovery"):
        return
    raise ValidationException(INVALID_NAME)


# Checked on every request that names a secret (its input has SecretId).
FOR_EVERY_SECRET_ID = (secret_ids_use_the_name_characters,)


def client_request_token_is_required(response, request: dict) -> None:
    """CreateSecret, UpdateSecret, PutSecretValue and RotateSecret without a ClientRequestToken are refused.

    AWS (CreateSecret, ClientRequestToken: "If you use the Amazon Web Services CLI or one of the Amazon Web
    Services SDKs to call this operation, then you can leave this parameter empty. The CLI or SDK generates a
    random UUID for you ... If you generate a raw HTTP request to the Secrets Manager service endpoint, then you
    must generate a ClientRequestToken and include it in the request."; the same for the other three). Recorded
    (LocalStack's snapshot test_no_client_request_token, raw signed requests without the token, for a secret
    that does not exist): HTTP 400, "You must provide a ClientRequestToken value. We recommend a UUID-type
    value.", InvalidRequestException for CreateSecret, UpdateSecret and PutSecretValue, InvalidParameterException
    for RotateSecret; the token is checked before the secret is looked up.
    moto 5.2: makes up a version id. botocore always sends a token, so only a raw request meets this.
    """
    if request.get("ClientRequestToken") is None:
        if response._get_action() == "RotateSecret":
            raise InvalidParameterException(NO_CLIENT_REQUEST_TOKEN)
        raise InvalidRequestException(NO_CLIENT_REQUEST_TOKEN)


def tags_follow_the_tagging_rules(response, request: dict) -> None:
    """Every tag has a key, at most 50 tags per secret, and no key or value starting with aws: (Tagging
    rules: "Each tag consists of a key and an optional value"; TagResource points to them: "For tag
    quotas and naming restrictions, see Service quotas for Tagging")."""
    tags = request.get("Tags") or []
    if any(not tag.get("Key") for tag in tags):
        raise InvalidParameterException(TAG_WITHOUT_KEY)
    for tag in tags:
        if any(str(tag.get(part) or "").lower().startswith("aws:") for part in ("Key", "Value")):
            raise InvalidParameterException(RESERVED_TAG)
    keys = {tag["Key"] for tag in tags}
    if request.get("SecretId") is not None:  # TagResource adds to the tags the secret has
        secret = (
            response.backend.secrets.get(request["SecretId"])
            if request["SecretId"] in response.backend.secrets
            else None
        )
        keys |= {tag["Key"] for tag in (getattr(secret, "tags", None) or [])}
    if len(keys) > MAX_TAGS:
        raise InvalidParameterException(TOO_MANY_TAGS)


def reserved_tags_are_not_removed(response, request: dict) -> None:
    """UntagResource can't remove aws: tags ("You can't edit or delete tag keys or values with this prefix")."""
    if any(key.lower().startswith("aws:") for key in request["TagKeys"]):
        raise InvalidParameterException(RESERVED_TAG)


def filters_or_secret_id_list(response, request: dict) -> None:
    """BatchGetSecretValue: "You must include Filters or SecretIdList, but not both." (SecretIdList, Filters)."""
    if bool(request.get("SecretIdList")) == bool(request.get("Filters")):
        raise InvalidParameterException(FILTERS_OR_LIST)


def filters_have_a_key_and_values(response, request: dict) -> None:
    """A Filter (ListSecrets, BatchGetSecretValue) is a Key ("The following are keys you can use:
    description, name, tag-key, tag-value, primary-region, owning-service, all") and its Values
    ("The keys to filter by"); a filter without either selects nothing: InvalidParameterException,
    as ListSecrets answers in moto."""
    if any(not f.get("Key") or not f.get("Values") for f in request.get("Filters") or []):
        raise InvalidParameterException(INCOMPLETE_FILTER)


def replicas_name_their_region(response, request: dict) -> None:
    """AddReplicaRegions: each ReplicaRegionType names "a Region code" for the replica; one without
    a Region names no replica."""
    if any(not replica.get("Region") for replica in request.get("AddReplicaRegions") or []):
        raise InvalidParameterException(REPLICA_WITHOUT_REGION)


DOCUMENTED_RULES = {
    "CreateSecret": (
        client_request_token_is_required,
        secret_names_use_the_documented_characters,
        tags_follow_the_tagging_rules,
        replicas_name_their_region,
    ),
    "UpdateSecret": (client_request_token_is_required,),
    "PutSecretValue": (client_request_token_is_required,),
    "RotateSecret": (client_request_token_is_required,),
    "ReplicateSecretToRegions": (replicas_name_their_region,),
    "TagResource": (tags_follow_the_tagging_rules,),
    "UntagResource": (reserved_tags_are_not_removed,),
    "BatchGetSecretValue": (filters_or_secret_id_list, filters_have_a_key_and_values),
    "ListSecrets": (filters_have_a_key_and_values,),
}


CORRECTIONS = (error_messages_as_aws_words_them, requests_follow_the_service_model)
