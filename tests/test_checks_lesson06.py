"""Lesson 6's checks: each serves the learner's code as a Flask service, runs load through a real rotation
against this process's PostgreSQL, and passes on the right answer and fails with a hint on the unsolved
exercise and on plausible wrong answers (retrying forever, refreshing on every request, rotating the user
in use, leaving AWSPENDING on the wrong version)."""

from __future__ import annotations

import json

import pg8000.native
import pytest
from pg8000.exceptions import DatabaseError

from smworkbook import CheckFailed, checks
from smworkbook.checks import lesson04, lesson06

from .check_contract import contract_tests

SECRET = lesson06.SECRET


def unsolved(*_):
    raise NotImplementedError()


# 6.1: the service's policy -------------------------------------------------------------------
def attach(policy):
    def learner_answer(sm):
        from smworkbook import current

        current().client("iam").put_user_policy(
            UserName=lesson06.SERVICE_USER, PolicyName="orders", PolicyDocument=json.dumps(policy)
        )
        return ()

    return learner_answer


def policy(actions, resource=f"{lesson06.ARN_PREFIX}{SECRET}-??????"):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}]}


get_only = attach(policy("secretsmanager:GetSecretValue"))
get_only.__name__ = "get_only"
every_secret = attach(policy(["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], "*"))
every_secret.__name__ = "every_secret"
longer_names = attach(
    policy(["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], f"{lesson06.ARN_PREFIX}{SECRET}*")
)
longer_names.__name__ = "longer_names"
every_action = attach(policy("secretsmanager:*"))
every_action.__name__ = "every_action"


# 6.2 and 6.3: the service's code ---------------------------------------------------------------
def read_once_at_startup(sm):
    """Reads the credentials once, when the app starts, as the lesson's first app does."""
    credentials = json.loads(sm.get_secret_value(SecretId=SECRET)["SecretString"])

    def orders(cache):
        return lesson06.query(credentials)

    return (orders,)


def refresh_every_request(sm):
    def orders(cache):
        cache.refresh_secret_now(SECRET)
        return lesson06.query(json.loads(cache.get_secret_string(SECRET)))

    return (orders,)


def retry_forever(sm):
    def orders(cache):
        while True:
            try:
                return lesson06.query(json.loads(cache.get_secret_string(SECRET)))
            except DatabaseError:
                cache.refresh_secret_now(SECRET)

    return (orders,)


def retry_without_refresh(sm):
    def orders(cache):
        try:
            return lesson06.query(json.loads(cache.get_secret_string(SECRET)))
        except DatabaseError:
            return lesson06.query(json.loads(cache.get_secret_string(SECRET)))

    return (orders,)


def answer(*functions):
    def learner_answer(sm):
        return functions

    learner_answer.__name__ = "_".join(f.__name__ for f in functions)
    return learner_answer


# 6.4: the alternating-users steps --------------------------------------------------------------
def set_secret_as_admin(client, arn, token):
    """The right setSecret, for pairing with a wrong createSecret."""
    lesson06.alternating_set_secret(client, arn, token)


def set_secret_on_current_user(client, arn, token):
    """Gives the pending password to the user in use (the current one), not the pending user."""
    pending = lesson04._read(client, arn, VersionId=token, VersionStage="AWSPENDING")
    current_value = lesson04._read(client, arn, VersionStage="AWSCURRENT")
    admin = lesson04._login(lesson04._read(client, pending["masterarn"]))
    try:
        admin.run(
            f"ALTER ROLE {pg8000.native.identifier(current_value['username'])} "
            f"WITH PASSWORD {pg8000.native.literal(pending['password'])}"
        )
    finally:
        admin.close()


def create_pending_elsewhere(client, arn, token):
    """Stores the other user's credentials as AWSPENDING, but on a new version, not the token's."""
    value = lesson04._read(client, arn, VersionStage="AWSCURRENT")
    value["username"] = lesson06.other_user(value["username"])
    value["password"] = client.get_random_password(ExcludeCharacters="/@\"'\\")["RandomPassword"]
    client.put_secret_value(SecretId=arn, SecretString=json.dumps(value), VersionStages=["AWSPENDING"])


CASES = {
    "6.1": (
        attach(lesson06.SERVICE_POLICY),
        [
            (get_only, "DescribeSecret"),
            (every_secret, "Too broad.*payments-db"),
            (longer_names, "admin login"),
            (every_action, "PutSecretValue"),
        ],
        "no policy yet",
    ),
    "6.2": (
        answer(lesson06.orders_through_cache),
        [
            (read_once_at_startup, "read the cache 0 times in 3 requests.*once, at start-up"),
            (refresh_every_request, "refreshed the cache 3 times in 3 requests, none of them refused"),
        ],
        "not written yet",
    ),
    "6.3": (
        answer(lesson06.orders_with_retry),
        [
            (retry_forever, "again and again"),
            (refresh_every_request, "refreshed the cache 3 times in 3 requests, none of them refused"),
            (retry_without_refresh, "After finishSecret, requests still failed"),
            (answer(lesson06.orders_through_cache), "After finishSecret, requests still failed"),
        ],
        "not written yet",
    ),
    "6.4": (
        answer(lesson06.alternating_create_secret, lesson06.alternating_set_secret),
        [
            (answer(lesson04.create_secret, set_secret_as_admin), "user in use"),
            (answer(lesson06.alternating_create_secret, set_secret_on_current_user), "stopped at testSecret"),
            (answer(create_pending_elsewhere, set_secret_as_admin), "AWSPENDING is on the wrong version"),
        ],
        "not written yet",
    ),
}
UNSOLVED = {"6.1": (), "6.2": (unsolved,), "6.3": (unsolved,), "6.4": (unsolved, unsolved)}

(
    test_every_registered_exercise_is_tested_here,
    test_check_passes_on_the_right_answer,
    test_check_fails_on_the_unsolved_exercise,
    test_check_fails_on_a_plausible_wrong_answer_with_a_hint,
) = contract_tests("6", CASES, UNSOLVED)


def test_the_service_stops_after_a_check(aws):
    from smworkbook import service

    checks.setup("6.2")
    with pytest.raises(CheckFailed):
        checks.verify("6.2", unsolved)
    assert [s for s in service.running() if s.name == "lesson06-check"] == []
