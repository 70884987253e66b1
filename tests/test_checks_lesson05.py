"""Lesson 5's checks: each passes on a right answer and fails, with a hint saying whether the
policy is too narrow or too broad, on the unsolved exercise and on plausible wrong answers. The
answers attach policies in the mock as a learner's code would (with the workbook's own keys)."""

from __future__ import annotations

import json

import pytest

from smworkbook import CheckFailed, access, checks

PREFIX = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"


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


def put_user_policy(aws, user, *statements):
    aws.client("iam").put_user_policy(UserName=user, PolicyName="answer", PolicyDocument=policy(*statements))


# 5.1 -------------------------------------------------------------------------------------------
def app_policy(aws, *statements):
    put_user_policy(aws, "lesson05-orders-app", *statements)


def least_right(aws):
    app_policy(aws, allow("secretsmanager:GetSecretValue", f"{PREFIX}lesson05/orders-db-??????"))


def least_star_resource(aws):
    app_policy(aws, allow("secretsmanager:GetSecretValue"))


def least_trailing_star(aws):
    app_policy(aws, allow("secretsmanager:GetSecretValue", f"{PREFIX}lesson05/orders-db*"))


def least_all_actions(aws):
    app_policy(aws, allow("secretsmanager:*", f"{PREFIX}lesson05/orders-db-??????"))


def least_no_suffix(aws):
    app_policy(aws, allow("secretsmanager:GetSecretValue", f"{PREFIX}lesson05/orders-db"))


def least_wrong_action(aws):
    app_policy(aws, allow("secretsmanager:DescribeSecret", f"{PREFIX}lesson05/orders-db-??????"))


# 5.2 -------------------------------------------------------------------------------------------
def operator_policy(aws, *statements):
    put_user_policy(aws, "lesson05-operator", *statements)


def operator_right(aws):
    operator_policy(aws, deny("secretsmanager:GetSecretValue"))


def operator_deny_everything(aws):
    operator_policy(aws, deny("secretsmanager:*"))


def operator_allow_list(aws):
    operator_policy(aws, allow(["secretsmanager:RotateSecret", "secretsmanager:DescribeSecret"]))


def operator_leaves_group(aws):
    operator_right(aws)
    aws.client("iam").remove_user_from_group(GroupName="lesson05-secrets-team", UserName="lesson05-operator")


def operator_deny_other_secret(aws):
    operator_policy(aws, deny("secretsmanager:GetSecretValue", f"{PREFIX}lesson05/other-??????"))


# 5.3 -------------------------------------------------------------------------------------------
def dev_policy(aws, *statements):
    put_user_policy(aws, "lesson05-payments-dev", *statements)


ACTIONS = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
PAYMENTS_TAG = {"StringEquals": {"secretsmanager:ResourceTag/team": "payments"}}


def tags_right(aws):
    dev_policy(aws, allow(ACTIONS, Condition=PAYMENTS_TAG))


def tags_no_condition(aws):
    dev_policy(aws, allow(ACTIONS))


def tags_by_path(aws):
    dev_policy(aws, allow(ACTIONS, f"{PREFIX}lesson05/payments/*"))


def tags_request_tag(aws):
    dev_policy(aws, allow(ACTIONS, Condition={"StringEquals": {"aws:RequestTag/team": "payments"}}))


def tags_by_name(aws):
    dev_policy(aws, allow(ACTIONS, f"{PREFIX}lesson05/payments/stripe-??????"))


def tags_no_describe(aws):
    dev_policy(aws, allow("secretsmanager:GetSecretValue", Condition=PAYMENTS_TAG))


# 5.4 -------------------------------------------------------------------------------------------
def share(aws, principal, action="secretsmanager:GetSecretValue", block=True):
    statement = {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*"}
    aws.client("secretsmanager").put_resource_policy(
        SecretId="lesson05/shared-report-key", ResourcePolicy=policy(statement), BlockPublicPolicy=block
    )


ANALYST = {"AWS": "arn:aws:iam::123456789012:user/lesson05-analyst"}


def share_right(aws):
    share(aws, ANALYST)


def share_public(aws):
    share(aws, "*", block=False)


def share_account(aws):
    share(aws, {"AWS": "arn:aws:iam::123456789012:root"})


def share_all_actions(aws):
    share(aws, ANALYST, action="secretsmanager:*")


# 5.5 -------------------------------------------------------------------------------------------
FIXED = allow("secretsmanager:GetSecretValue", f"{PREFIX}lesson05/billing-api-??????")


def billing_policy(aws, statement):
    aws.client("iam").put_user_policy(
        UserName="lesson05-billing-app", PolicyName="billing-read", PolicyDocument=policy(statement)
    )


def debug_right(aws):
    billing_policy(aws, FIXED)


def debug_action_only(aws):
    billing_policy(aws, {**FIXED, "Resource": FIXED["Resource"].replace("us-east-1", "us-west-2")})


def debug_region_only(aws):
    billing_policy(aws, {**FIXED, "Action": "secretsmanager:GetSecret"})


def debug_star(aws):
    billing_policy(aws, allow("secretsmanager:GetSecretValue"))


CASES = {
    "5.1": (least_right, [(least_star_resource, "can also read lesson05/payments-db"),
                          (least_trailing_star, "a \\* after the name matches longer names"),
                          (least_all_actions, "can change its secret"),
                          (least_no_suffix, "end it in -\\?\\?\\?\\?\\?\\?"),
                          (least_wrong_action, "Allow the action secretsmanager:GetSecretValue")],
            "has no policy yet"),
    "5.2": (operator_right, [(operator_deny_everything, "no longer describe it, put a new value"),
                             (operator_allow_list, "only an explicit Deny"),
                             (operator_leaves_group, "Leave lesson05-secrets-team"),
                             (operator_deny_other_secret, "must cover")],
            "has no policy yet"),
    "5.3": (tags_right, [(tags_no_condition, "tagged team=orders"), (tags_by_path, "has no team tag"),
                         (tags_request_tag, "aws:RequestTag is a tag sent in the request"),
                         (tags_by_name, "new secret tagged team=payments"),
                         (tags_no_describe, "Allow secretsmanager:DescribeSecret too")],
            "has no policy yet"),
    "5.4": (share_right, [(share_public, "A Principal of \\* means everyone"),
                          (share_account, "Too narrow: the analyst can't read"),
                          (share_all_actions, "can change the secret")],
            "has no resource policy yet"),
    "5.5": (debug_right, [(debug_action_only, "look at the region"),
                          (debug_region_only, "secretsmanager:GetSecret is not it"),
                          (debug_star, "can now read lesson05/billing-admin")],
            "secretsmanager:GetSecret is not it"),
}  # fmt: skip


def test_every_registered_exercise_is_tested_here():
    assert set(CASES) == {number for number in checks.EXERCISES if number.startswith("5.")}


@pytest.mark.parametrize("number", sorted(CASES))
def test_check_passes_on_the_right_answer(number, aws, capsys):
    checks.setup(number)
    CASES[number][0](aws)
    checks.verify(number)
    assert f"✔ Exercise {number} passed" in capsys.readouterr().out


@pytest.mark.parametrize("number", sorted(CASES))
def test_check_fails_on_the_unsolved_exercise(number, aws):
    checks.setup(number)
    with pytest.raises(CheckFailed, match=CASES[number][2]) as failure:
        checks.verify(number)
    assert str(failure.value).startswith(f"Exercise {number} (")


@pytest.mark.parametrize(
    ("number", "wrong", "hint"),
    [(number, wrong, hint) for number, (_, wrongs, _) in CASES.items() for wrong, hint in wrongs],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_check_fails_on_a_plausible_wrong_answer_with_a_hint(number, wrong, hint, aws):
    checks.setup(number)
    wrong(aws)
    with pytest.raises(CheckFailed, match=hint):
        checks.verify(number)


def test_a_public_policy_is_refused_when_blocked_so_the_secret_stays_unshared(aws):
    """BlockPublicPolicy=True turns the too-broad answer into an error at once."""
    checks.setup("5.4")
    with pytest.raises(Exception, match="PublicPolicyException"):
        share(aws, "*", block=True)
    with pytest.raises(CheckFailed, match="has no resource policy yet"):
        checks.verify("5.4")


@pytest.mark.parametrize("number", sorted(CASES))
def test_setup_can_run_again_after_a_solution(number, aws, capsys):
    for _ in range(2):
        checks.setup(number)
        CASES[number][0](aws)
        checks.verify(number)
    assert capsys.readouterr().out.count(f"✔ Exercise {number} passed") == 2
