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
from moto.secretsmanager.exceptions import InvalidParameterException, SecretsManagerClientError

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


def _invalid(path: str, constraint: str) -> InvalidParameterException:
    # AWS's wording for a modelled constraint ("1 validation error detected: Value at 'name'
    # failed to satisfy constraint: Member must ..."), without echoing the value (it may be a secret).
    return InvalidParameterException(
        f"1 validation error detected: Value at '{path}' failed to satisfy constraint: Member must {constraint}"
    )


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def check_value(shape, value, path: str) -> None:
    """Raise InvalidParameterException if `value` breaks `shape`'s type, required members, min, max,
    enum or pattern (botocore's service model: the constraints AWS's API reference lists under each
    member as "Type", "Required", "Length Constraints", "Valid Range", "Valid Values", "Pattern")."""
    kind = shape.type_name
    limits = shape.metadata
    if kind == "structure":
        if not isinstance(value, dict):
            raise _invalid(path, "be a structure")
        for required in shape.required_members:
            if value.get(required) is None:
                raise _invalid(f"{path}.{_camel(required)}" if path else _camel(required), "not be null")
        for key, member in shape.members.items():
            if value.get(key) is not None:
                check_value(member, value[key], f"{path}.{_camel(key)}" if path else _camel(key))
        return
    if kind == "list":
        if not isinstance(value, list):
            raise _invalid(path, "be a list")
        _check_size(len(value), limits, path, "length")
        for number, item in enumerate(value, start=1):
            if item is None:
                raise _invalid(f"{path}.{number}.member", "not be null")
            check_value(shape.member, item, f"{path}.{number}.member")
        return
    if kind == "map":
        if not isinstance(value, dict):
            raise _invalid(path, "be a map")
        return
    if kind == "string":
        if not isinstance(value, str):
            raise _invalid(path, "be a string")
        _check_size(len(value), limits, path, "length")
        if "enum" in limits and value not in limits["enum"]:
            raise _invalid(path, f"satisfy enum value set: [{', '.join(limits['enum'])}]")
        # Smithy's patterns are not anchored: the value must contain a match.
        if "pattern" in limits and not re.search(limits["pattern"], value):
            raise _invalid(path, f"satisfy regular expression pattern: {limits['pattern']}")
        return
    if kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            raise _invalid(path, "be a number")
        _check_size(value, limits, path, "value")
        return
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _invalid(path, "be a boolean")
        return
    if kind == "blob":
        try:
            size = len(base64.b64decode(value, validate=True)) if isinstance(value, str) else -1
        except (binascii.Error, ValueError):
            size = -1
        if size < 0:
            raise _invalid(path, "be base64-encoded binary data")
        _check_size(size, limits, path, "length")
        return
    if kind in ("double", "float", "timestamp") and (not isinstance(value, int | float) or isinstance(value, bool)):
        if not (kind == "timestamp" and isinstance(value, str)):
            raise _invalid(path, "be a number")


def _check_size(size: int, limits: dict, path: str, what: str) -> None:
    if "min" in limits and size < limits["min"]:
        raise _invalid(path, f"have {what} greater than or equal to {limits['min']}")
    if "max" in limits and size > limits["max"]:
        raise _invalid(path, f"have {what} less than or equal to {limits['max']}")


def requests_follow_the_service_model() -> None:
    """Every request is checked against the limits of botocore's service model before moto sees it.

    AWS: each member of each request has the constraints its API reference page lists ("Length
    Constraints: Minimum length of 1. Maximum length of 512.", "Array Members: Maximum number of
    10 items.", "Valid Range: Minimum value of 1. Maximum value of 4096.", "Valid Values", "Pattern",
    "Required: Yes"); botocore's service-2.json carries the same as `min`, `max`, `enum`, `pattern`
    and `required`. A request that breaks one is refused. AWS's own code for this is
    ValidationException, which no operation's modelled errors list; the mock answers with
    InvalidParameterException ("The parameter name or value is invalid", in every operation's list).
    Then the documented rules that exist only in prose (DOCUMENTED_RULES) are checked.
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
                for rule in DOCUMENTED_RULES.get(operation, ()):
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
NAME_CHARACTERS = "The secret name can contain ASCII letters, numbers, and the following characters: /_+=.@-"
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
    """CreateSecret's Name holds only ASCII letters, digits and /_+=.@- (CreateSecret, Name)."""
    if not _NAME_CHARACTERS.fullmatch(request["Name"]):
        raise InvalidParameterException(NAME_CHARACTERS)


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
        secret_names_use_the_documented_characters,
        tags_follow_the_tagging_rules,
        replicas_name_their_region,
    ),
    "ReplicateSecretToRegions": (replicas_name_their_region,),
    "TagResource": (tags_follow_the_tagging_rules,),
    "UntagResource": (reserved_tags_are_not_removed,),
    "BatchGetSecretValue": (filters_or_secret_id_list, filters_have_a_key_and_values),
    "ListSecrets": (filters_have_a_key_and_values,),
}


CORRECTIONS = (error_messages_as_aws_words_them, requests_follow_the_service_model)
