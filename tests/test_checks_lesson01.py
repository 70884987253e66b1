"""Lesson 1's checks: each passes on a right answer and fails, with a useful hint, on the
unsolved exercise and on plausible wrong answers. The answers act on the mock, as a learner's
code would."""

from __future__ import annotations

import json
import secrets

import pytest

from smworkbook import WorkbookError, checks

from .check_contract import contract_tests


def read_json(sm, name):
    return json.loads(sm.get_secret_value(SecretId=name)["SecretString"])


# Each answer gets the Secrets Manager client and returns the values passed to verify().
def create_right(sm):
    sm.create_secret(Name="lesson01/db-credentials", SecretString=json.dumps({"username": "app_user", "password": "p"}))
    return ()


def create_not_json(sm):
    sm.create_secret(Name="lesson01/db-credentials", SecretString="username=app_user;password=p")
    return ()


def create_wrong_key(sm):
    sm.create_secret(Name="lesson01/db-credentials", SecretString=json.dumps({"user": "app_user", "password": "p"}))
    return ()


def create_wrong_username(sm):
    sm.create_secret(Name="lesson01/db-credentials", SecretString=json.dumps({"username": "admin", "password": "p"}))
    return ()


def create(value, **kwargs):
    """An answer that creates the secret with `value` as its JSON SecretString."""

    def learner_answer(sm):
        sm.create_secret(Name="lesson01/db-credentials", SecretString=json.dumps(value), **kwargs)
        return ()

    return learner_answer


create_a_list = create(["app_user", "p"])
create_empty_password = create({"username": "app_user", "password": ""})
create_numeric_password = create({"username": "app_user", "password": 1234})
create_no_keys = create({"user": "app_user", "pass": "p"})


def create_binary(sm):
    sm.create_secret(Name="lesson01/db-credentials", SecretBinary=b'{"username": "app_user", "password": "p"}')
    return ()


def read_right(sm):
    return (read_json(sm, "lesson01/weather-api")["api_key"],)


def read_whole_string(sm):
    return (sm.get_secret_value(SecretId="lesson01/weather-api")["SecretString"],)


def read_whole_dict(sm):
    return (read_json(sm, "lesson01/weather-api"),)


def read_wrong_field(sm):
    return (read_json(sm, "lesson01/weather-api")["service"],)


def read_made_up(sm):
    return ("0123456789abcdef0123456789abcdef",)


def update_right(sm):
    value = read_json(sm, "lesson01/db-app")
    value["password"] = secrets.token_urlsafe(16)
    sm.update_secret(SecretId="lesson01/db-app", SecretString=json.dumps(value))
    return ()


def update_password_only(sm):
    sm.update_secret(SecretId="lesson01/db-app", SecretString=json.dumps({"password": secrets.token_urlsafe(16)}))
    return ()


def update_short_password(sm):
    sm.update_secret(
        SecretId="lesson01/db-app", SecretString=json.dumps({"username": "app_user", "password": "hunter2"})
    )
    return ()


def update_same_password(sm):
    sm.update_secret(SecretId="lesson01/db-app", SecretString=json.dumps(read_json(sm, "lesson01/db-app")) + " ")
    return ()


def update_to(value):
    def learner_answer(sm):
        sm.update_secret(SecretId="lesson01/db-app", SecretString=json.dumps(value))
        return ()

    return learner_answer


update_username = update_to({"username": "admin", "password": secrets.token_urlsafe(16)})
update_password_not_a_string = update_to({"username": "app_user", "password": 12345678901234567})
update_password_dropped = update_to({"username": "app_user", "pass": secrets.token_urlsafe(16)})
update_15_characters = update_to({"username": "app_user", "password": "a" * 15})


def update_by_recreating(sm):
    value = read_json(sm, "lesson01/db-app")
    value["password"] = secrets.token_urlsafe(16)
    sm.delete_secret(SecretId="lesson01/db-app", ForceDeleteWithoutRecovery=True)
    sm.create_secret(Name="lesson01/db-app", SecretString=json.dumps(value))
    return ()


KEY = secrets.token_bytes(32)


def binary_key_as_text(sm):
    sm.create_secret(Name="lesson01/signing-key", SecretBinary=KEY)
    return (KEY.hex(),)


def binary_right(sm):
    sm.create_secret(Name="lesson01/signing-key", SecretBinary=KEY)
    return (KEY,)


def binary_as_hex_string(sm):
    sm.create_secret(Name="lesson01/signing-key", SecretString=KEY.hex())
    return (KEY,)


def binary_other_bytes(sm):
    sm.create_secret(Name="lesson01/signing-key", SecretBinary=bytes(32))
    return (KEY,)


def delete_right(sm):
    sm.delete_secret(SecretId="lesson01/old-token", RecoveryWindowInDays=7)
    return ()


def delete_default_window(sm):
    sm.delete_secret(SecretId="lesson01/old-token")
    return ()


def delete_in_8_days(sm):
    sm.delete_secret(SecretId="lesson01/old-token", RecoveryWindowInDays=8)
    return ()


def delete_forced(sm):
    sm.delete_secret(SecretId="lesson01/old-token", ForceDeleteWithoutRecovery=True)
    return ()


def restore_right(sm):
    sm.restore_secret(SecretId="lesson01/payments-api")
    return ()


def restore_by_recreating(sm):
    sm.delete_secret(SecretId="lesson01/payments-api", ForceDeleteWithoutRecovery=True)
    sm.create_secret(Name="lesson01/payments-api", SecretString=json.dumps({"api_key": "new"}))
    return ()


# Exercise cells whose own code raises, run again after a right run (issue 31): the source after the set-up line
# (`client` is the lesson's client). The hint names the error and the parameter it is about, in AWS's or
# botocore's words, or the learner's line.
RAISING = {
    "1.1": [('client.create_secret(Name="lesson01/db-credentials", '
             'SecretString={"username": "app_user", "password": "p"})',
             r"raised ParamValidationError: .*Invalid type for parameter SecretString, value: \{'username'")],
    "1.2": [('api_key = client.get_secret_value(SecretId="lesson01/weather-api")["SecretString"]["api_key"]',
             r"raised TypeError: string indices must be integers.* At `api_key = client.get_secret_value\(")],
    "1.3": [('client.update_secret(SecretId="lesson01/db-app", SecretString={"username": "app_user", "password": "x"})',
             r"raised ParamValidationError: .*Invalid type for parameter SecretString")],
    "1.4": [("key_bytes = bytes(32)\n"
             'client.create_secret(Name="lesson01/signing-key", SecretBinary=key_bytes, SecretString="k")',
             r"raised InvalidParameterException from CreateSecret: .*both a binary secret value and a string")],
    "1.5": [('client.delete_secret(SecretId="lesson01/old-token", RecoveryWindowInDays=6)',
             r"raised InvalidParameterException from DeleteSecret: The RecoveryWindowInDays value must be between "
             r"7 and 30 days .* At `client.delete_secret\(SecretId=\"lesson01/old-token\", RecoveryWindowInDays=6\)`")],
    "1.6": [('client.restore_secret(SecretId="lesson01/payments_api")',
             r"raised ResourceNotFoundException from RestoreSecret: Secrets Manager can't find the specified secret\. "
             r"At `client.restore_secret\(SecretId=\"lesson01/payments_api\"\)`")],
}  # fmt: skip

UNSOLVED = {"1.1": (), "1.2": (None,), "1.3": (), "1.4": (KEY,), "1.5": (), "1.6": ()}

CASES = {
    # Each hint names what the check found: the value received, the field it came from, what the secret holds.
    "1.1": (create_right, [(create_not_json, "not JSON: 'username=app_user;password=p'"),
                           (create_wrong_key, r"no username key; it has \['password', 'user'\]"),
                           (create_no_keys, r"no username or password key; it has \['pass', 'user'\]"),
                           (create_wrong_username, "username is 'admin'; it should be 'app_user'"),
                           (create_a_list, r"not an object {...}: \['app_user', 'p'\], a list"),
                           (create_empty_password, "The password is ''; it should be a non-empty string"),
                           (create_numeric_password, "The password is 1234; it should be a non-empty string"),
                           (create_binary, "holds 41 bytes of SecretBinary, no SecretString")],
            "There is no secret"),
    "1.2": (read_right, [(read_whole_string, "whole SecretString, the JSON text '{\"service\""),
                         (read_whole_dict, r"whole parsed secret, a dict with the keys \['api_key', 'service'\]"),
                         (read_wrong_field, "You assigned 'weather', the 'service' field"),
                         (read_made_up, "You assigned '0123456789abcdef0123456789abcdef', which is not the api_key")],
            "still None"),
    "1.3": (update_right, [(update_password_only, r"lost the username: it has only \['password'\]"),
                           (update_same_password, "same as before"),
                           (update_username, "username changed to 'admin'"),
                           (update_short_password, "new password is 7 characters long"),
                           (update_15_characters, "new password is 15 characters long"),
                           (update_password_not_a_string, "new password is a int, 12345678901234567"),
                           (update_password_dropped, r"new password is missing \(no 'password' key\)"),
                           (update_by_recreating, "only its first version")], "only its first version"),
    "1.4": (binary_right, [(binary_as_hex_string, "holds a SecretString \\(64 characters of text, not bytes\\)"),
                           (binary_other_bytes, f"holds 32 bytes starting 00000000; key_bytes is 32 bytes starting "
                                                f"{KEY[:4].hex()}"),
                           (binary_key_as_text, "You passed '[0-9a-f]{20}.*, a str")], "There is no secret"),
    "1.5": (delete_right, [(delete_default_window, "recovery window is 30 days"),
                           (delete_in_8_days, "recovery window is 8 days"),
                           (delete_forced, "gone for good")], "not scheduled for deletion"),
    "1.6": (restore_right, [(restore_by_recreating, "new secret with the same name")], "still scheduled for deletion"),
}  # fmt: skip


(
    test_every_registered_exercise_is_tested_here,
    test_check_passes_on_the_right_answer,
    test_check_fails_on_the_unsolved_exercise,
    test_check_fails_on_a_plausible_wrong_answer_with_a_hint,
    test_a_cell_that_raises_is_named_in_the_hint_and_an_earlier_run_is_not_judged,
) = contract_tests("1", CASES, UNSOLVED, RAISING)


def test_setup_can_run_again_after_a_solution(sm, capsys):
    """Running an exercise cell twice (set-up + answer) passes both times."""
    for _ in range(2):
        checks.setup("1.1")
        create_right(sm)
        checks.verify("1.1")
    assert capsys.readouterr().out.count("✔ Exercise 1.1 passed") == 2


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: checks.verify("9.9"), "no exercise '9.9'"),
        (lambda: checks.verify(1.1), "in quotes, like '1.1'"),
        (lambda: checks.verify("1.2"), r"checks.verify\('1.2', api_key\)"),
        (lambda: checks.verify("1.1", "extra"), r"checks.verify\('1.1'\)"),
        (lambda: checks.setup("nope"), "no exercise 'nope'"),
    ],
)
def test_bad_calls_to_checks_are_short_clear_errors(call, message, aws):
    with pytest.raises(WorkbookError, match=message):
        call()


def test_an_error_from_the_mock_during_a_check_is_a_hint(sm, monkeypatch):
    """A check that meets an AWS error (the mock in a state it can't work from) says to re-run the exercise."""
    from smworkbook import CheckFailed
    from smworkbook.checks import lesson01

    checks.setup("1.1")
    create_right(sm)

    def describe_fails(name):
        return sm.describe_secret(SecretId="no-such-secret")

    monkeypatch.setattr(lesson01, "describe", describe_fails)
    with pytest.raises(CheckFailed, match=r'could not run \(ResourceNotFoundException: .*checks.setup\("1.1"\)'):
        checks.verify("1.1")


@pytest.mark.parametrize(
    ("number", "answer", "named"),
    [("1.2", 5, "You assigned 5,"), ("1.2", {1: "x"}, r"a dict with the keys \['1'\]"),
     ("1.4", None, "You passed None"),
     ("2.1", {"a": 1}, r"previous is a dict \({'a': 1}\)"), ("2.2", {"a": 1}, r"deprecated_value is {'a': 1}, a dict"),
     ("2.2", 7, "deprecated_value is 7, a int")],
)  # fmt: skip
def test_a_hint_names_any_value_received_without_crashing(sm, number, answer, named):
    """A hint is built from whatever the learner passed: an odd type gets a hint naming it, never a TypeError."""
    from smworkbook import CheckFailed

    checks.setup(number)
    with pytest.raises(CheckFailed, match=named):
        checks.verify(number, answer)


def test_a_new_password_of_16_characters_is_long_enough(sm, capsys):
    """The task asks for at least 16 characters: exactly 16 passes (15 fails, in CASES)."""
    checks.setup("1.3")
    update_to({"username": "app_user", "password": "a" * 16})(sm)
    checks.verify("1.3")
    assert "✔ Exercise 1.3 passed" in capsys.readouterr().out


def test_a_weather_secret_changed_after_the_set_up_is_named(sm):
    """1.2 compares with the api_key the set-up stored: a secret that lost it asks for the set-up again."""
    from smworkbook import CheckFailed

    checks.setup("1.2")
    sm.put_secret_value(SecretId="lesson01/weather-api", SecretString=json.dumps({"service": "weather"}))
    with pytest.raises(CheckFailed, match="'lesson01/weather-api' was changed. Run the exercise's set-up"):
        checks.verify("1.2", "anything")


def test_restoring_needs_the_set_up_of_this_kernel(sm, monkeypatch):
    """1.6 tells the original secret by the version its set-up made: without a set-up, it says to run it."""
    from smworkbook import CheckFailed
    from smworkbook.checks import lesson01

    checks.setup("1.6")
    restore_right(sm)
    monkeypatch.setattr(lesson01, "_prepared", {})
    with pytest.raises(CheckFailed, match="Run the exercise's set-up cell first"):
        checks.verify("1.6")


def test_a_secret_deleted_for_good_cannot_be_restored(sm):
    from smworkbook import CheckFailed

    checks.setup("1.6")
    sm.delete_secret(SecretId="lesson01/payments-api", ForceDeleteWithoutRecovery=True)
    with pytest.raises(CheckFailed, match="'lesson01/payments-api' is gone for good"):
        checks.verify("1.6")


@pytest.mark.parametrize(
    ("number", "name", "state"),
    [("1.1", "lesson01/db-credentials", None), ("1.4", "lesson01/signing-key", None),
     ("1.2", "lesson01/weather-api", "service"), ("1.3", "lesson01/db-app", "username"),
     ("1.5", "lesson01/old-token", "token"), ("1.6", "lesson01/payments-api", "deleted")],
)  # fmt: skip
def test_each_set_up_leaves_the_state_its_exercise_starts_from(sm, number, name, state):
    """What each set-up says it made is what the mock holds (one version, the keys the task reads)."""
    if state is None:
        sm.create_secret(Name=name, SecretString="left over from an earlier try")
    checks.setup(number)
    if state is None:
        assert sm.list_secrets(Filters=[{"Key": "name", "Values": [name]}])["SecretList"] == []
        return
    described = sm.describe_secret(SecretId=name)
    assert len(described["VersionIdsToStages"]) == 1
    if state == "deleted":
        assert "DeletedDate" in described
        return
    value = read_json(sm, name)
    assert state in value
    if number == "1.2":
        assert value["service"] == "weather" and len(value["api_key"]) == 32
    if number == "1.3":
        assert value["username"] == "app_user" and value["password"]
