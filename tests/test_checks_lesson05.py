"""Lesson 5's checks: each passes on a right answer and fails, with a hint saying whether the
policy is too narrow or too broad, on the unsolved exercise and on plausible wrong answers. The
answers attach policies in the mock as a learner's code would (with the workbook's own keys)."""

from __future__ import annotations

import functools
import json

import pytest

import smworkbook
from smworkbook import CheckFailed, checks
from smworkbook.toolkit import access

from .check_contract import contract_tests

PREFIX = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"


def answer(act):
    """An answer acts on the mock as the learner's code would; verify() takes no values here."""

    @functools.wraps(act)
    def wrapper(*args, **kwargs):
        act(*args, **kwargs)
        return ()

    return wrapper


@pytest.fixture(autouse=True)
def enforcement_off_afterwards():
    yield
    access.enforce_policies(False)


def policy(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*") -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource}


def put_user_policy(user, *statements):
    iam = smworkbook.current().client("iam")
    iam.put_user_policy(UserName=user, PolicyName="answer", PolicyDocument=policy(*statements))


# 5.1 -------------------------------------------------------------------------------------------
@answer
def app_policy(sm, *statements):
    put_user_policy("lesson05-orders-app", *statements)


@answer
def least_right(sm):
    app_policy(sm, allow("secretsmanager:GetSecretValue", f"{PREFIX}lesson05/orders-db-??????"))


@answer
def least_star_resource(sm):
    app_policy(sm, allow("secretsmanager:GetSecretValue"))


@answer
def least_trailing_star(sm):
    app_policy(sm, allow("secretsmanager:GetSecretValue", f"{PREFIX}lesson05/orders-db*"))


@answer
def least_all_actions(sm):
    app_policy(sm, allow("secretsmanager:*", f"{PREFIX}lesson05/orders-db-??????"))


@answer
def least_no_suffix(sm):
    app_policy(sm, allow("secretsmanager:GetSecretValue", f"{PREFIX}lesson05/orders-db"))


@answer
def least_wrong_action(sm):
    app_policy(sm, allow("secretsmanager:DescribeSecret", f"{PREFIX}lesson05/orders-db-??????"))


@answer
def least_all_actions_no_suffix(sm):
    app_policy(sm, allow("secretsmanager:*", f"{PREFIX}lesson05/orders-db"))


@answer
def least_other_account(sm):
    """The right statement with another account's id in the ARN, as copied from an example (browser walk, issue 31:
    the hint said to end the ARN in -??????, which it did)."""
    app_policy(
        sm,
        allow(
            "secretsmanager:GetSecretValue",
            f"{PREFIX.replace('123456789012', '111122223333')}lesson05/orders-db-??????",
        ),
    )


@answer
def least_and_list(sm):
    app_policy(
        sm,
        allow("secretsmanager:GetSecretValue", f"{PREFIX}lesson05/orders-db-??????"),
        allow("secretsmanager:ListSecrets"),
    )


# 5.2 -------------------------------------------------------------------------------------------
@answer
def operator_policy(sm, *statements):
    put_user_policy("lesson05-operator", *statements)


@answer
def operator_right(sm):
    operator_policy(sm, deny("secretsmanager:GetSecretValue"))


@answer
def operator_deny_everything(sm):
    operator_policy(sm, deny("secretsmanager:*"))


@answer
def operator_allow_list(sm):
    operator_policy(sm, allow(["secretsmanager:RotateSecret", "secretsmanager:DescribeSecret"]))


@answer
def operator_leaves_group(sm):
    operator_right(sm)
    iam = smworkbook.current().client("iam")
    iam.remove_user_from_group(GroupName="lesson05-secrets-team", UserName="lesson05-operator")


@answer
def operator_deny_other_secret(sm):
    operator_policy(sm, deny("secretsmanager:GetSecretValue", f"{PREFIX}lesson05/other-??????"))


@answer
def operator_deny_rotation_too(sm):
    operator_policy(sm, deny(["secretsmanager:GetSecretValue", "secretsmanager:RotateSecret"]))


@answer
def operator_deny_describe_too(sm):
    operator_policy(sm, deny(["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]))


@answer
def operator_deny_put_too(sm):
    operator_policy(sm, deny(["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"]))


@answer
def operator_deny_labels_too(sm):
    operator_policy(sm, deny(["secretsmanager:GetSecretValue", "secretsmanager:UpdateSecretVersionStage"]))


@answer
def operator_group_policy_deleted(sm):
    operator_right(sm)
    iam = smworkbook.current().client("iam")
    iam.delete_group_policy(GroupName="lesson05-secrets-team", PolicyName="team-secrets")


@answer
def operator_group_deleted(sm):
    operator_right(sm)
    iam = smworkbook.current().client("iam")
    iam.remove_user_from_group(GroupName="lesson05-secrets-team", UserName="lesson05-operator")
    iam.delete_group_policy(GroupName="lesson05-secrets-team", PolicyName="team-secrets")
    iam.delete_group(GroupName="lesson05-secrets-team")


# 5.3 -------------------------------------------------------------------------------------------
@answer
def dev_policy(sm, *statements):
    put_user_policy("lesson05-payments-dev", *statements)


ACTIONS = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
PAYMENTS_TAG = {"StringEquals": {"secretsmanager:ResourceTag/team": "payments"}}


@answer
def tags_right(sm):
    dev_policy(sm, allow(ACTIONS, Condition=PAYMENTS_TAG))


@answer
def tags_no_condition(sm):
    dev_policy(sm, allow(ACTIONS))


@answer
def tags_by_path(sm):
    dev_policy(sm, allow(ACTIONS, f"{PREFIX}lesson05/payments/*"))


@answer
def tags_request_tag(sm):
    dev_policy(sm, allow(ACTIONS, Condition={"StringEquals": {"aws:RequestTag/team": "payments"}}))


@answer
def tags_by_name(sm):
    dev_policy(sm, allow(ACTIONS, f"{PREFIX}lesson05/payments/stripe-??????"))


@answer
def tags_other_team(sm):
    dev_policy(sm, allow(ACTIONS, Condition={"StringEquals": {"secretsmanager:ResourceTag/team": "orders"}}))


@answer
def tags_no_describe(sm):
    dev_policy(sm, allow("secretsmanager:GetSecretValue", Condition=PAYMENTS_TAG))


# 5.4 -------------------------------------------------------------------------------------------
@answer
def share(sm, principal, action="secretsmanager:GetSecretValue", block=True):
    statement = {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*"}
    sm.put_resource_policy(
        SecretId="lesson05/shared-report-key", ResourcePolicy=policy(statement), BlockPublicPolicy=block
    )


ANALYST = {"AWS": "arn:aws:iam::123456789012:user/lesson05-analyst"}


@answer
def share_right(sm):
    share(sm, ANALYST)


@answer
def share_public(sm):
    share(sm, "*", block=False)


@answer
def share_account(sm):
    share(sm, {"AWS": "arn:aws:iam::123456789012:root"})


@answer
def share_all_actions(sm):
    share(sm, ANALYST, action="secretsmanager:*")


@answer
def share_analyst_and_intern(sm):
    share(
        sm,
        {"AWS": ["arn:aws:iam::123456789012:user/lesson05-analyst", "arn:aws:iam::123456789012:user/lesson05-intern"]},
    )


# 5.5 -------------------------------------------------------------------------------------------
FIXED = allow("secretsmanager:GetSecretValue", f"{PREFIX}lesson05/billing-api-??????")


@answer
def billing_policy(sm, statement):
    smworkbook.current().client("iam").put_user_policy(
        UserName="lesson05-billing-app", PolicyName="billing-read", PolicyDocument=policy(statement)
    )


@answer
def debug_right(sm):
    billing_policy(sm, FIXED)


@answer
def debug_action_only(sm):
    billing_policy(sm, {**FIXED, "Resource": FIXED["Resource"].replace("us-east-1", "us-west-2")})


@answer
def debug_region_only(sm):
    billing_policy(sm, {**FIXED, "Action": "secretsmanager:GetSecret"})


@answer
def debug_star(sm):
    billing_policy(sm, allow("secretsmanager:GetSecretValue"))


@answer
def debug_wrong_name(sm):
    billing_policy(sm, {**FIXED, "Resource": f"{PREFIX}lesson05/billing-??????"})


CASES = {
    "5.1": (least_right, [(least_star_resource, r"can also read lesson05/payments-db \(your policy: Allow "
                                                r"secretsmanager:GetSecretValue on \*\)"),
                          (least_trailing_star, r"orders-db-backup \(your policy: Allow secretsmanager:GetSecretValue "
                                                r"on arn:\S+:lesson05/orders-db\*\), because a \* after the name"),
                          (least_all_actions, r"can change its secret \(PutSecretValue\) \(your policy: Allow "
                                              r"secretsmanager:\* on "),
                          (least_no_suffix, "lesson05/orders-db\\).*end it in -\\?\\?\\?\\?\\?\\?"),
                          (least_all_actions_no_suffix, "Allow secretsmanager:\\* on .*Check the Resource"),
                          (least_and_list, "list every secret in the account \\(your policy: Allow "
                                           "secretsmanager:GetSecretValue on .*; Allow secretsmanager:ListSecrets"),
                          (least_wrong_action, "Allow secretsmanager:DescribeSecret on .*Allow the action "
                                               "secretsmanager:GetSecretValue"),
                          (least_other_account, r"^(?!.*end it in)(?=.*Too narrow).*Your Resource "
                                                r"arn:aws:secretsmanager:us-east-1:111122223333:secret:"
                                                r"lesson05/orders-db-\?{6} names Region us-east-1 and account "
                                                r"111122223333; "
                                                r"lesson05/orders-db is in Region us-east-1, account 123456789012")],
            "has no policy yet"),
    "5.2": (operator_right, [(operator_deny_everything, r"no longer describe it, put a new value, call RotateSecret, "
                                                        r"call UpdateSecretVersionStage \(your policy: Deny "
                                                        r"secretsmanager:\* on \*\)"),
                             (operator_allow_list, r"\(your policy: Allow secretsmanager:RotateSecret, "
                                                   r"secretsmanager:DescribeSecret on \*\).*only an explicit Deny"),
                             (operator_leaves_group, r"lesson05-operator is no longer in lesson05-secrets-team "
                                                     r"\(its members: \[\]\)"),
                             (operator_group_policy_deleted, "lesson05-secrets-team has no policy left"),
                             (operator_group_deleted, "The group lesson05-secrets-team is gone"),
                             (operator_deny_rotation_too, r"no longer call RotateSecret \(your policy"),
                             (operator_deny_describe_too, r"no longer describe it \(your policy"),
                             (operator_deny_put_too, r"no longer put a new value \(your policy"),
                             (operator_deny_labels_too, r"no longer call UpdateSecretVersionStage \(your policy"),
                             (operator_deny_other_secret, "Deny secretsmanager:GetSecretValue on "
                                                          "arn:.*lesson05/other-.*must cover")],
            "has no policy yet"),
    "5.3": (tags_right, [(tags_no_condition, r"tagged team=orders \(your policy: Allow "
                                             r"secretsmanager:GetSecretValue, secretsmanager:DescribeSecret on \*\)"),
                         (tags_by_path, r"has no team tag \(your policy: .* on arn:\S+:lesson05/payments/\*\)"),
                         (tags_request_tag, 'when {"StringEquals": {"aws:RequestTag/team": "payments"}}.*'
                                            "aws:RequestTag is a tag sent in the request"),
                         (tags_by_name, "new secret tagged team=payments"),
                         (tags_other_team, "ResourceTag/team\": \"orders\"}}\\). AWS says: .*Use \"Condition\""),
                         (tags_no_describe, "Allow secretsmanager:DescribeSecret too")],
            "has no policy yet"),
    "5.4": (share_right, [(share_public, r'\(your resource policy: Allow secretsmanager:GetSecretValue for "\*" '
                                         r"on \*\). A Principal of \* means everyone"),
                          (share_account, "Too narrow: the analyst can't read .* for "
                                          '{"AWS": "arn:aws:iam::123456789012:root"}'),
                          (share_analyst_and_intern, "lesson05-intern can read it too .*user/lesson05-intern"),
                          (share_all_actions, "can change the secret .*Allow secretsmanager:\\* for")],
            "has no resource policy yet"),
    "5.5": (debug_right, [(debug_action_only, "on arn:aws:secretsmanager:us-west-2:.*look at the region"),
                          (debug_region_only, "Allow secretsmanager:GetSecret on .*secretsmanager:GetSecret is not it"),
                          (debug_wrong_name, "lesson05/billing-\\?{6}\\).*Compare the policy's Action and Resource"),
                          (debug_star, r"can now read lesson05/billing-admin too \(your policy: Allow "
                                       r"secretsmanager:GetSecretValue on \*\)")],
            "secretsmanager:GetSecret is not it"),
}  # fmt: skip


# Exercise cells whose own code raises, run again after a right run (issue 31): the source after the set-up line.
# A function's cell raises when it cannot be defined (the check would judge the earlier run's function) or when
# the learner tries it there; the hint names the error and the line or parameter involved.
IAM = "import json, smworkbook\niam = smworkbook.current().client('iam')\n"
DENY_ALL = '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}'
RAISING = {
    "5.1": [(IAM + 'iam.put_user_policy(UserName="lesson05-orders-app", PolicyName="read", '
             'PolicyDocument={"Version": "2012-10-17", "Statement": []})',
             r"raised ParamValidationError: .*Invalid type for parameter PolicyDocument")],
    "5.2": [(IAM + 'iam.put_user_policy(UserName="lesson05-operater", PolicyName="never-read", '
             f"PolicyDocument={DENY_ALL!r})",
             r"raised NoSuchEntity from PutUserPolicy: .*lesson05-operater")],
    "5.3": [(IAM + 'iam.put_user_policy(UserName="lesson05-payments-dev", PolicyName="payments-team", '
             f'PolicyDocument={DENY_ALL.replace("2012-10-17", "2025-01-01")!r})',
             r"raised MalformedPolicyDocument from PutUserPolicy: Syntax errors in policy. "
             r"At .*PolicyDocument=.*2025-01-01")],
    "5.4": [('client.put_resource_policy(SecretId="lesson05/shared-report-key", '
             'ResourcePolicy={"Version": "2012-10-17"})',
             r"raised ParamValidationError: .*Invalid type for parameter ResourcePolicy")],
    "5.5": [(IAM + 'policy = iam.get_user_policy(UserName="lesson05-billing-app", PolicyName="billing-read")'
             '["PolicyDocument"]\npolicy["Statement"]["Action"] = "secretsmanager:GetSecretValue"',
             r"raised TypeError: list indices must be integers.* At `policy\[\"Statement\"\]\[\"Action\"\]")],
}  # fmt: skip

UNSOLVED = {number: () for number in CASES}

(
    test_every_registered_exercise_is_tested_here,
    test_check_passes_on_the_right_answer,
    test_check_fails_on_the_unsolved_exercise,
    test_check_fails_on_a_plausible_wrong_answer_with_a_hint,
    test_a_cell_that_raises_is_named_in_the_hint_and_an_earlier_run_is_not_judged,
) = contract_tests("5", CASES, UNSOLVED, RAISING)


def test_a_public_policy_is_refused_when_blocked_so_the_secret_stays_unshared(sm):
    """BlockPublicPolicy=True turns the too-broad answer into an error at once."""
    checks.setup("5.4")
    with pytest.raises(Exception, match="PublicPolicyException"):
        share(sm, "*", block=True)
    with pytest.raises(CheckFailed, match="has no resource policy yet"):
        checks.verify("5.4")


@pytest.mark.parametrize("number", sorted(CASES))
def test_setup_can_run_again_after_a_solution(number, sm, capsys):
    for _ in range(2):
        checks.setup(number)
        CASES[number][0](sm)
        checks.verify(number)
    assert capsys.readouterr().out.count(f"✔ Exercise {number} passed") == 2


def test_a_managed_policy_attached_to_the_user_counts_as_its_policy(sm, capsys):
    """A learner may create a managed policy and attach it (attach_user_policy) rather than put an inline one."""
    checks.setup("5.1")
    iam = smworkbook.current().client("iam")
    document = policy(allow("secretsmanager:GetSecretValue", f"{PREFIX}lesson05/orders-db-??????"))
    arn = iam.create_policy(PolicyName="orders-read", PolicyDocument=document)["Policy"]["Arn"]
    iam.attach_user_policy(UserName="lesson05-orders-app", PolicyArn=arn)
    checks.verify("5.1")
    assert "✔ Exercise 5.1 passed" in capsys.readouterr().out


def test_a_managed_policy_is_named_in_the_hint(sm):
    checks.setup("5.1")
    iam = smworkbook.current().client("iam")
    arn = iam.create_policy(PolicyName="too-wide", PolicyDocument=policy(allow("secretsmanager:GetSecretValue")))
    iam.attach_user_policy(UserName="lesson05-orders-app", PolicyArn=arn["Policy"]["Arn"])
    with pytest.raises(CheckFailed, match=r"\(your policy: Allow secretsmanager:GetSecretValue on \*\)"):
        checks.verify("5.1")


def test_a_check_without_its_set_up_in_this_kernel_asks_for_it(sm, monkeypatch):
    from smworkbook.checks import lesson05

    checks.setup("5.1")
    least_right(sm)
    monkeypatch.setattr(lesson05, "_prepared", {})
    with pytest.raises(CheckFailed, match="Run the exercise's set-up cell first"):
        checks.verify("5.1")


def test_a_secret_of_the_exercise_deleted_asks_for_the_set_up_again(sm):
    checks.setup("5.1")
    least_right(sm)
    access.enforce_policies(False)
    sm.delete_secret(SecretId="lesson05/orders-db", ForceDeleteWithoutRecovery=True)
    with pytest.raises(CheckFailed, match="A secret of this exercise was deleted or changed. Run the set-up"):
        checks.verify("5.1")


def test_each_set_up_turns_enforcement_on_and_makes_what_it_says(sm):
    """After each set-up, policies are enforced, the identities exist with the policies the task starts from."""
    iam = smworkbook.current().client("iam")

    def inline(user):
        return iam.list_user_policies(UserName=user)["PolicyNames"]

    for number, users in {"5.1": ["lesson05-orders-app"], "5.3": ["lesson05-payments-dev"],
                          "5.4": ["lesson05-analyst", "lesson05-intern"]}.items():  # fmt: skip
        access.enforce_policies(False)
        checks.setup(number)
        assert access.policies_enforced()
        assert all(inline(user) == [] for user in users)
    checks.setup("5.2")
    assert inline("lesson05-operator") == []
    group = iam.get_group(GroupName="lesson05-secrets-team")
    assert [u["UserName"] for u in group["Users"]] == ["lesson05-operator"]
    assert iam.list_group_policies(GroupName="lesson05-secrets-team")["PolicyNames"] == ["team-secrets"]
    checks.setup("5.2")  # again: the group is made anew, not doubled
    assert len(iam.get_group(GroupName="lesson05-secrets-team")["Users"]) == 1
    checks.setup("5.5")
    assert inline("lesson05-billing-app") == ["billing-read"]
    checks.setup("5.3")
    access.enforce_policies(False)
    tags = {n: sm.describe_secret(SecretId=n).get("Tags", []) for n in
            ("lesson05/payments/stripe", "lesson05/orders/smtp", "lesson05/payments/legacy")}  # fmt: skip
    assert tags == {
        "lesson05/payments/stripe": [{"Key": "team", "Value": "payments"}],
        "lesson05/orders/smtp": [{"Key": "team", "Value": "orders"}],
        "lesson05/payments/legacy": [],
    }
    with pytest.raises(Exception, match="ResourceNotFoundException"):
        sm.describe_secret(SecretId="lesson05/billing/webhook")


@pytest.mark.parametrize(
    ("documents", "summary"),
    [
        ([], "no statements"),
        ([{"Statement": {"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}}],
         "Allow secretsmanager:* on *"),
        ([{"Statement": [{"Effect": "Deny", "NotAction": ["a:B", "a:C"], "NotResource": "x"}]}],
         "Deny everything but a:B, a:C on everything but x"),
        ([{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn"}, "Action": "a:B"}]}],
         'Allow a:B for {"AWS": "arn"}'),
        ([{"Statement": [{"Action": "a:B", "Resource": "*", "Condition": {"Bool": {"k": "true"}}}]}],
         'no Effect a:B on * when {"Bool": {"k": "true"}}'),
        ([{"Statement": ["not a statement"]}, {"Statement": [{"Effect": "Allow"}]}],
         "'not a statement'; Allow no Action"),
    ],
)  # fmt: skip
def test_a_hint_names_any_policy_the_learner_wrote(documents, summary):
    """The summary a hint shows of the learner's policy copes with every shape IAM's grammar allows, and more."""
    from smworkbook.checks._hints import policy_summary

    assert policy_summary(documents) == summary
