"""Lesson 5's checks: each passes on a right answer and fails, with a hint saying whether the
policy is too narrow or too broad, on the unsolved exercise and on plausible wrong answers. The
answers attach policies in the mock as a learner's code would (with the workbook's own keys)."""

from __future__ import annotations

import functools
import json

import pytest

import smworkbook
from smworkbook import CheckFailed, access, checks

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


UNSOLVED = {number: () for number in CASES}

(
    test_every_registered_exercise_is_tested_here,
    test_check_passes_on_the_right_answer,
    test_check_fails_on_the_unsolved_exercise,
    test_check_fails_on_a_plausible_wrong_answer_with_a_hint,
) = contract_tests("5", CASES, UNSOLVED)


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
