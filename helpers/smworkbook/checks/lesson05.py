"""Checks for lesson 5: access control with IAM policies and resource policies.

Each set-up switches policy enforcement on and makes the identity the exercise is about. Each
check then acts as that identity: it makes the calls the policy should allow and the calls it
should forbid, and fails with a hint saying whether the policy is too narrow or too broad.
"""

from __future__ import annotations

import json

import botocore.exceptions

from smworkbook.checks import _values
from smworkbook.checks._hints import policy_summary
from smworkbook.checks._registry import exercise, prepares, require
from smworkbook.engine import policies
from smworkbook.engine.errors import CheckFailed
from smworkbook.toolkit import access
from smworkbook.toolkit.mock import current

ARN_PREFIX = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"

APP = "lesson05-orders-app"
ORDERS_DB = "lesson05/orders-db"
ORDERS_BACKUP = "lesson05/orders-db-backup"
PAYMENTS_DB = "lesson05/payments-db"

OPERATOR = "lesson05-operator"
TEAM_GROUP = "lesson05-secrets-team"
REPORTING_API = "lesson05/reporting-api"
TEAM_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "secretsmanager:*", "Resource": f"{ARN_PREFIX}lesson05/*"}],
}

DEVELOPER = "lesson05-payments-dev"
STRIPE = "lesson05/payments/stripe"
LEGACY = "lesson05/payments/legacy"
SMTP = "lesson05/orders/smtp"
WEBHOOK = "lesson05/billing/webhook"

ANALYST = "lesson05-analyst"
INTERN = "lesson05-intern"
REPORT_KEY = "lesson05/shared-report-key"

# The identities the set-ups made, by exercise number.
_prepared: dict[str, dict[str, access.Identity]] = {}


def _identity(number: str, name: str) -> access.Identity:
    identity = _prepared.get(number, {}).get(name)
    require(identity, "Run the exercise's set-up cell first (it creates the identity and its secrets).")
    return identity


def _attempt(call) -> str | None:
    """None if the call was allowed, else AWS's AccessDeniedException message."""
    try:
        call()
    except botocore.exceptions.ClientError as error:
        code = error.response["Error"]["Code"]
        if code == "AccessDeniedException":
            return error.response["Error"]["Message"]
        if code in ("ResourceNotFoundException", "InvalidRequestException"):
            raise CheckFailed("A secret of this exercise was deleted or changed. Run the set-up cell again.") from None
        raise
    return None


def _reads(client, name: str) -> str | None:
    return _attempt(lambda: client.get_secret_value(SecretId=name))


def user_policy_documents(user: str) -> list[dict]:
    iam = current().client("iam")
    documents = []
    for name in iam.list_user_policies(UserName=user)["PolicyNames"]:
        documents.append(iam.get_user_policy(UserName=user, PolicyName=name)["PolicyDocument"])
    for attached in iam.list_attached_user_policies(UserName=user)["AttachedPolicies"]:
        policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
        version = iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=policy["DefaultVersionId"])
        documents.append(version["PolicyVersion"]["Document"])
    return [json.loads(d) if isinstance(d, str) else d for d in documents]


def _require_a_policy(user: str) -> list[dict]:
    documents = user_policy_documents(user)
    require(
        documents,
        f"{user} has no policy yet. Attach yours with iam.put_user_policy(UserName={user!r}, "
        "PolicyName=..., PolicyDocument=json.dumps(policy)).",
    )
    return documents


def _elsewhere(documents: list[dict], name: str) -> str:
    """The hint for a Resource ARN that names the secret in another account or Region ("" if none does): an ARN is
    arn:partition:service:region:account-id:resource (IAM User Guide, "IAM ARNs"), and a policy's ARN matches only
    the secret's own Region and account."""
    account, region = ARN_PREFIX.split(":")[4], ARN_PREFIX.split(":")[3]
    for document in documents:
        statements = document.get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            resources = statement.get("Resource", []) if isinstance(statement, dict) else []
            for resource in [resources] if isinstance(resources, str) else resources:
                parts = resource.split(":") if isinstance(resource, str) else []
                if len(parts) < 6 or name not in resource or (parts[3], parts[4]) == (region, account):
                    continue
                return (
                    f"Your Resource {resource} names Region {parts[3] or '(none)'} and account "
                    f"{parts[4] or '(none)'}; {name} is in Region {region}, account {account} "
                    f"({ARN_PREFIX}{name}-??????)."
                )
    return ""


def _mentions(documents: list[dict], text: str) -> bool:
    return text.lower() in json.dumps(documents).lower()


def _fresh_secret(name: str, **tags: str) -> None:
    value = json.dumps({"password": _values.password()})
    tag_list = [{"Key": key, "Value": value} for key, value in tags.items()]
    current().ensure_secret(name, SecretString=value, **({"Tags": tag_list} if tag_list else {}))


def _delete_group(name: str) -> None:
    iam = current().client("iam")
    try:
        for user in iam.get_group(GroupName=name)["Users"]:
            iam.remove_user_from_group(GroupName=name, UserName=user["UserName"])
        for policy_name in iam.list_group_policies(GroupName=name)["PolicyNames"]:
            iam.delete_group_policy(GroupName=name, PolicyName=policy_name)
        iam.delete_group(GroupName=name)
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchEntity":
            raise


# 5.1 ------------------------------------------------------------------------------------------


@exercise("5.1", "least privilege: an application reads its one secret")
def check_least_privilege() -> str:
    app = _identity("5.1", APP)
    access.enforce_policies()
    documents = _require_a_policy(APP)
    client = current().client_as(app)
    yours = f"(your policy: {policy_summary(documents)})"
    denial = _reads(client, ORDERS_DB)
    if denial:
        hint = f"Too narrow: the app can't read {ORDERS_DB} {yours}. AWS says: {denial}. "
        if not _mentions(documents, "GetSecretValue") and not _mentions(documents, "secretsmanager:*"):
            hint += "Allow the action secretsmanager:GetSecretValue."
        elif elsewhere := _elsewhere(documents, ORDERS_DB):
            hint += elsewhere
        else:
            hint += (
                "Check the Resource: a secret's ARN ends in its name, a hyphen and 6 random characters "
                f"(e.g. {ARN_PREFIX}{ORDERS_DB}-AbCdEf), so end it in -??????."
            )
        raise CheckFailed(hint)
    require(
        _reads(client, PAYMENTS_DB),
        f"Too broad: the app can also read {PAYMENTS_DB} {yours}. Name only the orders-db secret in Resource, not *.",
    )
    require(
        _reads(client, ORDERS_BACKUP),
        f"Too broad: the app can also read {ORDERS_BACKUP} {yours}, because a * after the name matches longer names. "
        "End the ARN in -?????? (exactly six characters) instead.",
    )
    require(
        _attempt(lambda: client.put_secret_value(SecretId=ORDERS_DB, SecretString='{"changed": true}')),
        f"Too broad: the app can change its secret (PutSecretValue) {yours}. It only reads: allow only "
        "secretsmanager:GetSecretValue, not secretsmanager:*.",
    )
    require(
        _attempt(lambda: client.list_secrets()),
        f"Too broad: the app can list every secret in the account {yours}. It needs only GetSecretValue.",
    )
    return f"{APP} reads {ORDERS_DB} and nothing else."


@prepares("5.1")
def prepare_least_privilege() -> str:
    access.enforce_policies()
    for name in (ORDERS_DB, ORDERS_BACKUP, PAYMENTS_DB):
        _fresh_secret(name)
    _prepared["5.1"] = {APP: access.create_user(APP)}
    return f"{APP} exists with no policy; secrets {ORDERS_DB}, {ORDERS_BACKUP} and {PAYMENTS_DB} exist."


# 5.2 ------------------------------------------------------------------------------------------


@exercise("5.2", "an operator who may rotate but not read")
def check_rotate_not_read() -> str:
    operator = _identity("5.2", OPERATOR)
    access.enforce_policies()
    iam = current().client("iam")
    try:
        members = [user["UserName"] for user in iam.get_group(GroupName=TEAM_GROUP)["Users"]]
        team_policies = iam.list_group_policies(GroupName=TEAM_GROUP)["PolicyNames"]
    except botocore.exceptions.ClientError:
        raise CheckFailed(f"The group {TEAM_GROUP} is gone. Run the set-up cell again.") from None
    changed = f"{OPERATOR} is no longer in {TEAM_GROUP} (its members: {members})" if OPERATOR not in members else ""
    changed = changed or ("" if team_policies else f"{TEAM_GROUP} has no policy left")
    require(
        not changed,
        f"{changed}. Leave {TEAM_GROUP} and its policy as they are (the rest of the team needs them); "
        f"change only what {OPERATOR} may do. Run the set-up cell again.",
    )
    documents = _require_a_policy(OPERATOR)
    yours = f"(your policy: {policy_summary(documents)})"
    client = current().client_as(operator)
    if _reads(client, REPORTING_API) is None:
        if not any(s.get("Effect") == "Deny" for d in documents for s in _statements(d) if isinstance(s, dict)):
            raise CheckFailed(
                f"Too broad: the operator can still read the secret {yours}. An Allow can't take away what the "
                "group's policy grants: only an explicit Deny of secretsmanager:GetSecretValue can."
            )
        raise CheckFailed(
            f"Too broad: the operator can still read the secret {yours}. Your Deny must cover "
            "secretsmanager:GetSecretValue on every secret (Resource *)."
        )
    needs = {
        "describe it": _attempt(lambda: client.describe_secret(SecretId=REPORTING_API)),
        "put a new value": _attempt(lambda: client.put_secret_value(SecretId=REPORTING_API, SecretString="{}")),
    }
    for action in ("RotateSecret", "UpdateSecretVersionStage"):
        decision = access.simulate(operator, f"secretsmanager:{action}", REPORTING_API)
        needs[f"call {action}"] = None if decision == policies.ALLOWED else decision
    blocked = [what for what, denial in needs.items() if denial]
    require(
        not blocked,
        f"Too broad a Deny: the operator can no longer {', '.join(blocked)} {yours}. Deny only "
        "secretsmanager:GetSecretValue; rotating needs the rest.",
    )
    return f"{OPERATOR} can rotate, describe and update {REPORTING_API} but never read its value."


def _statements(document: dict) -> list[dict]:
    statement = document.get("Statement", []) if isinstance(document, dict) else []
    return statement if isinstance(statement, list) else [statement]


@prepares("5.2")
def prepare_rotate_not_read() -> str:
    access.enforce_policies()
    _fresh_secret(REPORTING_API)
    _delete_group(TEAM_GROUP)
    operator = access.create_user(OPERATOR)
    iam = current().client("iam")
    iam.create_group(GroupName=TEAM_GROUP)
    iam.put_group_policy(GroupName=TEAM_GROUP, PolicyName="team-secrets", PolicyDocument=json.dumps(TEAM_POLICY))
    iam.add_user_to_group(GroupName=TEAM_GROUP, UserName=OPERATOR)
    _prepared["5.2"] = {OPERATOR: operator}
    return f"{OPERATOR} is in {TEAM_GROUP}, whose policy allows secretsmanager:* on lesson05/*."


# 5.3 ------------------------------------------------------------------------------------------


@exercise("5.3", "tag-based access for a team")
def check_tag_based() -> str:
    developer = _identity("5.3", DEVELOPER)
    access.enforce_policies()
    documents = _require_a_policy(DEVELOPER)
    yours = f"(your policy: {policy_summary(documents)})"
    client = current().client_as(developer)
    denial = _reads(client, STRIPE)
    if denial:
        hint = f"Too narrow: the developer can't read {STRIPE} (tagged team=payments) {yours}. AWS says: {denial}. "
        if _mentions(documents, "RequestTag"):
            hint += (
                "aws:RequestTag is a tag sent in the request (e.g. by CreateSecret); the secret's own tags "
                "are secretsmanager:ResourceTag/team."
            )
        else:
            hint += 'Use "Condition": {"StringEquals": {"secretsmanager:ResourceTag/team": "payments"}}.'
        raise CheckFailed(hint)
    require(
        _attempt(lambda: client.describe_secret(SecretId=STRIPE)) is None,
        f"Too narrow: the developer can read the value but not describe the secret {yours}. Allow "
        "secretsmanager:DescribeSecret too.",
    )
    require(
        _reads(client, SMTP),
        f"Too broad: the developer can read {SMTP}, which is tagged team=orders {yours}. Allow only secrets whose "
        "tag team is payments.",
    )
    require(
        _reads(client, LEGACY),
        f"Too broad: the developer can read {LEGACY}, which has no team tag {yours}. Grant by the tag, not by the "
        "name.",
    )
    # Attribute-based access: a secret tagged later is covered with no change to the policy.
    _fresh_secret(WEBHOOK, team="payments")
    require(
        _reads(client, WEBHOOK) is None,
        f"Too narrow: a new secret tagged team=payments ({WEBHOOK}) can't be read {yours}. Grant by the tag "
        "(secretsmanager:ResourceTag/team) rather than listing secrets by name or path.",
    )
    return f"{DEVELOPER} reads every secret tagged team=payments, now and later, and no other."


@prepares("5.3")
def prepare_tag_based() -> str:
    access.enforce_policies()
    current().ensure_absent(WEBHOOK)
    _fresh_secret(STRIPE, team="payments")
    _fresh_secret(SMTP, team="orders")
    _fresh_secret(LEGACY)
    _prepared["5.3"] = {DEVELOPER: access.create_user(DEVELOPER)}
    return f"{DEVELOPER} has no policy; {STRIPE} is tagged team=payments, {SMTP} team=orders, {LEGACY} untagged."


# 5.4 ------------------------------------------------------------------------------------------


@exercise("5.4", "a resource policy that shares one secret with one user")
def check_resource_policy() -> str:
    analyst = _identity("5.4", ANALYST)
    intern = _identity("5.4", INTERN)
    access.enforce_policies()
    attached = current().client("secretsmanager").get_resource_policy(SecretId=REPORT_KEY)
    require(
        attached.get("ResourcePolicy"),
        f"{REPORT_KEY} has no resource policy yet. Attach one with client.put_resource_policy(SecretId=..., "
        "ResourcePolicy=json.dumps(policy), BlockPublicPolicy=True).",
    )
    yours = f"(your resource policy: {policy_summary([json.loads(attached['ResourcePolicy'])])})"
    analyst_client = current().client_as(analyst)
    denial = _reads(analyst_client, REPORT_KEY)
    if denial:
        raise CheckFailed(
            f"Too narrow: the analyst can't read {REPORT_KEY} {yours}. AWS says: {denial}. The statement needs "
            f'"Principal": {{"AWS": "{analyst.arn}"}} and the action secretsmanager:GetSecretValue.'
        )
    require(
        _reads(current().client_as(intern), REPORT_KEY),
        f"Too broad: {INTERN} can read it too {yours}. A Principal of * means everyone (in every account); name "
        "the analyst's ARN.",
    )
    require(
        _attempt(lambda: analyst_client.put_secret_value(SecretId=REPORT_KEY, SecretString="{}")),
        f"Too broad: the analyst can change the secret {yours}. Allow only secretsmanager:GetSecretValue.",
    )
    return f"{REPORT_KEY} is readable by {ANALYST} alone, through its resource policy."


@prepares("5.4")
def prepare_resource_policy() -> str:
    access.enforce_policies()
    _fresh_secret(REPORT_KEY)
    _prepared["5.4"] = {ANALYST: access.create_user(ANALYST), INTERN: access.create_user(INTERN)}
    return f"{ANALYST} and {INTERN} exist with no IAM policies; {REPORT_KEY} has no resource policy."


# 5.5 ------------------------------------------------------------------------------------------

BILLING_APP = "lesson05-billing-app"
BILLING_API = "lesson05/billing-api"
BILLING_ADMIN = "lesson05/billing-admin"
BROKEN_POLICY_NAME = "billing-read"
BROKEN_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecret",
            "Resource": "arn:aws:secretsmanager:us-west-2:123456789012:secret:lesson05/billing-api-??????",
        }
    ],
}


@exercise("5.5", "debug a denial and fix the policy")
def check_debug_denial() -> str:
    app = _identity("5.5", BILLING_APP)
    access.enforce_policies()
    documents = _require_a_policy(BILLING_APP)
    yours = f"(your policy: {policy_summary(documents)})"
    client = current().client_as(app)
    denial = _reads(client, BILLING_API)
    if denial:
        text = json.dumps(documents)
        hint = f"The app still can't read {BILLING_API} {yours}. AWS says: {denial}. "
        if '"secretsmanager:GetSecret"' in text:
            hint += "The message names the action to allow: secretsmanager:GetSecret is not it."
        elif ":us-west-2:" in text:
            hint += "Compare the Resource with the secret's ARN (describe_secret): look at the region."
        else:
            hint += "Compare the policy's Action and Resource with the action and the secret's ARN."
        raise CheckFailed(hint)
    require(
        _reads(client, BILLING_ADMIN),
        f"Too broad: the app can now read {BILLING_ADMIN} too {yours}. Fix the policy; don't widen it to *.",
    )
    return f"{BILLING_APP} reads {BILLING_API} again, and still nothing else."


@prepares("5.5")
def prepare_debug_denial() -> str:
    access.enforce_policies()
    _fresh_secret(BILLING_API)
    _fresh_secret(BILLING_ADMIN)
    _prepared["5.5"] = {BILLING_APP: access.create_user(BILLING_APP)}
    access.put_user_policy(_prepared["5.5"][BILLING_APP], BROKEN_POLICY, name=BROKEN_POLICY_NAME)
    return f"{BILLING_APP} has the policy {BROKEN_POLICY_NAME!r}, which should let it read {BILLING_API} but doesn't."
