"""How the workbook's mock decides a Secrets Manager request when policy enforcement is on.

Who signed it (moto's IAMRequest: the access key, its user or role, the signature), which secret
it is about (its ARN, tags and resource policy), and what the policies say (policies.decide).
corrections/access.py installs these checks into moto; see its docstrings for the AWS behaviour.
"""

from __future__ import annotations

import functools
import json
import threading
from urllib.parse import urlparse

from moto.secretsmanager.exceptions import SecretsManagerClientError
from moto.secretsmanager.models import SecretsManagerBackend

from smworkbook.engine import policies

# Actions that act on no particular secret: IAM policies name them with "Resource": "*".
_ACCOUNT_LEVEL_ACTIONS = {"ListSecrets", "GetRandomPassword", "BatchGetSecretValue"}
KMS_NOT_ALLOWED = "Access to KMS is not allowed"

# Further checks on a request that the policies allowed (e.g. the KMS key of the secret).
AFTER_ALLOW: list = []

# The caller of the request this server thread is handling: (principal ARN, its policies), or None
# for the workbook's own keys and when enforcement is off.
caller = threading.local()


@functools.cache
def _iam_request_class():
    """moto's IAMRequest (identity, signature, collected policies) with errors in JSON, as AWS answers."""
    from moto.iam.access_control import IAMRequest

    class JsonIAMRequest(IAMRequest):
        def _raise_signature_does_not_match(self) -> None:
            raise SecretsManagerClientError(
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided.",
            )

        def _raise_invalid_access_key(self, _reason: str) -> None:
            raise SecretsManagerClientError(
                "UnrecognizedClientException", "The security token included in the request is invalid."
            )

    return JsonIAMRequest


def _iam_request(response):
    path = response.raw_path
    query = urlparse(response.uri).query
    return _iam_request_class()(
        account_id=response.current_account,
        method=response.method,
        path=f"{path}?{query}" if query else path,
        data=response.data,
        body=response.raw_body,
        headers=response.headers,
        action=response._get_action(),
    )


def signed(headers) -> bool:
    """Is the request signed with an access key (Signature Version 4's "Credential=" in Authorization)?"""
    return "Credential=" in (headers.get("Authorization") or "")


def _secret_context(response, operation: str):
    """(resource ARN, the resource as the caller named it, condition keys, resource policy)."""
    backend = response.backend
    prefix = f"arn:aws:secretsmanager:{response.region}:{response.current_account}:secret:"
    context: dict[str, list[str]] = {}
    tags = response._get_param("Tags") or []
    if tags:
        # aws:RequestTag/<key> and aws:TagKeys: the tags a request sets (CreateSecret, TagResource).
        for tag in tags:
            context[f"aws:requesttag/{tag['Key']}".lower()] = [tag.get("Value", "")]
        context["aws:tagkeys"] = [tag["Key"] for tag in tags]
    if response._get_param("TagKeys"):
        context["aws:tagkeys"] = list(response._get_param("TagKeys"))
    for key, param in (("secretsmanager:versionstage", "VersionStage"), ("secretsmanager:versionid", "VersionId")):
        if response._get_param(param):
            context[key] = [response._get_param(param)]
    if operation in _ACCOUNT_LEVEL_ACTIONS:
        return "*", None, context, None
    if operation == "CreateSecret":
        name = response._get_param("Name") or ""
        context["secretsmanager:name"] = [name]
        # The new secret's ARN ends in a random 6-character suffix that does not exist yet.
        return f"{prefix}{name}-??????", name, context, None
    secret_id = response._get_param("SecretId") or ""
    secret = backend.secrets.get(secret_id) if secret_id else None
    if secret is None:
        # AWS authorizes before it looks the secret up: no permission, no "not found" either.
        arn = secret_id if secret_id.startswith("arn:") else f"{prefix}{secret_id}-??????"
        return arn, secret_id, context, None
    context.update(policies.secret_keys(secret))
    return secret.arn, secret_id, context, getattr(secret, "policy", None)


def authorize(response) -> None:
    """Allow this Secrets Manager request, or raise AccessDeniedException as AWS words it."""
    iam_request = _iam_request(response)
    iam_request.check_signature()
    operation = response._get_action()
    action = f"secretsmanager:{operation}"
    resource, given, context, resource_policy = _secret_context(response, operation)
    principal = iam_request._access_key.arn
    context.update(principal_keys(principal))
    request = policies.Request(principal, action, resource, context)
    identity_policies = iam_request._access_key.collect_policies()
    reason = policies.decide(request, identity_policies, resource_policy)
    if reason != policies.ALLOWED:
        raise SecretsManagerClientError("AccessDeniedException", policies.denial_message(request, reason, given))
    caller.identity = (principal, identity_policies)
    for check in AFTER_ALLOW:
        check(response, operation, principal, identity_policies)


def principal_keys(principal: str) -> dict[str, list[str]]:
    """The condition keys a request's principal brings: its ARN, and for an IAM user or role of the mock its name,
    id, type, account and tags.

    IAM User Guide, "AWS global condition context keys": aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType
    ("User", "AssumedRole", "Account", ...), aws:userid (a user's unique id), aws:username ("This key is included
    in the request context for IAM users only"; a role's session has none), and aws:PrincipalTag/tag-key ("the tag
    attached to the principal making the request ... If the principal making the request does not have the tag
    attached, the key is not present in the request context").
    """
    from moto.iam.models import iam_backends

    account = principal.split(":")[4]
    keys: dict[str, list[str]] = {"aws:principalarn": [principal], "aws:principalaccount": [account]}
    kind, _, name = principal.split(":", 5)[-1].partition("/")
    iam = iam_backends[account]["aws"]
    entity = None
    if kind == "user":
        entity = iam.users.get(name.rsplit("/", 1)[-1])
        keys["aws:principaltype"] = ["User"]
        if entity is not None:
            keys["aws:username"] = [entity.name]
            keys["aws:userid"] = [entity.id]
    elif kind == "root":
        keys["aws:principaltype"] = ["Account"]
        keys["aws:userid"] = [account]
    elif kind in ("role", "assumed-role"):
        keys["aws:principaltype"] = ["AssumedRole"]
        entity = iam.roles.get(name.split("/", 1)[0]) or next(
            (role for role in iam.roles.values() if role.name == name.split("/", 1)[0]), None
        )
    tags = []
    if entity is not None:
        tags = iam.tagger.list_tags_for_resource(entity.arn)["Tags"] if kind == "user" else list(entity.tags or [])
    for tag in tags:
        keys[f"aws:principaltag/{tag['Key']}".lower()] = [tag["Value"]]
    return keys


def kms_decrypt_allowed(response, operation: str, principal: str, identity_policies: list) -> None:
    """For GetSecretValue on a secret with a customer managed key: kms:Decrypt on that key."""
    if operation != "GetSecretValue":
        return
    secret = response.backend.secrets.get(response._get_param("SecretId") or "")
    _require_kms_decrypt(secret, principal, identity_policies, response.region, response.current_account)


def _require_kms_decrypt(secret, principal: str, identity_policies: list, region: str, account: str) -> None:
    from moto.kms.models import kms_backends

    key_id = getattr(secret, "kms_key_id", None)
    if secret is None or key_id in (None, SecretsManagerBackend.DEFAULT_KMS_KEY_ALIAS):
        return  # the AWS managed key aws/secretsmanager: usable by anyone the secret's policies allow
    kms = kms_backends[account][region]
    try:
        key = kms.describe_key(key_id)
    except Exception:  # a key moto does not know: nothing to evaluate
        return
    context = {"kms:viaservice": [f"secretsmanager.{region}.amazonaws.com"], **principal_keys(principal)}
    request = policies.Request(principal, "kms:Decrypt", key.arn, context)
    if policies.decide(request, identity_policies, key.policy) != policies.ALLOWED:
        raise SecretsManagerClientError("AccessDeniedException", KMS_NOT_ALLOWED)


def caller_may(response, action: str) -> bool | None:
    """May this request's caller do `action` on "*"? None for the workbook's keys or no enforcement."""
    identity = getattr(caller, "identity", None)
    if identity is None:
        return None
    principal, identity_policies = identity
    request = policies.Request(principal, action, "*", principal_keys(principal))
    return policies.decide(request, identity_policies) == policies.ALLOWED


def filter_batch(response_text: str, region: str, account: str) -> str:
    """BatchGetSecretValue's answer with each secret the caller may not read moved to Errors."""
    identity = getattr(caller, "identity", None)
    if identity is None:
        return response_text
    principal, identity_policies = identity
    from moto.secretsmanager.models import secretsmanager_backends

    backend = secretsmanager_backends[account][region]
    answer = json.loads(response_text)
    allowed = []
    for value in answer.get("SecretValues", []):
        secret = backend.secrets.get(value["ARN"])
        context = {**principal_keys(principal), **policies.secret_keys(secret)}
        request = policies.Request(principal, "secretsmanager:GetSecretValue", secret.arn, context)
        reason = policies.decide(request, identity_policies, secret.policy)
        message = None
        if reason != policies.ALLOWED:
            message = policies.denial_message(request, reason, value["Name"])
        else:
            try:
                _require_kms_decrypt(secret, principal, identity_policies, region, account)
            except SecretsManagerClientError as error:
                message = error.message
        if message is None:
            allowed.append(value)
        else:
            error = {"SecretId": value["Name"], "ErrorCode": "AccessDeniedException", "Message": message}
            answer.setdefault("Errors", []).append(error)
    answer["SecretValues"] = allowed
    return json.dumps(answer)
