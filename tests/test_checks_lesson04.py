"""Lesson 4's checks: each runs a full rotation against this process's PostgreSQL; it passes on the
right step and fails with a hint on the unsolved exercise and on plausible wrong steps."""

from __future__ import annotations

import json

import pytest

from smworkbook import CheckFailed, checks
from smworkbook.checks import lesson04

from .check_contract import contract_tests


def unsolved(client, arn, token):
    raise NotImplementedError()


# Wrong createSecret answers ---------------------------------------------------------------------
def create_makes_it_current(client, arn, token):
    """Writes the new password straight to AWSCURRENT (no VersionStages)."""
    value = json.loads(client.get_secret_value(SecretId=arn)["SecretString"])
    value["password"] = client.get_random_password(ExcludeCharacters="/@\"'\\")["RandomPassword"]
    client.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=json.dumps(value))


def create_not_idempotent(client, arn, token):
    """Makes a new password every time it runs."""
    value = json.loads(client.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")["SecretString"])
    value["password"] = client.get_random_password(ExcludeCharacters="/@\"'\\")["RandomPassword"]
    client.put_secret_value(
        SecretId=arn, ClientRequestToken=token, SecretString=json.dumps(value), VersionStages=["AWSPENDING"]
    )


# Wrong setSecret answer -------------------------------------------------------------------------
def set_not_idempotent(client, arn, token):
    """Always logs in with AWSCURRENT: the second run fails, the password has already changed."""
    import pg8000.native

    pending = lesson04._read(client, arn, VersionId=token, VersionStage="AWSPENDING")
    connection = lesson04._login(lesson04._read(client, arn, VersionStage="AWSCURRENT"))
    try:
        connection.run(
            f"ALTER USER {pg8000.native.identifier(pending['username'])} "
            f"WITH PASSWORD {pg8000.native.literal(pending['password'])}"
        )
    finally:
        connection.close()


# Wrong testSecret answer ------------------------------------------------------------------------
def check_skipped(client, arn, token):
    """Tests nothing."""


def check_with_current_credentials(client, arn, token):
    """Logs in with the AWSCURRENT credentials, which says nothing about the new password."""
    lesson04._login(lesson04._read(client, arn, VersionStage="AWSCURRENT")).close()


# Wrong finishSecret answers ---------------------------------------------------------------------
def finish_by_copying(client, arn, token):
    """Writes the pending value as a new AWSCURRENT version instead of moving the label."""
    pending = client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")["SecretString"]
    client.put_secret_value(SecretId=arn, SecretString=pending)


def finish_not_idempotent(client, arn, token):
    """Moves AWSCURRENT without checking where it is: the second run names the wrong version."""
    versions = client.describe_secret(SecretId=arn)["VersionIdsToStages"]
    old = next(v for v, s in versions.items() if "AWSPREVIOUS" not in s and v != token)
    client.update_secret_version_stage(
        SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=old
    )


def answer(step):
    """What the learner's notebook passes to verify(): the step function itself."""

    def learner_answer(sm):
        return (step,)

    learner_answer.__name__ = step.__name__
    return learner_answer


CASES = {
    "4.1": (
        answer(lesson04.create_secret),
        [(answer(create_makes_it_current), "AWSPENDING"), (answer(create_not_idempotent), "Run twice")],
        "not written yet",
    ),
    "4.2": (answer(lesson04.set_secret), [(answer(set_not_idempotent), "second time")], "not written yet"),
    "4.3": (
        answer(lesson04.test_secret),
        [(answer(check_skipped), "did not raise"), (answer(check_with_current_credentials), "did not raise")],
        "not written yet",
    ),
    "4.4": (
        answer(lesson04.finish_secret),
        [
            (answer(finish_by_copying), "AWSCURRENT is on \\['[0-9a-f-]{36}'\\], not on the version .*move"),
            (answer(finish_not_idempotent), "second run|not on the version"),
        ],
        "not written yet",
    ),
}
UNSOLVED = {number: (unsolved,) for number in CASES}

(
    test_every_registered_exercise_is_tested_here,
    test_check_passes_on_the_right_answer,
    test_check_fails_on_the_unsolved_exercise,
    test_check_fails_on_a_plausible_wrong_answer_with_a_hint,
) = contract_tests("4", CASES, UNSOLVED)


def test_passing_the_result_of_a_call_is_a_hint(aws):
    checks.setup("4.4")
    with pytest.raises(CheckFailed, match="without brackets"):
        checks.verify("4.4", None)
