"""Policy enforcement in the mock, as a learner meets it through smworkbook.access.

Each test acts as an IAM user of the mock and asserts what AWS documents (Secrets Manager user
guide, "Determine who has permissions to your secrets"; IAM User Guide, "Policy evaluation
logic"): an explicit Deny wins, then an Allow that matches action AND resource (and condition),
else an implicit deny, answered as AccessDeniedException.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

import smworkbook
from smworkbook import WorkbookError
from smworkbook.toolkit import access

ACCOUNT = "123456789012"
PREFIX = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:"


def allow(action, resource, **extra) -> dict:
    statement = {"Effect": "Allow", "Action": action, "Resource": resource, **extra}
    return {"Version": "2012-10-17", "Statement": [statement]}


def denied(call) -> dict:
    with pytest.raises(ClientError) as raised:
        call()
    error = raised.value.response["Error"]
    assert error["Code"] == "AccessDeniedException", error
    return error


@pytest.fixture
def secrets(sm):
    """Three secrets: orders-db (team=orders), orders-db-backup and payments-db (team=payments)."""
    made = {}
    for name, team in (("orders-db", "orders"), ("orders-db-backup", "orders"), ("payments-db", "payments")):
        made[name] = sm.create_secret(Name=name, SecretString=f"{name}-value", Tags=[{"Key": "team", "Value": team}])
    return made


def test_a_user_with_no_policy_is_denied_everything(enforced, secrets):
    app = access.create_user("app")
    client = enforced.client_as(app)
    error = denied(lambda: client.get_secret_value(SecretId="orders-db"))
    assert error["Message"] == (
        f"User: arn:aws:iam::{ACCOUNT}:user/app is not authorized to perform: secretsmanager:GetSecretValue "
        "on resource: orders-db because no identity-based policy allows the secretsmanager:GetSecretValue action"
    )
    error = denied(lambda: client.list_secrets())
    assert "perform: secretsmanager:ListSecrets because no identity-based policy" in error["Message"]


def test_allow_on_one_arn_with_suffix_wildcard_reads_that_secret_only(enforced, secrets):
    app = access.create_user("app", allow("secretsmanager:GetSecretValue", f"{PREFIX}orders-db-??????"))
    client = enforced.client_as(app)
    assert client.get_secret_value(SecretId="orders-db")["SecretString"] == "orders-db-value"
    assert client.get_secret_value(SecretId=secrets["orders-db"]["ARN"])["SecretString"] == "orders-db-value"
    denied(lambda: client.get_secret_value(SecretId="payments-db"))
    # -?????? is exactly six characters: the longer name orders-db-backup-XXXXXX does not match.
    denied(lambda: client.get_secret_value(SecretId="orders-db-backup"))
    # Only the action allowed: writing the same secret is denied, and nothing was written.
    denied(lambda: client.put_secret_value(SecretId="orders-db", SecretString="changed"))
    assert enforced.client("secretsmanager").get_secret_value(SecretId="orders-db")["SecretString"] == "orders-db-value"


def test_a_star_after_the_name_also_matches_longer_names(enforced, secrets):
    app = access.create_user("app", allow("secretsmanager:GetSecretValue", f"{PREFIX}orders-db*"))
    client = enforced.client_as(app)
    assert client.get_secret_value(SecretId="orders-db-backup")["SecretString"] == "orders-db-backup-value"
    denied(lambda: client.get_secret_value(SecretId="payments-db"))


def test_an_arn_without_its_suffix_matches_nothing(enforced, secrets):
    app = access.create_user("app", allow("secretsmanager:GetSecretValue", f"{PREFIX}orders-db"))
    denied(lambda: enforced.client_as(app).get_secret_value(SecretId="orders-db"))


def test_explicit_deny_wins_over_an_allow(enforced, secrets):
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "secretsmanager:GetSecretValue", "Resource": "*"},
        ],
    }
    admin = access.create_user("admin", policy)
    client = enforced.client_as(admin)
    client.put_secret_value(SecretId="orders-db", SecretString="rotated")
    assert client.describe_secret(SecretId="orders-db")["Name"] == "orders-db"
    error = denied(lambda: client.get_secret_value(SecretId="orders-db"))
    assert error["Message"].endswith("on resource: orders-db with an explicit deny in an identity-based policy")


def test_a_deny_in_a_group_policy_applies_to_its_members(enforced, secrets):
    iam = enforced.client("iam")
    iam.create_group(GroupName="no-readers")
    deny = {"Effect": "Deny", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
    iam.put_group_policy(
        GroupName="no-readers",
        PolicyName="deny-read",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [deny]}),
    )
    user = access.create_user("member", allow("secretsmanager:GetSecretValue", "*"))
    iam.add_user_to_group(GroupName="no-readers", UserName="member")
    assert "explicit deny" in denied(lambda: enforced.client_as(user).get_secret_value(SecretId="orders-db"))["Message"]


def test_managed_policies_attached_to_a_user_count(enforced, secrets):
    iam = enforced.client("iam")
    arn = iam.create_policy(
        PolicyName="read-orders", PolicyDocument=json.dumps(allow("secretsmanager:GetSecretValue", f"{PREFIX}orders-*"))
    )["Policy"]["Arn"]
    user = access.create_user("reader")
    iam.attach_user_policy(UserName="reader", PolicyArn=arn)
    assert enforced.client_as(user).get_secret_value(SecretId="orders-db")["SecretString"] == "orders-db-value"


@pytest.mark.parametrize("key", ["secretsmanager:ResourceTag/team", "aws:ResourceTag/team"])
def test_tag_condition_allows_only_secrets_with_that_tag(enforced, secrets, key):
    policy = allow("secretsmanager:GetSecretValue", "*", Condition={"StringEquals": {key: "payments"}})
    dev = access.create_user("payments-dev", policy)
    client = enforced.client_as(dev)
    assert client.get_secret_value(SecretId="payments-db")["SecretString"] == "payments-db-value"
    denied(lambda: client.get_secret_value(SecretId="orders-db"))
    # A secret tagged later is covered at once, with no change to the policy.
    enforced.client("secretsmanager").create_secret(
        Name="payments-api", SecretString="k", Tags=[{"Key": "team", "Value": "payments"}]
    )
    assert client.get_secret_value(SecretId="payments-api")["SecretString"] == "k"
    enforced.client("secretsmanager").create_secret(Name="untagged", SecretString="u")
    denied(lambda: client.get_secret_value(SecretId="untagged"))


def test_a_condition_that_does_not_hold_makes_a_deny_not_apply(enforced, secrets):
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
                "Condition": {"StringEquals": {"secretsmanager:ResourceTag/team": "payments"}},
            },
        ],
    }
    user = access.create_user("not-payments", policy)
    client = enforced.client_as(user)
    assert client.get_secret_value(SecretId="orders-db")["SecretString"] == "orders-db-value"
    assert "explicit deny" in denied(lambda: client.get_secret_value(SecretId="payments-db"))["Message"]


def test_create_secret_can_require_a_tag_in_the_request(enforced):
    policy = allow("secretsmanager:CreateSecret", "*", Condition={"StringEquals": {"aws:RequestTag/team": "payments"}})
    client = enforced.client_as(access.create_user("creator", policy))
    denied(lambda: client.create_secret(Name="no-tag", SecretString="x"))
    client.create_secret(Name="tagged", SecretString="x", Tags=[{"Key": "team", "Value": "payments"}])
    names = [s["Name"] for s in enforced.client("secretsmanager").list_secrets()["SecretList"]]
    assert names == ["tagged"]


def test_a_denied_request_for_a_missing_secret_is_access_denied_not_not_found(enforced):
    client = enforced.client_as(access.create_user("app"))
    denied(lambda: client.get_secret_value(SecretId="does-not-exist"))


def test_resource_policy_grants_a_named_user_and_no_one_else(enforced, secrets):
    analyst = access.create_user("analyst")
    intern = access.create_user("intern")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": analyst.arn},
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
            }
        ],
    }
    enforced.client("secretsmanager").put_resource_policy(
        SecretId="orders-db", ResourcePolicy=json.dumps(policy), BlockPublicPolicy=True
    )
    assert enforced.client_as(analyst).get_secret_value(SecretId="orders-db")["SecretString"] == "orders-db-value"
    denied(lambda: enforced.client_as(analyst).get_secret_value(SecretId="payments-db"))
    denied(lambda: enforced.client_as(intern).get_secret_value(SecretId="orders-db"))


def test_resource_policy_deny_beats_an_identity_allow(enforced, secrets):
    reader = access.create_user("reader", allow("secretsmanager:GetSecretValue", "*"))
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}],
    }
    enforced.client("secretsmanager").put_resource_policy(SecretId="payments-db", ResourcePolicy=json.dumps(policy))
    client = enforced.client_as(reader)
    assert client.get_secret_value(SecretId="orders-db")["SecretString"] == "orders-db-value"
    error = denied(lambda: client.get_secret_value(SecretId="payments-db"))
    assert error["Message"].endswith("with an explicit deny in a resource-based policy")


def test_an_account_principal_in_a_resource_policy_delegates_and_grants_nothing(enforced, secrets):
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
            }
        ],
    }
    enforced.client("secretsmanager").put_resource_policy(SecretId="orders-db", ResourcePolicy=json.dumps(policy))
    denied(lambda: enforced.client_as(access.create_user("someone")).get_secret_value(SecretId="orders-db"))


def test_the_workbooks_own_keys_are_the_administrator_and_always_allowed(enforced, secrets):
    sm = enforced.client("secretsmanager")
    assert sm.get_secret_value(SecretId="orders-db")["SecretString"] == "orders-db-value"
    enforced.ensure_secret("set-up", SecretString="x")
    assert enforced.client("iam").list_users()["Users"] == []


def test_an_unknown_access_key_is_unrecognized_client(enforced, secrets):
    app = access.create_user("app")
    client = enforced.client_as(app)
    access.delete_user("app")
    with pytest.raises(ClientError) as raised:
        client.get_secret_value(SecretId="orders-db")
    assert raised.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_enforcement_is_off_until_switched_on_and_off_again_after_reset(aws, sm, secrets):
    app = access.create_user("app")
    assert not access.policies_enforced()
    assert aws.client_as(app).get_secret_value(SecretId="orders-db")["SecretString"] == "orders-db-value"
    access.enforce_policies()
    assert access.policies_enforced()
    denied(lambda: aws.client_as(app).get_secret_value(SecretId="orders-db"))
    aws.reset()
    assert not access.policies_enforced()


def test_enforcement_in_one_kernel_does_not_reach_another():
    """Each kernel has its own mock in its own process: switching enforcement on here leaves a
    new process (a stand-in for another kernel) unenforced."""
    from tests.conftest import run_python

    smworkbook.start()
    access.enforce_policies()
    try:
        code = (
            "import smworkbook; from smworkbook import access; aws = smworkbook.start(); "
            "print(access.policies_enforced())"
        )
        assert run_python(code).stdout.strip() == "False"
    finally:
        access.enforce_policies(False)


def test_simulate_says_what_aws_would_decide(enforced, secrets):
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "secretsmanager:*", "Resource": f"{PREFIX}orders-*"},
            {"Effect": "Deny", "Action": "secretsmanager:GetSecretValue", "Resource": "*"},
        ],
    }
    admin = access.create_user("admin", policy)
    assert access.simulate(admin, "secretsmanager:RotateSecret", "orders-db") == "allowed"
    assert access.simulate(admin, "secretsmanager:GetSecretValue", "orders-db") == (
        "explicit deny in an identity-based policy"
    )
    assert access.simulate(admin, "secretsmanager:RotateSecret", "payments-db") == "implicit deny"
    assert access.simulate("admin", "secretsmanager:RotateSecret", "orders-db") == "allowed"


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ('{"Version": "2012-10-17", "Statement": [', "not valid JSON"),
        (["not", "a", "dict"], "A policy is a dict"),
        ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:*"}]}, "resources"),
        (
            {"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "s:x", "Resource": "*"}]},
            "IAM refused the policy",
        ),
    ],
    ids=["truncated JSON", "a list", "no Resource", "bad Effect"],
)
def test_malformed_policy_input_is_a_short_clear_error(enforced, policy, message):
    user = access.create_user("app")
    with pytest.raises(WorkbookError, match=message):
        access.put_user_policy(user, policy)
    assert enforced.client("iam").list_user_policies(UserName="app")["PolicyNames"] == []


@pytest.mark.parametrize(
    "call",
    [
        lambda: access.client_as("app"),
        lambda: access.simulate(None, "secretsmanager:GetSecretValue"),
        lambda: access.create_user(""),
    ],
    ids=["client_as a name", "simulate without identity", "empty name"],
)
def test_bad_arguments_are_short_clear_errors(aws, call):
    with pytest.raises(WorkbookError):
        call()


def test_simulate_rejects_a_malformed_action_and_a_missing_secret(aws):
    app = access.create_user("app")
    with pytest.raises(WorkbookError, match="looks like"):
        access.simulate(app, "GetSecretValue")
    with pytest.raises(WorkbookError, match="no secret called"):
        access.simulate(app, "secretsmanager:GetSecretValue", "missing")
    with pytest.raises(WorkbookError, match="no IAM user called 'nobody'"):
        access.simulate("nobody", "secretsmanager:GetSecretValue")


def test_enforce_policies_false_switches_enforcement_off(enforced, secrets):
    app = access.create_user("app")
    denied(lambda: enforced.client_as(app).get_secret_value(SecretId="orders-db"))
    access.enforce_policies(False)
    assert not access.policies_enforced()
    assert enforced.client_as(app).get_secret_value(SecretId="orders-db")["SecretString"] == "orders-db-value"
    access.enforce_policies(True)
    assert access.policies_enforced()
    denied(lambda: enforced.client_as(app).get_secret_value(SecretId="orders-db"))


def test_enforce_policies_takes_only_true_or_false(aws):
    with pytest.raises(WorkbookError, match="True or False"):
        access.enforce_policies("yes")
    assert not access.policies_enforced()


def _resource_policy(effect: str, principal, action: str = "secretsmanager:GetSecretValue") -> str:
    statement = {"Effect": effect, "Principal": principal, "Action": action, "Resource": "*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_simulate_reads_the_secrets_resource_policy(enforced, secrets):
    """IAM's policy simulator takes a resource-based policy into account (IAM User Guide, "Testing IAM
    policies with the IAM policy simulator"); within one account an Allow in it is enough, and its
    explicit Deny wins over an identity-based Allow (Secrets Manager User Guide, "Determine who has
    permissions to your secrets")."""
    analyst = access.create_user("analyst")
    sm = enforced.client("secretsmanager")
    sm.put_resource_policy(SecretId="orders-db", ResourcePolicy=_resource_policy("Allow", {"AWS": analyst.arn}))
    assert access.simulate(analyst, "secretsmanager:GetSecretValue", "orders-db") == "allowed"
    assert access.simulate(analyst, "secretsmanager:GetSecretValue", "payments-db") == "implicit deny"
    # What simulate says is what the mock then does.
    assert enforced.client_as(analyst).get_secret_value(SecretId="orders-db")["SecretString"] == "orders-db-value"

    reader = access.create_user("reader", allow("secretsmanager:GetSecretValue", "*"))
    sm.put_resource_policy(SecretId="payments-db", ResourcePolicy=_resource_policy("Deny", "*"))
    assert access.simulate(reader, "secretsmanager:GetSecretValue", "payments-db") == (
        "explicit deny in a resource-based policy"
    )
    assert access.simulate(reader, "secretsmanager:GetSecretValue", "orders-db") == "allowed"


@pytest.mark.parametrize("key", ["secretsmanager:ResourceTag/team", "aws:ResourceTag/team"])
def test_simulate_reads_the_secrets_tags_for_resource_tag_conditions(enforced, secrets, key):
    """Service Authorization Reference, "Actions, resources, and condition keys for AWS Secrets
    Manager": GetSecretValue takes secretsmanager:ResourceTag/tag-key and aws:ResourceTag/${TagKey},
    the tags of the secret the request is about."""
    condition = {"StringEquals": {key: "orders"}}
    app = access.create_user("app", allow("secretsmanager:GetSecretValue", "*", Condition=condition))
    assert access.simulate(app, "secretsmanager:GetSecretValue", "orders-db") == "allowed"
    assert access.simulate(app, "secretsmanager:GetSecretValue", "payments-db") == "implicit deny"


def test_simulate_matches_the_secrets_arn_and_its_secret_id_condition_key(enforced, secrets):
    """A statement's Resource is matched against the secret's full ARN (random suffix included), and
    the secretsmanager:SecretId condition key is that ARN (Service Authorization Reference)."""
    orders_arn = secrets["orders-db"]["ARN"]
    by_resource = access.create_user("by-resource", allow("secretsmanager:DescribeSecret", orders_arn))
    assert access.simulate(by_resource, "secretsmanager:DescribeSecret", "orders-db") == "allowed"
    assert access.simulate(by_resource, "secretsmanager:DescribeSecret", orders_arn) == "allowed"
    assert access.simulate(by_resource, "secretsmanager:DescribeSecret", "orders-db-backup") == "implicit deny"
    condition = {"ArnEquals": {"secretsmanager:SecretId": orders_arn}}
    by_key = access.create_user("by-key", allow("secretsmanager:DescribeSecret", "*", Condition=condition))
    assert access.simulate(by_key, "secretsmanager:DescribeSecret", "orders-db") == "allowed"
    assert access.simulate(by_key, "secretsmanager:DescribeSecret", "payments-db") == "implicit deny"


def test_version_stage_and_version_id_condition_keys_are_the_requests(enforced, secrets):
    """Service Authorization Reference (Secrets Manager's condition keys): GetSecretValue takes
    secretsmanager:VersionStage and secretsmanager:VersionId, the stage and the version id named in
    the request. Here a Deny keeps the user away from AWSPREVIOUS and from one version id."""
    admin = enforced.client("secretsmanager")
    first = admin.describe_secret(SecretId="orders-db")["VersionIdsToStages"]
    (first_id,) = first
    admin.put_secret_value(SecretId="orders-db", SecretString="orders-db-value-2")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
                "Condition": {"StringEquals": {"secretsmanager:VersionStage": "AWSPREVIOUS"}},
            },
            {
                "Effect": "Deny",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
                "Condition": {"StringEquals": {"secretsmanager:VersionId": first_id}},
            },
        ],
    }
    client = enforced.client_as(access.create_user("app", policy))
    assert client.get_secret_value(SecretId="orders-db")["SecretString"] == "orders-db-value-2"
    assert client.get_secret_value(SecretId="orders-db", VersionStage="AWSCURRENT")["SecretString"] == (
        "orders-db-value-2"
    )
    error = denied(lambda: client.get_secret_value(SecretId="orders-db", VersionStage="AWSPREVIOUS"))
    assert error["Message"].endswith("with an explicit deny in an identity-based policy")
    denied(lambda: client.get_secret_value(SecretId="orders-db", VersionId=first_id))
    current_id = admin.get_secret_value(SecretId="orders-db")["VersionId"]
    assert client.get_secret_value(SecretId="orders-db", VersionId=current_id)["SecretString"] == "orders-db-value-2"


def test_a_resource_policy_deny_with_not_principal_leaves_only_the_named_user(enforced, secrets):
    """IAM User Guide, "AWS JSON policy elements: NotPrincipal": a Deny with NotPrincipal denies every
    principal except those named (the example names the user and its account ARN)."""
    admin = access.create_user("admin", allow("secretsmanager:GetSecretValue", "*"))
    reader = access.create_user("reader", allow("secretsmanager:GetSecretValue", "*"))
    statement = {
        "Effect": "Deny",
        "NotPrincipal": {"AWS": [admin.arn, f"arn:aws:iam::{ACCOUNT}:root"]},
        "Action": "secretsmanager:*",
        "Resource": "*",
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    enforced.client("secretsmanager").put_resource_policy(
        SecretId="orders-db", ResourcePolicy=policy, BlockPublicPolicy=True
    )
    assert enforced.client_as(admin).get_secret_value(SecretId="orders-db")["SecretString"] == "orders-db-value"
    error = denied(lambda: enforced.client_as(reader).get_secret_value(SecretId="orders-db"))
    assert error["Message"].endswith("with an explicit deny in a resource-based policy")
    assert access.simulate(reader, "secretsmanager:GetSecretValue", "orders-db") == (
        "explicit deny in a resource-based policy"
    )


def test_tag_keys_and_request_tags_decide_tagging_and_untagging(enforced, secrets):
    """Service Authorization Reference (Secrets Manager): TagResource takes aws:RequestTag/${TagKey}
    and aws:TagKeys, UntagResource aws:TagKeys: the tags and tag keys in the request."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "secretsmanager:TagResource",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:RequestTag/stage": "test"},
                    "ForAllValues:StringEquals": {"aws:TagKeys": ["stage"]},
                },
            },
            {
                "Effect": "Allow",
                "Action": "secretsmanager:UntagResource",
                "Resource": "*",
                "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["stage", "temp"]}},
            },
        ],
    }
    client = enforced.client_as(access.create_user("tagger", policy))
    client.tag_resource(SecretId="orders-db", Tags=[{"Key": "stage", "Value": "test"}])
    denied(lambda: client.tag_resource(SecretId="orders-db", Tags=[{"Key": "stage", "Value": "prod"}]))
    denied(
        lambda: client.tag_resource(
            SecretId="orders-db", Tags=[{"Key": "stage", "Value": "test"}, {"Key": "team", "Value": "x"}]
        )
    )
    denied(lambda: client.untag_resource(SecretId="orders-db", TagKeys=["team"]))
    client.untag_resource(SecretId="orders-db", TagKeys=["stage"])
    tags = enforced.client("secretsmanager").describe_secret(SecretId="orders-db")["Tags"]
    assert tags == [{"Key": "team", "Value": "orders"}]


def test_create_secret_is_matched_on_the_new_name_and_its_arn_pattern(enforced):
    """CreateSecret takes secretsmanager:Name; its Resource is the new secret's ARN, whose last six
    characters do not exist yet (a policy names it with "-??????" or "*")."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "secretsmanager:CreateSecret",
                "Resource": f"{PREFIX}app/*",
                "Condition": {"StringLike": {"secretsmanager:Name": "app/*"}},
            }
        ],
    }
    client = enforced.client_as(access.create_user("creator", policy))
    client.create_secret(Name="app/db", SecretString="x")
    error = denied(lambda: client.create_secret(Name="other/db", SecretString="x"))
    assert "on resource: other/db " in error["Message"]


def test_actions_on_no_secret_are_matched_on_star(enforced, secrets):
    """ListSecrets, GetRandomPassword and BatchGetSecretValue act on no particular secret: a policy
    allows them with "Resource": "*", and a statement naming a secret's ARN does not."""
    listing = access.create_user(
        "lister", allow(["secretsmanager:ListSecrets", "secretsmanager:GetRandomPassword"], "*")
    )
    client = enforced.client_as(listing)
    assert len(client.list_secrets()["SecretList"]) == 3
    assert len(client.get_random_password(PasswordLength=20)["RandomPassword"]) == 20
    narrow = access.create_user("narrow", allow("secretsmanager:ListSecrets", f"{PREFIX}orders-db-??????"))
    denied(lambda: enforced.client_as(narrow).list_secrets())


def test_create_user_replaces_an_old_user_of_that_name_with_its_keys_and_policies(enforced, secrets):
    """create_user deletes a user of that name first (IAM's DeleteUser needs its access keys, policies
    and group memberships gone): the old key stops working and the old policies do not carry over."""
    iam = enforced.client("iam")
    old = access.create_user("app", allow("secretsmanager:GetSecretValue", "*"))
    managed = iam.create_policy(
        PolicyName="read-all", PolicyDocument=json.dumps(allow("secretsmanager:DescribeSecret", "*"))
    )["Policy"]["Arn"]
    iam.attach_user_policy(UserName="app", PolicyArn=managed)
    iam.create_group(GroupName="readers")
    iam.add_user_to_group(GroupName="readers", UserName="app")
    new = access.create_user("app")
    assert new.access_key_id != old.access_key_id
    assert [k["AccessKeyId"] for k in iam.list_access_keys(UserName="app")["AccessKeyMetadata"]] == [new.access_key_id]
    assert iam.list_user_policies(UserName="app")["PolicyNames"] == []
    assert iam.list_attached_user_policies(UserName="app")["AttachedPolicies"] == []
    assert iam.list_groups_for_user(UserName="app")["Groups"] == []
    with pytest.raises(ClientError) as raised:
        enforced.client_as(old).get_secret_value(SecretId="orders-db")
    assert raised.value.response["Error"]["Code"] == "UnrecognizedClientException"
    denied(lambda: enforced.client_as(new).get_secret_value(SecretId="orders-db"))


def test_put_user_policy_for_a_deleted_user_is_iams_own_error(aws):
    """Only a policy IAM refuses (MalformedPolicyDocument) becomes a short WorkbookError; IAM's other
    errors, such as NoSuchEntity for a user that is gone, are IAM's own."""
    app = access.create_user("app")
    access.delete_user("app")
    with pytest.raises(ClientError) as raised:
        access.put_user_policy(app, allow("secretsmanager:GetSecretValue", "*"))
    assert raised.value.response["Error"]["Code"] == "NoSuchEntity"
    access.delete_user("app")  # deleting a user that is gone does nothing


def test_an_unsigned_request_is_refused_while_enforcement_is_on(enforced, secrets):
    """AWS (Common Errors): MissingAuthenticationToken, "The request must contain either a valid
    (registered) AWS access key ID or X.509 certificate"."""
    import boto3
    import botocore
    from botocore.config import Config

    endpoint = enforced.client("secretsmanager").meta.endpoint_url
    unsigned = boto3.client(
        "secretsmanager",
        region_name=enforced.region,
        endpoint_url=endpoint,
        config=Config(signature_version=botocore.UNSIGNED, retries={"max_attempts": 1}),
    )
    with pytest.raises(ClientError) as raised:
        unsigned.get_secret_value(SecretId="orders-db")
    assert raised.value.response["Error"]["Code"] == "MissingAuthenticationTokenException"


def test_an_identity_cannot_be_changed_and_can_be_a_key(aws):
    app = access.create_user("app")
    with pytest.raises(AttributeError):
        app.arn = "arn:aws:iam::123456789012:user/admin"
    assert {app: "the app"}[app] == "the app"
    assert repr(app) == f"<Identity {app.arn}>" and app.secret_access_key not in repr(app)
