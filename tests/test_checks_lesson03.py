"""Lesson 3's checks: each passes on a right answer and fails, with a useful hint, on the
unsolved exercise and on plausible wrong answers. The answers act on the mock, as a learner's
code would."""

from __future__ import annotations

import json
import secrets

import pytest
from botocore.exceptions import ClientError

from smworkbook import CheckFailed, checks

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


def find_nothing(sm):
    return ([],)


def find_one_string(sm):
    return ("lesson03/payments/db",)


def find_twice(sm):
    return (find_right(sm)[0] + ["lesson03/payments/db"],)


def find_with_the_archive_only(sm):
    """Right but for the team whose name starts like 'payments' (the tag-value filter is a prefix match)."""
    return (find_right(sm)[0] + ["lesson03/payments-archive/db"],)


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


def retag_env_typo(sm):
    retag_right(sm)
    sm.tag_resource(SecretId="lesson03/reports-db", Tags=[{"Key": "env", "Value": "production"}])
    return ()


def retag_env_capitalised(sm):
    retag_right(sm)
    sm.tag_resource(SecretId="lesson03/reports-db", Tags=[{"Key": "env", "Value": "Prod"}])
    return ()


def retag_cost_center_typo(sm):
    retag_right(sm)
    sm.tag_resource(SecretId="lesson03/reports-db", Tags=[{"Key": "cost-center", "Value": "1234"}])
    return ()


def retag_no_cost_center(sm):
    retag_right(sm)
    sm.untag_resource(SecretId="lesson03/reports-db", TagKeys=["cost-center"])
    return ()


def retag_extra_tag(sm):
    retag_right(sm)
    sm.tag_resource(SecretId="lesson03/reports-db", Tags=[{"Key": "Owner", "Value": "bob"}])
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


def retire_in_8_days(sm):
    sm.delete_secret(SecretId=UNUSED, RecoveryWindowInDays=8)
    return ()


def retire_by_forcing_another(sm):
    sm.delete_secret(SecretId="lesson03/cleanup/smtp-password", ForceDeleteWithoutRecovery=True)
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


def batch_lists(sm):
    response = sm.batch_get_secret_value(SecretIdList=IDS)
    return ([e["Name"] for e in response["SecretValues"]], [e["SecretId"] for e in response["Errors"]])


def batch_values_missing_one(sm):
    values, failed = batch_right(sm)
    values.pop("lesson03/app/cache")
    return (values, failed)


def batch_failed_missing_one(sm):
    values, failed = batch_right(sm)
    failed.pop("lesson03/app/mail")
    return (values, failed)


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


def handle_returning_other_json(sm):
    def get_config(secret_id, default=None):
        return {"dark_mode": True}

    return (get_config,)


def handle_returning_true(sm):
    """Returns the default for a missing secret, but True (not the default) when asked to show it worked."""

    def get_config(secret_id, default=None):
        try:
            return json.loads(sm.get_secret_value(SecretId=secret_id)["SecretString"])
        except sm.exceptions.ResourceNotFoundException:
            return {}

    return (get_config,)


def handle_wrapping_other_errors(sm):
    """Turns every other AWS error into one of its own codes: AWS's own error is lost."""

    def get_config(secret_id, default=None):
        try:
            return json.loads(sm.get_secret_value(SecretId=secret_id)["SecretString"])
        except ClientError as error:
            if error.response["Error"]["Code"] == "ResourceNotFoundException":
                return default
            raise ClientError({"Error": {"Code": "ConfigUnavailable", "Message": "no config"}}, "GetConfig") from None

    return (get_config,)


def handle_wrapping_as_throttling(sm):
    """Reports every other AWS error as throttling: the caller would retry a secret that is being deleted."""

    def get_config(secret_id, default=None):
        try:
            return json.loads(sm.get_secret_value(SecretId=secret_id)["SecretString"])
        except ClientError as error:
            if error.response["Error"]["Code"] == "ResourceNotFoundException":
                return default
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "GetConfig") from None

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


def password_only_letters(sm):
    password = sm.get_random_password(PasswordLength=24, ExcludePunctuation=True, ExcludeNumbers=True)
    return store_password(sm, password["RandomPassword"])


def password_upper_and_digits(sm):
    password = sm.get_random_password(PasswordLength=24, ExcludePunctuation=True, ExcludeLowercase=True)
    return store_password(sm, password["RandomPassword"])


def password_of_23(sm):
    return store_password(sm, sm.get_random_password(PasswordLength=23, ExcludePunctuation=True)["RandomPassword"])


def password_wrong_username(sm):
    password = sm.get_random_password(PasswordLength=24, ExcludePunctuation=True)["RandomPassword"]
    sm.create_secret(
        Name="lesson03/service-account", SecretString=json.dumps({"username": "svc_reports", "password": password})
    )
    return ()


def password_missing(sm):
    sm.create_secret(Name="lesson03/service-account", SecretString=json.dumps({"username": "svc-reports", "pw": "x"}))
    return ()


def password_a_number(sm):
    return store_password(sm, 123456789012345678901234)


def password_json_list(sm):
    sm.create_secret(Name="lesson03/service-account", SecretString=json.dumps(["svc-reports", "x"]))
    return ()


def unsolved_get_config(secret_id, default=None):
    raise NotImplementedError()


# Exercise cells whose own code raises, run again after a right run (issue 31): the source after the set-up line
# (`client` is the lesson's client). The hint names the error and the parameter involved, in AWS's or botocore's
# words or the learner's line, and never passes on what an earlier run left.
GET_CONFIG_WRONG_EXCEPTION = """import json
def get_config(secret_id, default=None):
    try:
        return json.loads(client.get_secret_value(SecretId=secret_id)["SecretString"])
    except client.exceptions.ResourceNotFound:
        return default
get_config("lesson03/app/no-such-config")"""
RAISING = {
    "3.1": [('payments_secrets = [s["Name"] for s in client.list_secrets('
             'Filters=[{"Key": "tag", "Values": ["payments"]}])["SecretList"]]',
             r"raised ValidationException from ListSecrets: .*Value 'tag' at 'filters.1.member.key'")],
    "3.2": [('client.tag_resource(SecretId="lesson03/reports-db", Tags={"env": "prod", "cost-center": "cc-1234"})',
             r"raised ParamValidationError: .*Invalid type for parameter Tags")],
    "3.3": [('client.delete_secret(SecretId="lesson03/cleanup/ftp-password", RecoveryWindowInDays=7, '
             'ForceDeleteWithoutRecovery=True)',
             r"raised InvalidParameterException from DeleteSecret: .*ForceDeleteWithoutRecovery in conjunction "
             r"with RecoveryWindowInDays")],
    "3.4": [('response = client.batch_get_secret_value(SecretIdList=["lesson03/app/db"], '
             'Filters=[{"Key": "name", "Values": ["lesson03/app/"]}])',
             r"raised InvalidParameterException from BatchGetSecretValue: You must include Filters or SecretIdList")],
    "3.5": [(GET_CONFIG_WRONG_EXCEPTION, r"raised AttributeError: .*ResourceNotFound.* "
                                         r"At `except client.exceptions.ResourceNotFound:`")],
    "3.6": [('password = client.get_random_password(PasswordLength=24, ExcludePunctuation="yes")',
             r"raised ParamValidationError: .*Invalid type for parameter ExcludePunctuation")],
}  # fmt: skip

UNSOLVED = {"3.1": (None,), "3.2": (), "3.3": (), "3.4": (None, None), "3.5": (unsolved_get_config,), "3.6": ()}

CASES = {
    # Each hint names what the check found: the value received, the tag or key it saw.
    "3.1": (find_right, [(find_prefix_match, "payments-archive"),
                         (find_tag_key_only, "do not belong"),
                         (find_first_page_only, "paginator"),
                         (find_with_deleted, "IncludePlannedDeletion"),
                         (find_entries_not_names, "names \\(strings\\)"),
                         (find_arns, "holds ARNs, e.g. 'arn:aws:secretsmanager:"),
                         (find_nothing, "payments_secrets is empty"),
                         (find_one_string, "should be a list of names, .* not a str"),
                         (find_twice, "names 'lesson03/payments/db' 2 times"),
                         (find_with_the_archive_only, "payments-archive/db belongs to team 'payments-archive'")],
            "still None"),
    "3.2": (retag_right, [(retag_without_untag, "owner tag is still there \\(owner='alice'\\)"),
                          (retag_removing_too_much, "team tag is None, not 'data'"),
                          (retag_by_recreating, "new secret with the same name"),
                          (retag_only_add, "still 'dev'"),
                          (retag_env_typo, "env is 'production'; it should be 'prod'"),
                          (retag_env_capitalised, "env is 'Prod'; it should be 'prod'"),
                          (retag_cost_center_typo, "cost-center is '1234'; it should be 'cc-1234'"),
                          (retag_no_cost_center, "There is no cost-center tag \\(the tags are {'team': 'data', "
                                                 "'env': 'prod'}\\)"),
                          (retag_extra_tag, "The tags are {.*'Owner': 'bob'.*}; they should be exactly")],
            "still 'dev'"),
    "3.3": (retire_right, [(retire_default_window, "recovery window is 30 days"), (retire_forced, "gone for good"),
                           (retire_the_wrong_one, "'lesson03/cleanup/api-key' is in use"), (retire_all, "is in use"),
                           (retire_in_8_days, "recovery window is 8 days"),
                           (retire_by_forcing_another, "'lesson03/cleanup/smtp-password' is gone")],
            "not scheduled for deletion yet"),
    "3.4": (batch_right, [(batch_ignoring_errors, "'Errors'"),
                          (batch_keyed_by_arn, "keyed by ARN, e.g. 'arn:aws:secretsmanager:"),
                          (batch_messages_not_codes, "failed is {'lesson03/.*ErrorCode"),
                          (batch_whole_entries, "is {'ARN': .*, not its SecretString"),
                          (batch_lists, "values is a list and failed a list; they should both be dicts"),
                          (batch_values_missing_one, r"values has \['lesson03/app/db'\]; it should have"),
                          (batch_failed_missing_one, r"failed has \['lesson03/app/old-queue'\]; it should have")],
            "still None"),
    "3.5": (handle_right, [(handle_catching_everything, "re-raise every other error"),
                           (handle_not_at_all, "crashed on a missing secret with ResourceNotFoundException"),
                           (handle_returning_text, "returned the SecretString, the text '{"),
                           (handle_returning_none, "should return default"),
                           (handle_called, "You passed {.*, not a function.*without \\(\\)"),
                           (handle_returning_other_json, "returned {'dark_mode': True}, not the JSON stored"),
                           (handle_returning_true, "For a missing secret get_config returned {}; it should return"),
                           (handle_wrapping_other_errors, "deletion get_config raised ConfigUnavailable"),
                           (handle_wrapping_as_throttling, "deletion get_config raised ThrottlingException")],
            "NotImplementedError"),
    "3.6": (password_right, [(password_default_length, "32 characters"), (password_with_punctuation, "punctuation"),
                             (password_hex, "no uppercase letter"), (password_not_json, "not JSON"),
                             (password_only_letters, "no digit"), (password_upper_and_digits, "no lowercase letter"),
                             (password_of_23, "The password has 23 characters"),
                             (password_wrong_username, "username is 'svc_reports'; it should be 'svc-reports'"),
                             (password_missing, r"no password in the JSON; it has \['pw', 'username'\]"),
                             (password_a_number, "The password is 123456789012345678901234, not a string"),
                             (password_json_list, r"The SecretString is JSON \['svc-reports', 'x'\]")],
            "no secret called"),
}  # fmt: skip


(
    test_every_registered_exercise_is_tested_here,
    test_check_passes_on_the_right_answer,
    test_check_fails_on_the_unsolved_exercise,
    test_check_fails_on_a_plausible_wrong_answer_with_a_hint,
    test_a_cell_that_raises_is_named_in_the_hint_and_an_earlier_run_is_not_judged,
) = contract_tests("3", CASES, UNSOLVED, RAISING)


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
    for number in sorted(CASES):
        # An exercise whose check takes answers gets them again; the others are judged by the mock's state alone.
        args = CASES[number][0](sm) if checks.EXERCISES[number].answers else ()
        checks.verify(number, *args)
    assert capsys.readouterr().out.count("passed") == len(CASES)


def test_values_without_failed_is_still_unsolved(sm):
    checks.setup("3.4")
    with pytest.raises(CheckFailed, match="values and failed are still None"):
        checks.verify("3.4", batch_right(sm)[0], None)


def test_a_retagged_secret_that_is_gone_is_named(sm):
    checks.setup("3.2")
    sm.delete_secret(SecretId="lesson03/reports-db", ForceDeleteWithoutRecovery=True)
    with pytest.raises(CheckFailed, match="There is no secret called 'lesson03/reports-db'"):
        checks.verify("3.2")


def test_the_team_set_up_removes_what_a_learner_left_in_its_corner(sm, capsys):
    """Secrets a learner made under lesson03/payments earlier, active or scheduled for deletion, would change the
    answer: the set-up removes them, and leaves other folders of lesson03/ alone."""
    tag = [{"Key": "team", "Value": "payments"}]
    sm.create_secret(Name="lesson03/payments/mine", SecretString="x", Tags=tag)
    sm.create_secret(Name="lesson03/payments/mine-deleted", SecretString="x", Tags=tag)
    sm.delete_secret(SecretId="lesson03/payments/mine-deleted")
    sm.create_secret(Name="lesson03/elsewhere", SecretString="x", Tags=tag)
    checks.setup("3.1")
    names = {e["Name"] for e in sm.list_secrets(IncludePlannedDeletion=True, MaxResults=100)["SecretList"]}
    assert {"lesson03/payments/mine", "lesson03/payments/mine-deleted"}.isdisjoint(names)
    assert "lesson03/elsewhere" in names
    checks.verify("3.1", [n for n in find_right(sm)[0] if n != "lesson03/elsewhere"])
    assert "✔ Exercise 3.1 passed" in capsys.readouterr().out


def test_each_set_up_leaves_the_state_its_exercise_describes(sm):
    """What each set-up says it made is what the mock holds."""
    checks.setup("3.1")
    assert checks.lesson03.PAYMENTS == [
        "lesson03/payments/db",
        "lesson03/payments/stripe-key",
        "lesson03/payments/webhook-token",
    ]
    entries = {e["Name"]: e for e in sm.list_secrets(IncludePlannedDeletion=True, MaxResults=100)["SecretList"]}
    teams = {name: {t["Key"]: t["Value"] for t in e.get("Tags", [])}.get("team") for name, e in entries.items()}
    assert teams == {**checks.lesson03.TEAM_SECRETS, "lesson03/payments/old-db": "payments"}
    assert [name for name, e in entries.items() if "DeletedDate" in e] == ["lesson03/payments/old-db"]

    checks.setup("3.2")
    tags = sm.describe_secret(SecretId="lesson03/reports-db")["Tags"]
    assert {t["Key"]: t["Value"] for t in tags} == {"team": "data", "env": "dev", "owner": "alice"}

    checks.setup("3.3")
    read = {n: "LastAccessedDate" in sm.describe_secret(SecretId=n) for n in checks.lesson03.UNUSED_CANDIDATES}
    assert read == {"lesson03/cleanup/api-key": True, "lesson03/cleanup/ftp-password": False,
                    "lesson03/cleanup/smtp-password": True}  # fmt: skip
    assert all("DeletedDate" not in sm.describe_secret(SecretId=n) for n in read)

    checks.setup("3.4")
    assert "DeletedDate" in sm.describe_secret(SecretId="lesson03/app/old-queue")
    assert sorted(e["Name"] for e in sm.batch_get_secret_value(SecretIdList=IDS)["SecretValues"]) == [
        "lesson03/app/cache",
        "lesson03/app/db",
    ]

    checks.setup("3.5")
    assert "DeletedDate" in sm.describe_secret(SecretId="lesson03/old-flags")
    flags = json.loads(sm.get_secret_value(SecretId="lesson03/feature-flags")["SecretString"])
    assert (flags["dark_mode"], flags["beta_checkout"], len(flags["build"])) == (True, False, 16)
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        sm.describe_secret(SecretId="lesson03/no-such-config")

    sm.create_secret(Name="lesson03/service-account", SecretString="left over")
    checks.setup("3.6")
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        sm.describe_secret(SecretId="lesson03/service-account")
