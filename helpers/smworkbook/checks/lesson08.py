"""Checks for lesson 8: getting secrets out of code (the scanner, a moved secret, the rotation after a leak, the hook).

Each exercise starts from a fresh copy of the sample application (fixtures.leaky_app) in a folder of its own, with
its own database user, so that a later exercise never undoes an earlier one. The checks look at what a security
team would: the scanner's own findings, the files and the commits of the sample's repository, the secret in the
mock, which password logs in to the database, and the application answering in a process of its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from smworkbook.checks._hints import short
from smworkbook.checks._registry import exercise, prepares, require
from smworkbook.engine.errors import CheckFailed
from smworkbook.fixtures import leaky_app
from smworkbook.fixtures.database import start_database
from smworkbook.fixtures.leaky_app import MADE_UP
from smworkbook.toolkit import access, rotation
from smworkbook.toolkit.mock import current

API_KEY_SECRET = "lesson08/payments-api-key"
APP_USER = "lesson08-orders-app"
OTHER_SECRET = "lesson08/other-team-db"  # a secret the orders service has no business reading
DB_SECRET = "lesson08/orders-db"
ROTATION_FUNCTION = "lesson08-rotate-orders-db"
# One database user per exercise that logs in, so that exercise 8.3's rotation is not undone by a later set-up.
USERS = {"8.1": "lesson08_scan", "8.2": "lesson08_payments", "8.3": "orders_app", "8.4": "lesson08_hook"}
# What detect-secrets' inline allow-list comment says (its README: "pragma: allowlist secret").
ALLOW_LIST_PRAGMA = "pragma: allowlist secret"
NEW_PASSWORD = "notify-Webhook-2024!"  # made up: the password exercise 8.4's new file must not commit

_prepared: dict[str, Path] = {}
_prepared_identity: access.Identity | None = None  # 8.2's service user, with its access key


def _sample(number: str) -> Path:
    folder = _prepared.get(number)
    require(
        folder is not None and folder.is_dir(),
        "Run the exercise's set-up cell first (it makes the sample application this exercise starts from).",
    )
    return folder


def _fresh(number: str) -> Path:
    old = _prepared.pop(number, None)
    if old is not None:
        leaky_app.remove_sample(old)
    _prepared[number] = leaky_app.make_sample(start_database(), user=USERS[number])
    return _prepared[number]


def _run_app(folder: Path, code: str, identity: access.Identity | None = None) -> subprocess.CompletedProcess:
    """Run `code` with the sample's package importable, in a process of its own, as the service would start.

    The process gets this kernel's environment (the mock's endpoint and keys) without PAYMENTS_API_KEY: a key
    set in the kernel is not the application's configuration. With `identity`, it signs as that IAM user while
    the mock checks policies (lesson 5), as the service would run with its own credentials."""
    environment = {name: value for name, value in os.environ.items() if name != "PAYMENTS_API_KEY"}
    if identity is not None:
        environment.update(AWS_ACCESS_KEY_ID=identity.access_key_id, AWS_SECRET_ACCESS_KEY=identity.secret_access_key)
    enforced = access.policies_enforced()
    if identity is not None:
        access.enforce_policies(True)
    try:
        return subprocess.run(
            [sys.executable, "-c", code], cwd=folder, env=environment, capture_output=True, text=True, timeout=60
        )
    finally:
        access.enforce_policies(enforced)


def _last_line(run: subprocess.CompletedProcess) -> str:
    lines = (run.stderr or run.stdout).strip().splitlines()
    return lines[-1] if lines else "(nothing)"


def _files_holding(folder: Path, value: str) -> list[str]:
    """The sample's files (not .git/) whose text holds `value`."""
    return sorted(
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(folder).parts and value in path.read_text(errors="ignore")
    )


# 8.1 ------------------------------------------------------------------------------------------


@exercise("8.1", "a secret only the history holds")
def check_history_only(history_only) -> str:
    folder = _sample("8.1")
    now = {(name, kind) for name, kind, _ in leaky_app.scan(folder)}
    ever = {(name, kind) for found in leaky_app.scan_history(folder).values() for name, kind, _ in found}
    expected = ever - now
    require(
        isinstance(history_only, set | frozenset) and all(isinstance(p, tuple) and len(p) == 2 for p in history_only),
        f"history_only is {short(history_only)}. Assign a set of (file, type) pairs, such as "
        "{('deploy.sh', 'AWS Access Key')}.",
    )
    still_there = sorted(history_only & now)
    require(
        not still_there,
        f"history_only holds {still_there}: the scanner finds that in the working tree now. history_only is what "
        "a commit's tree held and the working tree no longer does.",
    )
    require(
        history_only,
        "history_only is empty, but a commit's tree held a secret that the working tree no longer does: detect-secrets "
        "scans files, not history, so scan each commit's tree (git archive, or leaky_app.scan_history).",
    )
    require(
        history_only == expected,
        f"history_only is {sorted(history_only)}; scanning each commit's tree and taking away what the working tree "
        f"still holds gives {len(expected)} pair(s). Compare scan_history's findings with scan's.",
    )
    return f"{sorted(expected)} left the working tree but stays in the history: anyone with a clone still has it."


@prepares("8.1")
def prepare_history_only() -> str:
    _fresh("8.1")
    return "a fresh sample application with its history is in leaky_app.latest()."


# 8.2 ------------------------------------------------------------------------------------------


@exercise("8.2", "the payments key moved to Secrets Manager")
def check_moved_key() -> str:
    folder = _sample("8.2")
    key = MADE_UP["payments API key"]
    client = current().client("secretsmanager")
    try:
        stored = client.get_secret_value(SecretId=API_KEY_SECRET).get("SecretString")
    except client.exceptions.ResourceNotFoundException:
        raise CheckFailed(
            f"There is no secret {API_KEY_SECRET}. Create it with the key that .env holds as its SecretString."
        ) from None
    require(
        stored == key,
        f"{API_KEY_SECRET} holds {short(stored)}, not the key from .env. Store the key itself (the text after "
        "PAYMENTS_API_KEY=) as the secret's SecretString.",
    )
    holding = _files_holding(folder, key)
    if any(name.endswith(".py") for name in holding):
        raise CheckFailed(
            f"The key is still written in {', '.join(holding)}: a fallback default (or a copy) in code is the "
            "secret in code. Remove it: the application reads the key from Secrets Manager only."
        )
    require(
        not holding,
        f"The key is still in the working tree ({', '.join(holding)}): delete .env (git rm .env) once the "
        "application reads the key from Secrets Manager.",
    )
    require(
        access.simulate(APP_USER, "secretsmanager:GetSecretValue", API_KEY_SECRET) == "allowed",
        f"{APP_USER} (the service's IAM user) may not read {API_KEY_SECRET}: give it an inline policy that "
        "allows secretsmanager:GetSecretValue on that secret's ARN.",
    )
    answer = _run_app(folder, "from orders import payments; print(payments.api_key())", _prepared_identity)
    require(
        "perform: secretsmanager:DescribeSecret" not in answer.stderr,
        f"The caching client calls DescribeSecret before GetSecretValue (AWS's guide to it lists both "
        f"permissions), and {APP_USER} may not: allow secretsmanager:DescribeSecret on {API_KEY_SECRET} too.",
    )
    require(
        answer.returncode == 0,
        f"orders.payments.api_key() no longer answers, run as {APP_USER}: {_last_line(answer)}. Make it read "
        f"{API_KEY_SECRET} with the caching client (SecretCache().get_secret_string).",
    )
    require(
        answer.stdout.strip() == key,
        f"orders.payments.api_key() returned {short(answer.stdout.strip())}, not the key stored in {API_KEY_SECRET}.",
    )
    leaks = [(name, kind) for name, kind, _ in leaky_app.scan(folder) if name in (".env", "orders/payments.py")]
    require(not leaks, f"The scanner still finds {leaks}: remove the key from those files.")
    require(
        access.simulate(APP_USER, "secretsmanager:GetSecretValue", OTHER_SECRET) != "allowed",
        f"Too broad: {APP_USER} may read every secret ({OTHER_SECRET} too). Name {API_KEY_SECRET}'s ARN as the "
        "policy's Resource, not *.",
    )
    require(
        access.simulate(APP_USER, "secretsmanager:PutSecretValue", API_KEY_SECRET) != "allowed",
        f"Too broad: {APP_USER} may change {API_KEY_SECRET} (PutSecretValue). Allow GetSecretValue only.",
    )
    return f"the payments key lives in {API_KEY_SECRET} only; the application reads it there and still answers."


@prepares("8.2")
def prepare_moved_key() -> str:
    global _prepared_identity
    current().ensure_absent(API_KEY_SECRET)
    current().ensure_secret(OTHER_SECRET, SecretString='{"password": "not-the-orders-service-s"}')
    _prepared_identity = access.create_user(APP_USER)
    _fresh("8.2")
    return (
        f"a fresh sample application is in leaky_app.latest(); {API_KEY_SECRET} does not exist; "
        f"the IAM user {APP_USER} (the service's identity) has no policy."
    )


# 8.3 ------------------------------------------------------------------------------------------


@exercise("8.3", "the leaked database password rotated")
def check_rotated() -> str:
    folder = _sample("8.3")
    leaked = MADE_UP["database password"]
    database = start_database()
    client = current().client("secretsmanager")
    try:
        described = client.describe_secret(SecretId=DB_SECRET)
    except client.exceptions.ResourceNotFoundException:
        raise CheckFailed(
            f"There is no secret {DB_SECRET}. Store the database credentials from orders/settings.py in it "
            "(engine, host, port, username, password, dbname), as lesson 4's secret holds them."
        ) from None
    in_code = _files_holding(folder, leaked)
    answer = _run_app(folder, "from orders import app; print(app.answer())")
    if database.can_log_in(USERS["8.3"], leaked):
        raise CheckFailed(
            f"The leaked password still logs in: anyone with a clone of the history can use it. Rotate {DB_SECRET} "
            f"with the rotation function {ROTATION_FUNCTION} (rotate_secret with RotationLambdaARN)."
        )
    if answer.returncode != 0 and in_code:
        raise CheckFailed(
            f"You rotated before the application reads from Secrets Manager: {', '.join(in_code)} still holds "
            f"the leaked password, which no longer logs in, so the application is down ({_last_line(answer)}). "
            f"Change orders/settings.py to read {DB_SECRET} with the caching client first, then rotate."
        )
    require(
        described.get("RotationEnabled") and described.get("LastRotatedDate"),
        f"{DB_SECRET} was never rotated, yet the leaked password no longer logs in: the database and the secret "
        "disagree. Rotate it with rotate_secret, so that Secrets Manager holds the password the database takes.",
    )
    require(
        answer.returncode == 0,
        f"The application does not answer after the rotation: {_last_line(answer)}. orders/settings.py must read "
        f"{DB_SECRET} (the caching client) for every value app.py uses.",
    )
    require(
        not in_code,
        f"{', '.join(in_code)} still holds the leaked password. Remove it: the application reads {DB_SECRET}.",
    )
    return "the leaked password no longer logs in; the application reads the rotated one from Secrets Manager."


@prepares("8.3")
def prepare_rotated() -> str:
    current().ensure_absent(DB_SECRET)
    _fresh("8.3")
    arn = rotation.register_rotation_function(ROTATION_FUNCTION, leaky_app.rotation_handler())
    return (
        f"a fresh sample application is in leaky_app.latest(); {DB_SECRET} does not exist; the "
        f"rotation function is {arn}."
    )


# 8.4 ------------------------------------------------------------------------------------------


def _hook_refuses(folder: Path) -> str | None:
    """Stage a new file with a password and try to commit it: None if the hook refused, else what happened."""
    probe = folder / "hook_probe.py"
    probe.write_text(f'WEBHOOK_PASSWORD = "{NEW_PASSWORD}-probe"\n')
    try:
        leaky_app.git(folder, "add", probe.name)
        attempt = leaky_app.git(folder, "commit", "-q", "-m", "hook probe", check=False)
        if attempt.returncode == 0:
            leaky_app.git(folder, "reset", "-q", "--soft", "HEAD~1")
            return "a commit adding a password went through"
        return None
    finally:
        leaky_app.git(folder, "reset", "-q", "HEAD", "--", probe.name, check=False)
        probe.unlink(missing_ok=True)


@exercise("8.4", "a pre-commit hook that refuses a secret")
def check_hook() -> str:
    folder = _sample("8.4")
    hook = folder / ".git" / "hooks" / "pre-commit"
    require(hook.is_file(), "There is no .git/hooks/pre-commit in the sample: write the hook there.")
    require(
        os.access(hook, os.X_OK),
        "The hook .git/hooks/pre-commit is not executable, so git skips it: hook.chmod(0o755).",
    )
    head = leaky_app.git(folder, "show", "HEAD:orders/notify.py", check=False)
    require(
        head.returncode == 0,
        "orders/notify.py is not in the last commit. Fix it so that the hook lets it through, then commit it.",
    )
    allowed = ALLOW_LIST_PRAGMA in head.stdout or (
        (folder / ".secrets.baseline").is_file() and "notify.py" in (folder / ".secrets.baseline").read_text()
    )
    require(
        not allowed,
        "You allow-listed the finding instead of fixing it (an allowlist comment or a baseline entry for "
        "notify.py): the password is still in code. Read it from Secrets Manager and drop the allow-listing.",
    )
    require(
        NEW_PASSWORD not in head.stdout,
        "The committed orders/notify.py holds the webhook password: it was committed past the hook "
        "(--no-verify?). Read the password from Secrets Manager instead, and commit that.",
    )
    refused = _hook_refuses(folder)
    require(
        refused is None,
        f"Your hook does not stop a secret: {refused}. The hook must run detect-secrets-hook on the staged files "
        "and exit with its status.",
    )
    return "the hook refuses a commit that adds a password, and notify.py was committed without one."


@prepares("8.4")
def prepare_hook() -> str:
    _fresh("8.4")
    (_prepared["8.4"] / "orders" / "notify.py").write_text(f'WEBHOOK_PASSWORD = "{NEW_PASSWORD}"\n')
    return "a fresh sample application is in leaky_app.latest(), with a new, uncommitted orders/notify.py."
