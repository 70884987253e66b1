"""Lesson 2's checks: each passes on a right answer and fails, with a useful hint, on the
unsolved exercise and on plausible wrong answers."""

from __future__ import annotations

from smworkbook import checks, versions_table
from smworkbook.checks.lesson02 import RETRY_TOKEN

from .check_contract import contract_tests


def version_with(sm, name, label):
    table = versions_table(name)
    return next(row.VersionId for row in table.itertuples() if label in row.labels)


def deprecated_version(name):
    table = versions_table(name)
    return table[table["deprecated"]]["VersionId"].iloc[0]


def previous_right(sm):
    return (sm.get_secret_value(SecretId="lesson02/db-password", VersionStage="AWSPREVIOUS")["SecretString"],)


def previous_is_current(sm):
    return (sm.get_secret_value(SecretId="lesson02/db-password")["SecretString"],)


def previous_whole_response(sm):
    return (sm.get_secret_value(SecretId="lesson02/db-password", VersionStage="AWSPREVIOUS"),)


def deprecated_right(sm):
    version = deprecated_version("lesson02/api-key")
    return (sm.get_secret_value(SecretId="lesson02/api-key", VersionId=version)["SecretString"],)


def deprecated_took_previous(sm):
    return (sm.get_secret_value(SecretId="lesson02/api-key", VersionStage="AWSPREVIOUS")["SecretString"],)


def rollback_right(sm):
    name = "lesson02/feature-config"
    sm.update_secret_version_stage(
        SecretId=name,
        VersionStage="AWSCURRENT",
        MoveToVersionId=version_with(sm, name, "AWSPREVIOUS"),
        RemoveFromVersionId=version_with(sm, name, "AWSCURRENT"),
    )
    return ()


def rollback_by_putting_the_old_value(sm):
    name = "lesson02/feature-config"
    old = sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")["SecretString"]
    sm.put_secret_value(SecretId=name, SecretString=old)
    return ()


def canary_right(sm):
    sm.put_secret_value(SecretId="lesson02/payment-key", SecretString='{"key": "new"}', VersionStages=["canary"])
    return ()


def canary_moves_awscurrent(sm):
    sm.put_secret_value(SecretId="lesson02/payment-key", SecretString='{"key": "new"}')
    sm.update_secret_version_stage(
        SecretId="lesson02/payment-key",
        VersionStage="canary",
        MoveToVersionId=version_with(sm, "lesson02/payment-key", "AWSCURRENT"),
    )
    return ()


def canary_label_on_current(sm):
    sm.update_secret_version_stage(
        SecretId="lesson02/payment-key",
        VersionStage="canary",
        MoveToVersionId=version_with(sm, "lesson02/payment-key", "AWSCURRENT"),
    )
    return ()


def promote_right(sm):
    name = "lesson02/signing-key"
    canary = version_with(sm, name, "canary")
    sm.update_secret_version_stage(
        SecretId=name,
        VersionStage="AWSCURRENT",
        MoveToVersionId=canary,
        RemoveFromVersionId=version_with(sm, name, "AWSCURRENT"),
    )
    sm.update_secret_version_stage(SecretId=name, VersionStage="canary", RemoveFromVersionId=canary)
    return ()


def promote_keeping_the_label(sm):
    name = "lesson02/signing-key"
    sm.update_secret_version_stage(
        SecretId=name,
        VersionStage="AWSCURRENT",
        MoveToVersionId=version_with(sm, name, "canary"),
        RemoveFromVersionId=version_with(sm, name, "AWSCURRENT"),
    )
    return ()


def promote_by_copying_the_value(sm):
    name = "lesson02/signing-key"
    value = sm.get_secret_value(SecretId=name, VersionStage="canary")["SecretString"]
    sm.put_secret_value(SecretId=name, SecretString=value)
    return ()


def retry_right(sm):
    for _ in range(2):
        sm.put_secret_value(SecretId="lesson02/webhook-token", SecretString="new", ClientRequestToken=RETRY_TOKEN)
    return ()


def retry_without_token(sm):
    for _ in range(2):
        sm.put_secret_value(SecretId="lesson02/webhook-token", SecretString="new")
    return ()


UNSOLVED = {"2.1": (None,), "2.2": (None,), "2.3": (), "2.4": (), "2.5": (), "2.6": ()}

CASES = {
    # Each hint names what the check found: the value received, or which version holds which label.
    "2.1": (previous_right, [(previous_is_current,
                              """previous is '{"password": .*the current \\(AWSCURRENT\\) value"""),
                             (previous_whole_response, r"previous is a dict \({'ARN'")], "still None"),
    "2.2": (deprecated_right, [(deprecated_took_previous,
                                """deprecated_value is '{"api_key": .*the AWSPREVIOUS version, """
                                "which still has a label")],
            "IncludeDeprecated=True"),
    "2.3": (rollback_right, [(rollback_by_putting_the_old_value,
                              r"now has 3 versions \(found v1: no label; v2: AWSPREVIOUS; v3: AWSCURRENT\)")],
            r"still on the bad version, v2 \(found v1: AWSPREVIOUS; v2: AWSCURRENT\)"),
    "2.4": (canary_right, [(canary_moves_awscurrent,
                            r"AWSCURRENT moved to the new value \(found v1: AWSPREVIOUS; v2: AWSCURRENT"),
                           (canary_label_on_current,
                            r"'canary' is on the current version \(found v1: AWSCURRENT, canary")],
            r"No version has the label 'canary' \(found v1: AWSCURRENT\)"),
    "2.5": (promote_right, [(promote_keeping_the_label,
                             r"'canary' label is still attached \(found v1: AWSPREVIOUS; v2: AWSCURRENT, canary\)"),
                            (promote_by_copying_the_value, "now has 3 versions .*Promote the canary version itself")],
            r"AWSCURRENT is not on the canary version, v2, yet \(found v1: AWSCURRENT; v2: canary\)"),
    "2.6": (retry_right, [(retry_without_token, r"No version has the id retry_token \(3 versions, found v1: no label; "
                                                "v2: AWSPREVIOUS; v3: AWSCURRENT")],
            r"No version has the id retry_token \(1 version, found v1: AWSCURRENT\)"),
}  # fmt: skip


(
    test_every_registered_exercise_is_tested_here,
    test_check_passes_on_the_right_answer,
    test_check_fails_on_the_unsolved_exercise,
    test_check_fails_on_a_plausible_wrong_answer_with_a_hint,
) = contract_tests("2", CASES, UNSOLVED)


def test_rollback_check_sees_the_aws_result_of_get_secret_value(sm):
    """After the rollback, get_secret_value() with no stage returns the good value, as on AWS."""
    checks.setup("2.3")
    rollback_right(sm)
    assert '"timeout_seconds": 30' in sm.get_secret_value(SecretId="lesson02/feature-config")["SecretString"]
