"""Lesson 2's checks: each passes on a right answer and fails, with a useful hint, on the
unsolved exercise and on plausible wrong answers."""

from __future__ import annotations

import json

import pytest

from smworkbook import CheckFailed, checks, versions_table
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


def previous_password_only(sm):
    """Parses the previous value and keeps its password: not the SecretString the task asks for."""
    value = sm.get_secret_value(SecretId="lesson02/db-password", VersionStage="AWSPREVIOUS")["SecretString"]
    return (json.loads(value)["password"],)


def previous_made_up(sm):
    return ('{"password": "hunter2"}',)


def deprecated_right(sm):
    version = deprecated_version("lesson02/api-key")
    return (sm.get_secret_value(SecretId="lesson02/api-key", VersionId=version)["SecretString"],)


def deprecated_took_previous(sm):
    return (sm.get_secret_value(SecretId="lesson02/api-key", VersionStage="AWSPREVIOUS")["SecretString"],)


def deprecated_took_current(sm):
    return (sm.get_secret_value(SecretId="lesson02/api-key")["SecretString"],)


def deprecated_made_up(sm):
    return ('{"api_key": "0000"}',)


def deprecated_indexing_version_stages(sm):
    """Indexes version["VersionStages"]: AWS lists a deprecated version without that key (recorded:
    localstack/localstack, tests/aws/services/secretsmanager/test_secretsmanager.snapshot.json,
    test_deprecated_secret_version_stage), so the cell stops with KeyError and the value stays None."""
    versions = sm.list_secret_version_ids(SecretId="lesson02/api-key", IncludeDeprecated=True)["Versions"]
    with pytest.raises(KeyError, match="VersionStages"):
        next(version["VersionId"] for version in versions if not version["VersionStages"])
    return (None,)


def deprecated_comparing_with_an_empty_list(sm):
    """Looks for VersionStages == []: no entry has that (the key is missing), so nothing is found."""
    versions = sm.list_secret_version_ids(SecretId="lesson02/api-key", IncludeDeprecated=True)["Versions"]
    found = [version["VersionId"] for version in versions if version.get("VersionStages") == []]
    assert found == []
    return (None,)


def deprecated_without_include_deprecated(sm):
    """Lists without IncludeDeprecated: the deprecated version is not in the answer at all."""
    versions = sm.list_secret_version_ids(SecretId="lesson02/api-key")["Versions"]
    assert all(version.get("VersionStages") for version in versions)
    return (None,)


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


def rollback_dropping_previous(sm):
    """Rolls back, then takes AWSPREVIOUS off the bad version: nothing marks what was rolled back."""
    name = "lesson02/feature-config"
    bad = version_with(sm, name, "AWSCURRENT")
    rollback_right(sm)
    sm.update_secret_version_stage(SecretId=name, VersionStage="AWSPREVIOUS", RemoveFromVersionId=bad)
    return ()


def canary_right(sm):
    sm.put_secret_value(SecretId="lesson02/payment-key", SecretString='{"key": "new"}', VersionStages=["canary"])
    return ()


def canary_moves_awscurrent(sm):
    # The new version's id sorts after the set-up's (version ids are random): the check compares ids, not their order.
    sm.put_secret_value(
        SecretId="lesson02/payment-key",
        SecretString='{"key": "new"}',
        ClientRequestToken="f" * 8 + "-ffff-4fff-bfff-" + "f" * 12,
    )
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


def canary_same_value(sm):
    """Stages the value already in use under 'canary': a new version, but nothing new to try."""
    name = "lesson02/payment-key"
    same = sm.get_secret_value(SecretId=name)["SecretString"]
    sm.put_secret_value(SecretId=name, SecretString=same, VersionStages=["canary"])
    return ()


def canary_staged_twice(sm):
    """Stages two new values under 'canary': the label moves to the second, the first is left behind."""
    for value in ('{"key": "new"}', '{"key": "newer"}'):
        sm.put_secret_value(SecretId="lesson02/payment-key", SecretString=value, VersionStages=["canary"])
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


def promote_dropping_previous(sm):
    """Promotes, then takes AWSPREVIOUS off the old version: there is nothing to roll back to."""
    name = "lesson02/signing-key"
    old = version_with(sm, name, "AWSCURRENT")
    promote_right(sm)
    sm.update_secret_version_stage(SecretId=name, VersionStage="AWSPREVIOUS", RemoveFromVersionId=old)
    return ()


def retry_right(sm):
    for _ in range(2):
        sm.put_secret_value(SecretId="lesson02/webhook-token", SecretString="new", ClientRequestToken=RETRY_TOKEN)
    return ()


def retry_without_token(sm):
    for _ in range(2):
        sm.put_secret_value(SecretId="lesson02/webhook-token", SecretString="new")
    return ()


def retry_after_a_first_try_without_token(sm):
    """A first call without the token, then the retried pair with it: one version too many."""
    sm.put_secret_value(SecretId="lesson02/webhook-token", SecretString="new")
    return retry_right(sm)


def retry_as_pending(sm):
    for _ in range(2):
        sm.put_secret_value(
            SecretId="lesson02/webhook-token",
            SecretString="new",
            ClientRequestToken=RETRY_TOKEN,
            VersionStages=["AWSPENDING"],
        )
    return ()


# Exercise cells whose own code raises, run again after a right run (issue 31): the source after the set-up line
# (`client` is the lesson's client). The hint names the error and the parameter involved, in AWS's or botocore's
# words or the learner's line, and never judges the value an earlier run left in the variable.
ROLLBACK_WITHOUT_REMOVE = """versions = client.list_secret_version_ids(SecretId="lesson02/feature-config")["Versions"]
old = next(v["VersionId"] for v in versions if "AWSPREVIOUS" in v["VersionStages"])
client.update_secret_version_stage(
    SecretId="lesson02/feature-config", VersionStage="AWSCURRENT", MoveToVersionId=old
)"""
RAISING = {
    "2.1": [('previous = client.get_secret_value(SecretId="lesson02/db-password", VersionStage="AWSPREVOIUS")'
             '["SecretString"]',
             r"raised ResourceNotFoundException from GetSecretValue: .* At `previous = client.get_secret_value\("
             r"SecretId=\"lesson02/db-password\", VersionStage=\"AWSPREVOIUS\"\)")],
    "2.2": [('deprecated_value = client.get_secret_value(SecretId="lesson02/api-key", VersionId="v1")["SecretString"]',
             r"raised ParamValidationError: .*Invalid length for parameter VersionId, value: 2")],
    "2.3": [(ROLLBACK_WITHOUT_REMOVE, r"raised InvalidParameterException from UpdateSecretVersionStage: .*"
                                      r"RemoveFromVersionId")],
    "2.4": [('client.put_secret_value(SecretId="lesson02/payment-key", SecretString="new", VersionStages="canary")',
             r"raised ParamValidationError: .*Invalid type for parameter VersionStages, value: canary")],
    "2.5": [('client.update_secret_version_stage(SecretId="lesson02/signing-key", VersionStage="AWSCURRENT", '
             'MoveToVersionId="canary")',
             r"raised ParamValidationError: .*Invalid length for parameter MoveToVersionId, value: 6")],
    "2.6": [('client.put_secret_value(SecretId="lesson02/webhook-token", SecretString="new", '
             'ClientRequestToken="try-1")',
             r"raised ParamValidationError: .*Invalid length for parameter ClientRequestToken, value: 5")],
}  # fmt: skip

UNSOLVED = {"2.1": (None,), "2.2": (None,), "2.3": (), "2.4": (), "2.5": (), "2.6": ()}

CASES = {
    # Each hint names what the check found: the value received, or which version holds which label.
    "2.1": (previous_right, [(previous_is_current,
                              """previous is '{"password": .*the current \\(AWSCURRENT\\) value"""),
                             (previous_whole_response, r"previous is a dict \({'ARN'"),
                             (previous_password_only, "previous is '[^{].*', not the SecretString of the AWSPREVIOUS"),
                             (previous_made_up, """previous is '{"password": "hunter2"}', not the SecretString""")],
            "still None"),
    "2.2": (deprecated_right, [(deprecated_took_previous,
                                """deprecated_value is '{"api_key": .*the AWSPREVIOUS version, """
                                "which still has a label"),
                               (deprecated_took_current,
                                """deprecated_value is '{"api_key": .*the AWSCURRENT version, which still has """
                                "a label. Look for the version listed without a VersionStages key"),
                               (deprecated_made_up, """deprecated_value is '{"api_key": "0000"}', not the """
                                                    "SecretString of the deprecated version"),
                               (deprecated_indexing_version_stages,
                                r"without a VersionStages key \(version\['VersionStages'\] is a KeyError there: "
                                r"use version.get\('VersionStages'\)\)"),
                               (deprecated_comparing_with_an_empty_list, "comes without a VersionStages key"),
                               (deprecated_without_include_deprecated, "unless you pass IncludeDeprecated=True")],
            "IncludeDeprecated=True"),
    "2.3": (rollback_right, [(rollback_by_putting_the_old_value,
                              r"now has 3 versions \(found v1: no label; v2: AWSPREVIOUS; v3: AWSCURRENT\)"),
                             (rollback_dropping_previous,
                              r"bad version, v2, should now hold AWSPREVIOUS \(found v1: AWSCURRENT; v2: no label\)")],
            r"still on the bad version, v2 \(found v1: AWSPREVIOUS; v2: AWSCURRENT\)"),
    "2.4": (canary_right, [(canary_moves_awscurrent,
                            r"AWSCURRENT moved to the new value \(found v1: AWSPREVIOUS; v2: AWSCURRENT"),
                           (canary_label_on_current,
                            r"'canary' is on the current version \(found v1: AWSCURRENT, canary"),
                           (canary_same_value, """canary version holds '{"key": .*, the same value as the current"""),
                           (canary_staged_twice,
                            r"exactly two versions, .*\(found v1: AWSCURRENT; v2: no label; v3: canary\)")],
            r"No version has the label 'canary' \(found v1: AWSCURRENT\)"),
    "2.5": (promote_right, [(promote_keeping_the_label,
                             r"'canary' label is still attached \(found v1: AWSPREVIOUS; v2: AWSCURRENT, canary\)"),
                            (promote_by_copying_the_value, "now has 3 versions .*Promote the canary version itself"),
                            (promote_dropping_previous,
                             r"old version, v1, should hold AWSPREVIOUS \(found v1: no label; v2: AWSCURRENT\)")],
            r"AWSCURRENT is not on the canary version, v2, yet \(found v1: AWSCURRENT; v2: canary\)"),
    "2.6": (retry_right, [(retry_without_token, r"No version has the id retry_token \(3 versions, found v1: no label; "
                                                "v2: AWSPREVIOUS; v3: AWSCURRENT"),
                          (retry_after_a_first_try_without_token,
                           r"has 3 versions \(found v1: no label; v2: AWSPREVIOUS; v3: AWSCURRENT\): each call"),
                          (retry_as_pending, "The version retry_token should be AWSCURRENT; it holds AWSPENDING")],
            r"No version has the id retry_token \(1 version, found v1: AWSCURRENT\)"),
}  # fmt: skip


(
    test_every_registered_exercise_is_tested_here,
    test_check_passes_on_the_right_answer,
    test_check_fails_on_the_unsolved_exercise,
    test_check_fails_on_a_plausible_wrong_answer_with_a_hint,
    test_a_cell_that_raises_is_named_in_the_hint_and_an_earlier_run_is_not_judged,
) = contract_tests("2", CASES, UNSOLVED, RAISING)


def test_rollback_check_sees_the_aws_result_of_get_secret_value(sm):
    """After the rollback, get_secret_value() with no stage returns the good value, as on AWS."""
    checks.setup("2.3")
    rollback_right(sm)
    assert '"timeout_seconds": 30' in sm.get_secret_value(SecretId="lesson02/feature-config")["SecretString"]


def rollback_removing_awscurrent(sm):
    """Takes AWSCURRENT off the bad version without moving it anywhere (the mock lets it go)."""
    name = "lesson02/feature-config"
    sm.update_secret_version_stage(
        SecretId=name, VersionStage="AWSCURRENT", RemoveFromVersionId=version_with(sm, name, "AWSCURRENT")
    )


def test_a_rollback_that_leaves_no_awscurrent_names_the_labels(sm):
    checks.setup("2.3")
    rollback_removing_awscurrent(sm)
    with pytest.raises(CheckFailed, match=r"No version holds AWSCURRENT \(found v1: no label; v2: AWSPREVIOUS\)"):
        checks.verify("2.3")


def test_a_deleted_secret_is_named(sm):
    checks.setup("2.4")
    sm.delete_secret(SecretId="lesson02/payment-key", ForceDeleteWithoutRecovery=True)
    with pytest.raises(CheckFailed, match="There is no secret called 'lesson02/payment-key'. Run the exercise cell"):
        checks.verify("2.4")


def test_a_second_deprecated_version_means_the_secret_was_changed(sm):
    """2.2's set-up leaves exactly one version without labels; one more put makes two, and the check says so."""
    checks.setup("2.2")
    sm.put_secret_value(SecretId="lesson02/api-key", SecretString="{}")
    with pytest.raises(CheckFailed, match="'lesson02/api-key' was changed"):
        checks.verify("2.2", deprecated_right(sm)[0])


@pytest.mark.parametrize(
    ("number", "name", "labels"),
    [("2.1", "lesson02/db-password", [["AWSPREVIOUS"], ["AWSCURRENT"]]),
     ("2.2", "lesson02/api-key", [[], ["AWSPREVIOUS"], ["AWSCURRENT"]]),
     ("2.3", "lesson02/feature-config", [["AWSPREVIOUS"], ["AWSCURRENT"]]),
     ("2.4", "lesson02/payment-key", [["AWSCURRENT"]]),
     ("2.5", "lesson02/signing-key", [["AWSCURRENT"], ["canary"]]),
     ("2.6", "lesson02/webhook-token", [["AWSCURRENT"]])],
)  # fmt: skip
def test_each_set_up_leaves_the_versions_its_exercise_starts_from(sm, number, name, labels):
    """Run twice (after an answer), each set-up makes the versions and labels the exercise describes."""
    checks.setup(number)
    sm.put_secret_value(SecretId=name, SecretString='{"left": "over"}')
    checks.setup(number)
    table = versions_table(name)
    assert [sorted(held) for held in table["labels"]] == labels
    values = [sm.get_secret_value(SecretId=name, VersionId=v)["SecretString"] for v in table["VersionId"]]
    assert len(set(values)) == len(values)  # every version holds a value of its own
    if number == "2.3":
        assert [json.loads(value)["timeout_seconds"] for value in values] == [30, 0]
