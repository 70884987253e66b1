"""Lesson 8's checks: each passes on a right answer and fails, with a hint naming what it found, on the unsolved
exercise and on the plausible wrong answers (the working tree's findings for the history's, a fallback default left
in code, rotating before the application reads from Secrets Manager, allow-listing the finding instead of fixing it).
The answers change the sample application's files and repository as a learner's code would."""

from __future__ import annotations

import json
import runpy
import sys

import pytest

import smworkbook
from smworkbook import CheckFailed, checks
from smworkbook.fixtures import leaky_app

from .check_contract import contract_tests

pytestmark = pytest.mark.spread  # independent tests: any worker (tests/conftest.py)

ROTATION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:lesson08-rotate-orders-db"
HOOK = (
    '#!/bin/sh\nexec "{python}" -m detect_secrets.pre_commit_hook $(git diff --cached --name-only --diff-filter=ACM)\n'
)


def commit(folder, message="change", *extra):
    leaky_app.git(folder, "add", "-A")
    leaky_app.git(folder, "commit", "-q", "-m", message, *extra)


# 8.1 -------------------------------------------------------------------------------------------
def findings_now():
    return {(name, kind) for name, kind, _ in leaky_app.scan(leaky_app.latest())}


def findings_ever():
    history = leaky_app.scan_history(leaky_app.latest())
    return {(name, kind) for found in history.values() for name, kind, _ in found}


def history_right(sm):
    return (findings_ever() - findings_now(),)


def history_working_tree_only(sm):
    return (findings_now(),)


def history_everything(sm):
    return (findings_ever(),)


def history_empty(sm):
    return (set(),)


def history_a_list(sm):
    return (sorted(findings_ever() - findings_now()),)


def history_with_line_numbers(sm):
    return ({("deploy.sh", "AWS Access Key", 3)},)


def history_wrong_type(sm):
    return ({("deploy.sh", "Secret Keyword")},)


# 8.2 -------------------------------------------------------------------------------------------
PAYMENTS_FROM_SECRETS_MANAGER = '''"""Reads the payments provider's key from Secrets Manager."""

from aws_secretsmanager_caching import SecretCache

_cache = SecretCache()


def api_key():
    return _cache.get_secret_string("lesson08/payments-api-key")
'''


# The caching client calls DescribeSecret, then GetSecretValue: AWS's guide to it lists both permissions.
READ = ("secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue")


def read_only_policy(sm, resource=None, actions=READ):
    arn = resource or sm.describe_secret(SecretId="lesson08/payments-api-key")["ARN"]
    statement = {"Effect": "Allow", "Action": list(actions), "Resource": arn}
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    client("iam").put_user_policy(UserName="lesson08-orders-app", PolicyName="read-key", PolicyDocument=document)


def client(service):
    return smworkbook.current().client(service)


def env_key():
    return (leaky_app.latest() / ".env").read_text().strip().partition("=")[2]


def moved_right(sm, **policy):
    folder, key = leaky_app.latest(), env_key()
    sm.create_secret(Name="lesson08/payments-api-key", SecretString=key)
    (folder / "orders/payments.py").write_text(PAYMENTS_FROM_SECRETS_MANAGER)
    (folder / ".env").unlink()
    commit(folder)
    read_only_policy(sm, **policy)
    return ()


def moved_policy_reads_every_secret(sm):
    return moved_right(sm, resource="*")


def moved_policy_also_writes(sm):
    return moved_right(sm, actions=(*READ, "secretsmanager:PutSecretValue"))


def moved_policy_without_describe(sm):
    return moved_right(sm, actions=("secretsmanager:GetSecretValue",))


def moved_without_a_policy(sm):
    moved_right(sm)
    client("iam").delete_user_policy(UserName="lesson08-orders-app", PolicyName="read-key")
    return ()


def moved_with_a_fallback_default(sm):
    folder, key = leaky_app.latest(), env_key()
    sm.create_secret(Name="lesson08/payments-api-key", SecretString=key)
    (folder / "orders/payments.py").write_text(
        f'import os\n\n\ndef api_key():\n    return os.environ.get("PAYMENTS_API_KEY", "{key}")\n'
    )
    (folder / ".env").unlink()
    return ()


def moved_but_env_kept(sm):
    folder = leaky_app.latest()
    sm.create_secret(Name="lesson08/payments-api-key", SecretString=env_key())
    (folder / "orders/payments.py").write_text(PAYMENTS_FROM_SECRETS_MANAGER)
    return ()


def env_deleted_app_unchanged(sm):
    folder = leaky_app.latest()
    sm.create_secret(Name="lesson08/payments-api-key", SecretString=env_key())
    (folder / ".env").unlink()
    read_only_policy(sm)
    return ()


def moved_the_whole_line(sm):
    folder = leaky_app.latest()
    sm.create_secret(Name="lesson08/payments-api-key", SecretString=(folder / ".env").read_text().strip())
    return ()


def moved_app_reads_another_secret(sm):
    folder = leaky_app.latest()
    sm.create_secret(Name="lesson08/payments-api-key", SecretString=env_key())
    sm.create_secret(Name="lesson08/payments-key", SecretString="pk_test_0000")
    (folder / "orders/payments.py").write_text(PAYMENTS_FROM_SECRETS_MANAGER.replace("api-key", "key"))
    (folder / ".env").unlink()
    read_only_policy(sm, resource="*")  # so that it may read the secret it names
    return ()


# 8.3 -------------------------------------------------------------------------------------------
SETTINGS_FROM_SECRETS_MANAGER = '''"""Settings of the orders service: the database's from Secrets Manager."""

import json

from aws_secretsmanager_caching import SecretCache

_database = json.loads(SecretCache().get_secret_string("lesson08/orders-db"))
DATABASE_HOST = _database["host"]
DATABASE_PORT = int(_database["port"])
DATABASE_NAME = _database["dbname"]
DATABASE_USER = _database["username"]
DATABASE_PASSWORD = _database["password"]
'''


def store_credentials(sm):
    settings = runpy.run_path(str(leaky_app.latest() / "orders/settings.py"))
    credentials = {
        "engine": "postgres",
        "host": settings["DATABASE_HOST"],
        "port": settings["DATABASE_PORT"],
        "username": settings["DATABASE_USER"],
        "password": settings["DATABASE_PASSWORD"],
        "dbname": settings["DATABASE_NAME"],
    }
    sm.create_secret(Name="lesson08/orders-db", SecretString=json.dumps(credentials))


def read_from_secrets_manager(extra=""):
    folder = leaky_app.latest()
    (folder / "orders/settings.py").write_text(SETTINGS_FROM_SECRETS_MANAGER + extra)
    commit(folder)


def rotate(sm):
    sm.rotate_secret(
        SecretId="lesson08/orders-db", RotationLambdaARN=ROTATION_ARN, RotationRules={"AutomaticallyAfterDays": 30}
    )


def rotated_right(sm):
    store_credentials(sm)
    read_from_secrets_manager()
    rotate(sm)
    return ()


def rotated_before_the_app_reads_it(sm):
    store_credentials(sm)
    rotate(sm)
    return ()


def moved_without_rotating(sm):
    store_credentials(sm)
    read_from_secrets_manager()
    return ()


def rotated_with_the_password_left_in_a_comment(sm):
    store_credentials(sm)
    password = json.loads(sm.get_secret_value(SecretId="lesson08/orders-db")["SecretString"])["password"]
    read_from_secrets_manager(f"# was: {password}\n")
    rotate(sm)
    return ()


# 8.4 -------------------------------------------------------------------------------------------
NOTIFY_FROM_SECRETS_MANAGER = """from aws_secretsmanager_caching import SecretCache


def webhook_password():
    return SecretCache().get_secret_string("lesson08/notify-webhook")
"""


def install_hook(text=None, mode=0o755):
    hook = leaky_app.latest() / ".git/hooks/pre-commit"
    hook.write_text(text or HOOK.format(python=sys.executable))
    hook.chmod(mode)


def fix_notify_and_commit(*extra):
    folder = leaky_app.latest()
    (folder / "orders/notify.py").write_text(NOTIFY_FROM_SECRETS_MANAGER)
    commit(folder, "notify", *extra)


def hook_right(sm):
    install_hook()
    fix_notify_and_commit()
    return ()


def hook_missing(sm):
    fix_notify_and_commit()
    return ()


def hook_not_executable(sm):
    install_hook(mode=0o644)
    fix_notify_and_commit()
    return ()


def hook_allow_listed(sm):
    install_hook()
    folder = leaky_app.latest()
    notify = folder / "orders/notify.py"
    notify.write_text(notify.read_text().rstrip("\n") + "  # pragma: allowlist secret\n")
    commit(folder, "notify")
    return ()


def hook_bypassed(sm):
    install_hook()
    commit(leaky_app.latest(), "notify", "--no-verify")
    return ()


def hook_that_only_scans(sm):
    install_hook(f'#!/bin/sh\n"{sys.executable}" -m detect_secrets scan > /dev/null\n')
    fix_notify_and_commit()
    return ()


def hook_not_committed(sm):
    install_hook()
    (leaky_app.latest() / "orders/notify.py").write_text(NOTIFY_FROM_SECRETS_MANAGER)
    return ()


RAISING = {
    "8.1": [("from smworkbook.fixtures import leaky_app\n"
             "history_only = set(leaky_app.scan_history(leaky_app.latest() / 'no-such-folder'))",
             r"raised FileNotFoundError")],
    "8.2": [('client.create_secret(Name="lesson08/payments-api-key", SecretString=1)',
             r"raised ParamValidationError: .*Invalid type for parameter SecretString")],
    "8.3": [('client.rotate_secret(SecretId="lesson08/orders-db")',
             r"raised ResourceNotFoundException from RotateSecret")],
    "8.4": [("from smworkbook.fixtures import leaky_app\n"
             "leaky_app.git(leaky_app.latest(), 'commit', '-q', '-m', 'nothing staged')",
             r"raised CalledProcessError")],
}  # fmt: skip

UNSOLVED = {"8.1": (None,), "8.2": (), "8.3": (), "8.4": ()}

CASES = {
    "8.1": (history_right, [(history_working_tree_only, "the scanner finds that in the working tree now"),
                            (history_everything, "the scanner finds that in the working tree now"),
                            (history_empty, "scan each commit's tree"),
                            (history_a_list, r"Assign a set of \(file, type\) pairs"),
                            (history_with_line_numbers, r"Assign a set of \(file, type\) pairs"),
                            (history_wrong_type, r"gives 1 pair\(s\)")],
            r"history_only is None. Assign a set"),
    "8.2": (moved_right, [(moved_with_a_fallback_default, "a fallback default .* is the secret in code"),
                          (moved_but_env_kept, r"still in the working tree \(.env\): delete .env"),
                          (env_deleted_app_unchanged, "orders.payments.api_key.. no longer answers.*FileNotFoundError"),
                          (moved_the_whole_line, "not the key from .env"),
                          (moved_app_reads_another_secret, "returned 'pk_test_0000', not the key"),
                          (moved_policy_without_describe, "calls DescribeSecret before GetSecretValue"),
                          (moved_without_a_policy, "may not read lesson08/payments-api-key: give it"),
                          (moved_policy_reads_every_secret, r"Too broad: .* may read every secret"),
                          (moved_policy_also_writes, r"Too broad: .* may change .*PutSecretValue")],
            "There is no secret lesson08/payments-api-key"),
    "8.3": (rotated_right, [(rotated_before_the_app_reads_it, "You rotated before the application reads"),
                            (moved_without_rotating, "The leaked password still logs in"),
                            (rotated_with_the_password_left_in_a_comment,
                             r"^Exercise 8.3 .*orders/settings.py still holds the leaked password. Remove it")],
            "There is no secret lesson08/orders-db"),
    "8.4": (hook_right, [(hook_missing, "There is no .git/hooks/pre-commit"),
                         (hook_not_executable, "not executable"),
                         (hook_allow_listed, "You allow-listed the finding instead of fixing it"),
                         (hook_bypassed, "committed past the hook"),
                         (hook_that_only_scans, "Your hook does not stop a secret"),
                         (hook_not_committed, "orders/notify.py is not in the last commit")],
            "There is no .git/hooks/pre-commit"),
}  # fmt: skip

(
    test_every_registered_exercise_is_tested_here,
    test_check_passes_on_the_right_answer,
    test_check_fails_on_the_unsolved_exercise,
    test_check_fails_on_a_plausible_wrong_answer_with_a_hint,
    test_a_cell_that_raises_is_named_in_the_hint_and_an_earlier_run_is_not_judged,
) = contract_tests("8", CASES, UNSOLVED, RAISING)


def test_a_sample_deleted_after_its_set_up_asks_for_the_set_up_again(sm):
    """The check never judges a folder that is gone (a learner deleted it, or a clean-up ran)."""
    checks.setup("8.1")
    leaky_app.remove_sample(leaky_app.latest())
    with pytest.raises(CheckFailed, match="Run the exercise's set-up cell first"):
        checks.verify("8.1", {("deploy.sh", "AWS Access Key")})


def test_graded_the_checks_look_at_the_sample_only_through_the_kernel_and_judge_what_comes_back(sm, monkeypatch):
    """In the grader's process, a check's helpers that read the sample or run its code go to the kernel (here: the
    kernel's side of the protocol, graded.call, fed what the grader's mock would send); a learner's variable of the
    same name is never called, and the verdicts are the same as in the kernel."""
    from smworkbook.checks import _registry
    from smworkbook.grading import grader_mock
    from smworkbook.toolkit import graded

    asked = []

    def kernel(name, *args):
        asked.append(name.rsplit(".", 1)[-1])
        request = {"call": name, "args": [{"value": a} for a in args], "workbook": True}
        decoy = {name: lambda *a: pytest.fail("the notebook's variable ran")}
        reply = json.loads(graded.call(decoy, json.dumps(request)))
        assert "error" not in reply, reply
        return reply["value"]

    monkeypatch.setattr(_registry, "_kernel_runner", kernel)
    checks.setup("8.1")
    (answer,) = history_right(sm)
    sent = json.loads(graded.answers({"history_only": answer}, ["history_only"]))
    (received,) = grader_mock.decode_answers("8.1", sent)
    assert received == answer and sent["history_only"] == {"set": sorted([list(pair) for pair in answer])}
    checks.verify("8.1", received)
    assert {"_sample_ready", "_scan", "_scan_history"} <= set(asked)
    with pytest.raises(CheckFailed, match="the scanner finds that in the working tree now"):
        checks.verify("8.1", *history_working_tree_only(sm))
    checks.setup("8.4")
    hook_bypassed(sm)
    with pytest.raises(CheckFailed, match="committed past the hook"):
        checks.verify("8.4")
    assert "_hook_facts" in asked
