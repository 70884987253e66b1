"""Lesson 4's checks: each runs a full rotation against this process's PostgreSQL; it passes on the
right step and fails with a hint on the unsolved exercise and on plausible wrong steps."""

from __future__ import annotations

import json

import pytest

from smworkbook import CheckFailed, checks
from smworkbook.checks import lesson04


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


RIGHT = {
    "4.1": lesson04.create_secret,
    "4.2": lesson04.set_secret,
    "4.3": lesson04.test_secret,
    "4.4": lesson04.finish_secret,
}


@pytest.mark.parametrize("number", sorted(RIGHT))
def test_the_right_step_passes(aws, number, capsys):
    checks.setup(number)
    checks.verify(number, RIGHT[number])
    assert f"✔ Exercise {number} passed" in capsys.readouterr().out


@pytest.mark.parametrize("number", sorted(RIGHT))
def test_the_unsolved_exercise_fails_with_a_hint(aws, number):
    checks.setup(number)
    with pytest.raises(CheckFailed, match=f"Exercise {number}"):
        checks.verify(number, unsolved)


@pytest.mark.parametrize(
    ("number", "wrong", "hint"),
    [
        ("4.1", create_makes_it_current, "AWSPENDING"),
        ("4.1", create_not_idempotent, "Run twice"),
        ("4.2", set_not_idempotent, "second time"),
        ("4.3", check_skipped, "did not raise"),
        ("4.3", check_with_current_credentials, "did not raise"),
        ("4.4", finish_by_copying, "move"),
    ],
)
def test_a_plausible_wrong_step_fails_with_its_hint(aws, number, wrong, hint):
    checks.setup(number)
    with pytest.raises(CheckFailed, match=hint):
        checks.verify(number, wrong)


def test_passing_the_result_of_a_call_is_a_hint(aws):
    checks.setup("4.4")
    with pytest.raises(CheckFailed, match="without brackets"):
        checks.verify("4.4", None)
