"""Lesson 3's checks: each passes on a right answer and fails, with a useful hint, on the
unsolved exercise and on plausible wrong answers. The answers act on the mock, as a learner's
code would."""

from __future__ import annotations

import json
import secrets

import pytest
from botocore.exceptions import ClientError

from smworkbook import checks

from .check_contract import contract_tests

# Each answer gets the Secrets Manager client and returns the values passed to verify().


def team_names(sm, values, page_size=None, include_deleted=False, **list_args):
    paginator = sm.get_paginator("list_secrets")
    config = {"PageSize": page_size} if page_size else {}
    names = []
    for page in paginator.paginate(
        Filters=[{"Key": "tag-key", "Values": ["team"]}, {"Key": "tag-value", "Values": values}],
        IncludePlannedDeletion=include_deleted,
        PaginationConfig=config,
        **list_args,
    ):
        names.extend(page["SecretList"])
    return names


def find_right(sm):
    entries = team_names(sm, ["payments"], page_size=2)
    return ([e["Name"] for e in entries if {"Key": "team", "Value": "payments"} in e["Tags"]],)


def find_prefix_match(sm):
    return ([e["Name"] for e in team_names(sm, ["payments"])],)


def find_tag_key_only(sm):
    pages = sm.get_paginator("list_secrets").paginate(Filters=[{"Key": "tag-key", "Values": ["team"]}])
    return ([e["Name"] for page in pages for e in page["SecretList"]],)


def find_first_page_only(sm):
    response = sm.list_secrets(MaxResults=2, Filters=[{"Key": "tag-value", "Values": ["payments"]}])
    return ([e["Name"] for e in response["SecretList"] if {"Key": "team", "Value": "payments"} in e["Tags"]],)


def find_with_deleted(sm):
    entries = team_names(sm, ["payments"], include_deleted=True)
    return ([e["Name"] for e in entries if {"Key": "team", "Value": "payments"} in e["Tags"]],)


def find_entries_not_names(sm):
    return ([e for e in team_names(sm, ["payments"]) if {"Key": "team", "Value": "payments"} in e["Tags"]],)


def find_arns(sm):
    return ([e["ARN"] for e in team_names(sm, ["payments"]) if {"Key": "team", "Value": "payments"} in e["Tags"]],)


def retag_right(sm):
    sm.tag_resource(
        SecretId="lesson03/reports-db",
        Tags=[{"Key": "env", "Value": "prod"}, {"Key": "cost-center", "Value": "cc-1234"}],
    )
    sm.untag_resource(SecretId="lesson03/reports-db", TagKeys=["owner"])
    return ()


def retag_without_untag(sm):
    sm.tag_resource(
        SecretId="lesson03/reports-db",
        Tags=[{"Key": "env", "Value": "prod"}, {"Key": "cost-center", "Value": "cc-1234"}],
    )
    return ()


def retag_removing_too_much(sm):
    retag_right(sm)
    sm.untag_resource(SecretId="lesson03/reports-db", TagKeys=["team"])
    return ()


def retag_by_recreating(sm):
    sm.delete_secret(SecretId="lesson03/reports-db", ForceDeleteWithoutRecovery=True)
    tags = {"team": "data", "env": "prod", "cost-center": "cc-1234"}
    sm.create_secret(
        Name="lesson03/reports-db", SecretString="x", Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
    )
    return ()


def retag_only_add(sm):
    sm.tag_resource(SecretId="lesson03/reports-db", Tags=[{"Key": "cost-center", "Value": "cc-1234"}])
    return ()


UNUSED = "lesson03/cleanup/ftp-password"


def retire_right(sm):
    for name in ["lesson03/cleanup/api-key", "lesson03/cleanup/ftp-password", "lesson03/cleanup/smtp-password"]:
        if "LastAccessedDate" not in sm.describe_secret(SecretId=name):
            sm.delete_secret(SecretId=name, RecoveryWindowInDays=7)
    return ()


def retire_default_window(sm):
    sm.delete_secret(SecretId=UNUSED)
    return ()


def retire_forced(sm):
    sm.delete_secret(SecretId=UNUSED, ForceDeleteWithoutRecovery=True)
    return ()


def retire_the_wrong_one(sm):
    sm.delete_secret(SecretId="lesson03/cleanup/api-key", RecoveryWindowInDays=7)
    return ()


def retire_all(sm):
    for name in ["lesson03/cleanup/api-key", "lesson03/cleanup/ftp-password", "lesson03/cleanup/smtp-password"]:
        sm.delete_secret(SecretId=name, RecoveryWindowInDays=7)
    return ()


IDS = ["lesson03/app/db", "lesson03/app/cache", "lesson03/app/old-queue", "lesson03/app/mail"]


def batch_right(sm):
    response = sm.batch_get_secret_value(SecretIdList=IDS)
    values = {entry["Name"]: entry["SecretString"] for entry in response["SecretValues"]}
    failed = {error["SecretId"]: error["ErrorCode"] for error in response["Errors"]}
    return (values, failed)


def batch_ignoring_errors(sm):
    return (batch_right(sm)[0], {})


def batch_keyed_by_arn(sm):
    response = sm.batch_get_secret_value(SecretIdList=IDS)
    return ({entry["ARN"]: entry["SecretString"] for entry in response["SecretValues"]}, batch_right(sm)[1])


def batch_messages_not_codes(sm):
    response = sm.batch_get_secret_value(SecretIdList=IDS)
    return (batch_right(sm)[0], {error["SecretId"]: error["Message"] for error in response["Errors"]})


def batch_whole_entries(sm):
    response = sm.batch_get_secret_value(SecretIdList=IDS)
    return ({entry["Name"]: entry for entry in response["SecretValues"]}, batch_right(sm)[1])


def handle_right(sm):
    def get_config(secret_id, default=None):
        try:
            response = sm.get_secret_value(SecretId=secret_id)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ResourceNotFoundException":
                return default
            raise
        return json.loads(response["SecretString"])

    return (get_config,)


def handle_catching_everything(sm):
    def get_config(secret_id, default=None):
        try:
            return json.loads(sm.get_secret_value(SecretId=secret_id)["SecretString"])
        except Exception:
            return default

    return (get_config,)


def handle_not_at_all(sm):
    def get_config(secret_id, default=None):
        return json.loads(sm.get_secret_value(SecretId=secret_id)["SecretString"])

    return (get_config,)


def handle_returning_text(sm):
    def get_config(secret_id, default=None):
        try:
            return sm.get_secret_value(SecretId=secret_id)["SecretString"]
        except sm.exceptions.ResourceNotFoundException:
            return default

    return (get_config,)


def handle_returning_none(sm):
    def get_config(secret_id, default=None):
        try:
            return json.loads(sm.get_secret_value(SecretId=secret_id)["SecretString"])
        except sm.exceptions.ResourceNotFoundException:
            return None

    return (get_config,)


def handle_called(sm):
    """verify(get_config(...)) instead of verify(get_config)."""
    return (handle_right(sm)[0]("lesson03/feature-flags"),)


def password_right(sm):
    password = sm.get_random_password(PasswordLength=24, ExcludePunctuation=True)["RandomPassword"]
    sm.create_secret(
        Name="lesson03/service-account", SecretString=json.dumps({"username": "svc-reports", "password": password})
    )
    return ()


def store_password(sm, password):
    sm.create_secret(
        Name="lesson03/service-account", SecretString=json.dumps({"username": "svc-reports", "password": password})
    )
    return ()


def password_default_length(sm):
    return store_password(sm, sm.get_random_password(ExcludePunctuation=True)["RandomPassword"])


def password_with_punctuation(sm):
    # Punctuation is random: ask until a password has some, as most 24-character ones do.
    while True:
        password = sm.get_random_password(PasswordLength=24)["RandomPassword"]
        if any(not c.isalnum() for c in password):
            return store_password(sm, password)


def password_hex(sm):
    return store_password(sm, secrets.token_hex(12))


def password_not_json(sm):
    password = sm.get_random_password(PasswordLength=24, ExcludePunctuation=True)["RandomPassword"]
    sm.create_secret(Name="lesson03/service-account", SecretString=password)
    return ()


def unsolved_get_config(secret_id, default=None):
    raise NotImplementedError()


UNSOLVED = {"3.1": (None,), "3.2": (), "3.3": (), "3.4": (None, None), "3.5": (unsolved_get_config,), "3.6": ()}

CASES = {
    # Each hint names what the check found: the value received, the tag or key it saw.
    "3.1": (find_right, [(find_prefix_match, "payments-archive"),
                         (find_tag_key_only, "do not belong"),
                         (find_first_page_only, "paginator"),
                         (find_with_deleted, "IncludePlannedDeletion"),
                         (find_entries_not_names, "names \\(strings\\)"),
                         (find_arns, "holds ARNs, e.g. 'arn:aws:secretsmanager:")],
            "still None"),
    "3.2": (retag_right, [(retag_without_untag, "owner tag is still there \\(owner='alice'\\)"),
                          (retag_removing_too_much, "team tag is None, not 'data'"),
                          (retag_by_recreating, "new secret with the same name"),
                          (retag_only_add, "still 'dev'")],
            "still 'dev'"),
    "3.3": (retire_right, [(retire_default_window, "recovery window is 30 days"), (retire_forced, "gone for good"),
                           (retire_the_wrong_one, "is in use"), (retire_all, "is in use")],
            "not scheduled for deletion yet"),
    "3.4": (batch_right, [(batch_ignoring_errors, "'Errors'"),
                          (batch_keyed_by_arn, "keyed by ARN, e.g. 'arn:aws:secretsmanager:"),
                          (batch_messages_not_codes, "failed is {'lesson03/.*ErrorCode"),
                          (batch_whole_entries, "is {'ARN': .*, not its SecretString")],
            "still None"),
    "3.5": (handle_right, [(handle_catching_everything, "re-raise every other error"),
                           (handle_not_at_all, "crashed on a missing secret with ResourceNotFoundException"),
                           (handle_returning_text, "returned the SecretString, the text '{"),
                           (handle_returning_none, "should return default"),
                           (handle_called, "You passed {.*, not a function.*without \\(\\)")],
            "NotImplementedError"),
    "3.6": (password_right, [(password_default_length, "32 characters"), (password_with_punctuation, "punctuation"),
                             (password_hex, "no uppercase letter"), (password_not_json, "not JSON")],
            "no secret called"),
}  # fmt: skip


(
    test_every_registered_exercise_is_tested_here,
    test_check_passes_on_the_right_answer,
    test_check_fails_on_the_unsolved_exercise,
    test_check_fails_on_a_plausible_wrong_answer_with_a_hint,
) = contract_tests("3", CASES, UNSOLVED)


@pytest.mark.parametrize("number", sorted(CASES))
def test_setup_can_run_again_after_a_solution(number, sm, capsys):
    """Running an exercise cell twice (set-up + answer) passes both times."""
    for _ in range(2):
        checks.setup(number)
        checks.verify(number, *CASES[number][0](sm))
    assert capsys.readouterr().out.count(f"✔ Exercise {number} passed") == 2


def test_exercises_do_not_undo_each_other(sm, capsys):
    """Solving every exercise, then checking them all again, passes: no set-up removes another's secrets."""
    for number in sorted(CASES):
        checks.setup(number)
        CASES[number][0](sm)
    answers = {number: CASES[number][0] for number in ("3.1", "3.4", "3.5")}
    for number in sorted(CASES):
        args = answers[number](sm) if number in answers else ()
        checks.verify(number, *args)
    assert capsys.readouterr().out.count("passed") == len(CASES)
