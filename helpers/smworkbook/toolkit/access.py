"""Access control in this kernel's mock: switch policy enforcement on, make identities, act as them.

    from smworkbook.toolkit import access
    access.enforce_policies()                       # this kernel's mock now checks IAM policies
    app = access.create_user("orders-app")          # an IAM user with an access key, no policy yet
    access.put_user_policy(app, {...})              # attach an inline policy
    sm = aws.client_as(app, "secretsmanager")       # a boto3 client that signs as that user
    access.simulate(app, "secretsmanager:GetSecretValue", "orders-db")   # what AWS would decide

The workbook's own keys are the account's administrator: they are always allowed, so the
set-up lines of a lesson keep working while enforcement is on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import botocore.exceptions

from smworkbook.engine import enforcement, policies
from smworkbook.engine.errors import WorkbookError
from smworkbook.toolkit.mock import current, require_mock

_NEVER = float("inf")


@dataclass(frozen=True)
class Identity:
    """An IAM user of the mock and its access key. Get one with `access.create_user(name)`."""

    name: str
    arn: str
    access_key_id: str
    secret_access_key: str

    def __repr__(self) -> str:
        return f"<Identity {self.arn}>"


def enforce_policies(on: bool = True) -> None:
    """Make this kernel's mock check IAM policies on every request (or stop, with on=False).

    Only this kernel's mock is affected: each kernel runs its own. `aws.reset()` switches it off.
    """
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    if not isinstance(on, bool):
        raise WorkbookError(f"enforce_policies() takes True or False, not {on!r}.")
    if on:
        require_mock("IAM policy enforcement")  # a clear error if the set-up cell was not run
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0 if on else _NEVER
    ActionAuthenticatorMixin.request_count = 0


def policies_enforced() -> bool:
    """Is this kernel's mock checking IAM policies?"""
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    return ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT


def _iam():
    return require_mock("IAM users and policies").client("iam")


def _policy_text(policy) -> str:
    """The policy as JSON text; a short clear error when it is neither a dict nor JSON."""
    if isinstance(policy, dict):
        return json.dumps(policy)
    if isinstance(policy, str):
        try:
            parsed = json.loads(policy)
        except json.JSONDecodeError as error:
            where = f"line {error.lineno}, column {error.colno}"
            raise WorkbookError(f"The policy is not valid JSON: {error.msg} ({where}).") from None
        if isinstance(parsed, dict):
            return policy
    raise WorkbookError(f"A policy is a dict like {{'Version': '2012-10-17', 'Statement': [...]}}, not {policy!r:.60}.")


def _require_name(name) -> None:
    if not isinstance(name, str) or not name.strip():
        raise WorkbookError(f"An IAM user name must be a non-empty string, not {name!r}.")


def delete_user(name: str) -> None:
    """Delete the IAM user `name` with its access keys, inline policies and group memberships."""
    _require_name(name)
    iam = _iam()
    try:
        for key in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
            iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
        for policy_name in iam.list_user_policies(UserName=name)["PolicyNames"]:
            iam.delete_user_policy(UserName=name, PolicyName=policy_name)
        for policy in iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]:
            iam.detach_user_policy(UserName=name, PolicyArn=policy["PolicyArn"])
        for group in iam.list_groups_for_user(UserName=name)["Groups"]:
            iam.remove_user_from_group(UserName=name, GroupName=group["GroupName"])
        iam.delete_user(UserName=name)
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchEntity":
            raise


def create_user(name: str, policy=None, tags: dict[str, str] | None = None) -> Identity:
    """A brand-new IAM user `name` with one access key (any old user of that name is deleted first).

    With `policy` (a dict or JSON text) it gets that inline policy too; without, it may do nothing.
    With `tags` ({"team": "payments"}) the user carries those IAM tags: policies read them as
    aws:PrincipalTag/<key>.
    """
    if tags is not None and not (isinstance(tags, dict) and all(isinstance(v, str) for v in [*tags, *tags.values()])):
        raise WorkbookError(f"tags is a dict of strings like {{'team': 'payments'}}, not {tags!r:.60}.")
    delete_user(name)
    iam = _iam()
    tag_list = [{"Key": key, "Value": value} for key, value in (tags or {}).items()]
    user = iam.create_user(UserName=name, **({"Tags": tag_list} if tag_list else {}))["User"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    identity = Identity(name, user["Arn"], key["AccessKeyId"], key["SecretAccessKey"])
    if policy is not None:
        put_user_policy(identity, policy)
    return identity


def put_user_policy(identity: Identity, policy, name: str = "inline") -> None:
    """Attach `policy` (a dict or JSON text) to the user as the inline policy `name` (replacing it)."""
    _require_identity(identity)
    try:
        _iam().put_user_policy(UserName=identity.name, PolicyName=name, PolicyDocument=_policy_text(policy))
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] == "MalformedPolicyDocument":
            raise WorkbookError(f"IAM refused the policy: {error.response['Error']['Message']}") from None
        raise


def client_as(identity: Identity, service: str = "secretsmanager"):
    """A boto3 client for `service` on this kernel's mock that signs its requests as `identity`."""
    _require_identity(identity)
    return current().client_as(identity, service)


def simulate(identity: Identity | str, action: str, secret_id: str | None = None) -> str:
    """What AWS would decide for `identity` (an Identity or an IAM user name) doing `action` on a
    secret, without doing it.

    Returns "allowed", "implicit deny", "explicit deny in an identity-based policy" or
    "explicit deny in a resource-based policy". Like IAM's policy simulator, it reads the
    user's policies (inline, attached, and those of its groups) and the secret's resource policy.
    """
    from smworkbook.toolkit import graded

    if graded.active():  # the grader's mock holds the policies: it decides
        name = identity.name if isinstance(identity, Identity) else identity
        return graded.ask("/simulate", {"identity": name, "action": action, "secret_id": secret_id})
    if isinstance(identity, str):
        identity = _identity_of(identity)
    _require_identity(identity)
    if not isinstance(action, str) or ":" not in action:
        raise WorkbookError(f"An action looks like 'secretsmanager:GetSecretValue', not {action!r}.")
    from moto.backends import get_backend
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iam.access_control import IAMUserAccessKey

    aws = current()
    key = IAMUserAccessKey(DEFAULT_ACCOUNT_ID, "aws", identity.access_key_id, {})
    context: dict[str, list[str]] = enforcement.principal_keys(identity.arn)
    resource, resource_policy = "*", None
    if secret_id is not None:
        secret = get_backend("secretsmanager")[DEFAULT_ACCOUNT_ID][aws.region].secrets.get(secret_id)
        if secret is None:
            raise WorkbookError(f"There is no secret called {secret_id!r}.")
        resource, resource_policy = secret.arn, secret.policy
        context.update(policies.secret_keys(secret))
    request = policies.Request(identity.arn, action, resource, context)
    return policies.decide(request, key.collect_policies(), resource_policy)


def _identity_of(user_name: str) -> Identity:
    """The Identity of an existing IAM user, by name (its first access key)."""
    _require_name(user_name)
    iam = _iam()
    try:
        arn = iam.get_user(UserName=user_name)["User"]["Arn"]
    except botocore.exceptions.ClientError:
        raise WorkbookError(f"There is no IAM user called {user_name!r}.") from None
    keys = iam.list_access_keys(UserName=user_name)["AccessKeyMetadata"]
    if not keys:
        raise WorkbookError(f"{user_name} has no access key, so it can't make requests.")
    return Identity(user_name, arn, keys[0]["AccessKeyId"], "")


def _require_identity(identity) -> None:
    if not isinstance(identity, Identity):
        raise WorkbookError(f"Pass an identity made by access.create_user(...), not {identity!r:.60}.")
