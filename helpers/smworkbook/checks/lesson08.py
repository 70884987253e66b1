"""Checks for lesson 8: getting secrets out of code (the scanner, a moved secret, the rotation after a leak, the hook).

Each exercise starts from a fresh copy of the sample application (fixtures.leaky_app) in a folder of its own, with
its own database user, so that a later exercise never undoes an earlier one. The checks look at what a security
team would: the scanner's own findings, the files and the commits of the sample's repository, the secret in the
mock, which password logs in to the database, and the application answering in a process of its own.

The sample is the learner's kernel's (`prepares_in_kernel`): its files, its application and its hook are the
learner's code, so what looks at them or runs them is a `runs_in_kernel` helper. Graded, the check runs in the
grader's process, next to the mock and the database, and those helpers in the learner's kernel, as lesson 4's
rotation steps do: the learner's code never runs as the grader, and the verdict is the grader's.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from smworkbook.checks._hints import short
from smworkbook.checks._registry import exercise, prepares, prepares_in_kernel, require, runs_in_kernel
from smworkbook.engine.errors import CheckFailed
from smworkbook.fixtures import leaky_app
from smworkbook.fixtures.database import start_database, start_graded_database
from smworkbook.fixtures.leaky_app import MADE_UP
from smworkbook.toolkit import access, graded, rotation
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

# The kernel's samples, by exercise (in the learner's kernel: made by the set-up's kernel part).
_prepared: dict[str, Path] = {}
_prepared_identity: access.Identity | None = None  # 8.2's service user, with its access key (where the mock is)


def _folder(number: str) -> Path:
    """The kernel's sample for exercise `number` (a runs_in_kernel helper's first step, after _sample_ready)."""
    return _prepared[number]


@runs_in_kernel
def _sample_ready(number: str) -> bool:
    folder = _prepared.get(number)
    return folder is not None and folder.is_dir()


def _sample(number: str) -> None:
    require(
        _sample_ready(number),
        "Run the exercise's set-up cell first (it makes the sample application this exercise starts from).",
    )


def _fresh(number: str) -> str:
    """The kernel's part of a set-up: a new sample for exercise `number`, for the database the set-up prepared.

    The sample is written in a new temporary folder, not in my-work/: it is a git repository of its own, and one
    inside the workbook's clone (my-work/ is in it) would show in the workbook's `git status` and could be added to
    the workbook's repository with its made-up secrets by a `git add -A`."""
    old = _prepared.pop(number, None)
    if old is not None:
        leaky_app.remove_sample(old)
    # Graded, the database is the grader's (next to its mock): the sample's settings name its address.
    database = start_graded_database() if graded.active() else start_database()
    _prepared[number] = leaky_app.write_sample(database, user=USERS[number])
    return "a fresh sample application is in leaky_app.latest()"


@runs_in_kernel
def _run_app(number: str, code: str, keys: list[str] | None = None) -> dict:
    """Run `code` with the sample's package importable, in a process of its own, as the service would start.

    The process gets this kernel's environment (the mock's endpoint and keys) without PAYMENTS_API_KEY: a key
    set in the kernel is not the application's configuration. With `keys` (an access key id and its secret), it
    signs as that IAM user, as the service would run with its own credentials. Its exit status and output."""
    environment = {name: value for name, value in os.environ.items() if name != "PAYMENTS_API_KEY"}
    if keys is not None:
        environment.update(AWS_ACCESS_KEY_ID=keys[0], AWS_SECRET_ACCESS_KEY=keys[1])
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=_folder(number), env=environment, capture_output=True, text=True, timeout=60
    )
    return {"returncode": run.returncode, "stdout": run.stdout, "stderr": run.stderr}


def _run_app_as(number: str, code: str, identity: access.Identity) -> dict:
    """_run_app signed as `identity` while the mock checks policies (lesson 5), switched on where the mock is."""
    enforced = access.policies_enforced()
    access.enforce_policies(True)
    try:
        return _run_app(number, code, [identity.access_key_id, identity.secret_access_key])
    finally:
        access.enforce_policies(enforced)


def _last_line(run: dict) -> str:
    lines = (run["stderr"] or run["stdout"]).strip().splitlines()
    return lines[-1] if lines else "(nothing)"


@runs_in_kernel
def _files_holding(number: str, value: str) -> list[str]:
    """The sample's files (not .git/) whose text holds `value`."""
    folder = _folder(number)
    return sorted(
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(folder).parts and value in path.read_text(errors="ignore")
    )


@runs_in_kernel
def _scan(number: str) -> list[list]:
    """detect-secrets' findings in the sample's working tree: [file, type, line] each."""
    return leaky_app.scan(_folder(number))


@runs_in_kernel
def _scan_history(number: str) -> list[list]:
    """detect-secrets' findings in each of the sample's commits' trees: [file, type, line] each, all commits."""
    return [finding for found in leaky_app.scan_history(_folder(number)).values() for finding in found]


# 8.1 ------------------------------------------------------------------------------------------


@exercise("8.1", "a secret only the history holds")
def check_history_only(history_only) -> str:
    _sample("8.1")
    now = {(name, kind) for name, kind, _ in _scan("8.1")}
    ever = {(name, kind) for name, kind, _ in _scan_history("8.1")}
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
    leaky_app.set_password(start_database(), MADE_UP["database password"], USERS["8.1"])
    return "its database user's password is the one settings.py holds."


@prepares_in_kernel("8.1")
def prepare_history_only_in_kernel() -> str:
    return _fresh("8.1").replace("application", "application with its history")


# 8.2 ------------------------------------------------------------------------------------------


@exercise("8.2", "the payments key moved to Secrets Manager")
def check_moved_key() -> str:
    _sample("8.2")
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
    holding = _files_holding("8.2", key)
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
    require(_prepared_identity is not None, "Run the exercise's set-up cell first (it makes the service's IAM user).")
    answer = _run_app_as("8.2", "from orders import payments; print(payments.api_key())", _prepared_identity)
    require(
        "perform: secretsmanager:DescribeSecret" not in answer["stderr"],
        f"The caching client calls DescribeSecret before GetSecretValue (AWS's guide to it lists both "
        f"permissions), and {APP_USER} may not: allow secretsmanager:DescribeSecret on {API_KEY_SECRET} too.",
    )
    require(
        answer["returncode"] == 0,
        f"orders.payments.api_key() no longer answers, run as {APP_USER}: {_last_line(answer)}. Make it read "
        f"{API_KEY_SECRET} with the caching client (SecretCache().get_secret_string).",
    )
    returned = answer["stdout"].strip()
    require(
        returned == key,
        f"orders.payments.api_key() returned {short(returned)}, not the key stored in {API_KEY_SECRET}.",
    )
    leaks = [(name, kind) for name, kind, _ in _scan("8.2") if name in (".env", "orders/payments.py")]
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
    leaky_app.set_password(start_database(), MADE_UP["database password"], USERS["8.2"])
    return f"{API_KEY_SECRET} does not exist; the IAM user {APP_USER} (the service's identity) has no policy."


@prepares_in_kernel("8.2")
def prepare_moved_key_in_kernel() -> str:
    return _fresh("8.2")


# 8.3 ------------------------------------------------------------------------------------------


@exercise("8.3", "the leaked database password rotated")
def check_rotated() -> str:
    _sample("8.3")
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
    in_code = _files_holding("8.3", leaked)
    answer = _run_app("8.3", "from orders import app; print(app.answer())")
    if database.can_log_in(USERS["8.3"], leaked):
        raise CheckFailed(
            f"The leaked password still logs in: anyone with a clone of the history can use it. Rotate {DB_SECRET} "
            f"with the rotation function {ROTATION_FUNCTION} (rotate_secret with RotationLambdaARN)."
        )
    if answer["returncode"] != 0 and in_code:
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
        answer["returncode"] == 0,
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
    leaky_app.set_password(start_database(), MADE_UP["database password"], USERS["8.3"])
    # The workbook's rotation function (AWS's template), registered where the mock is: the grader's, when graded.
    arn = rotation.register_rotation_function(ROTATION_FUNCTION, leaky_app.rotation_handler())
    return f"{DB_SECRET} does not exist; the rotation function is {arn}."


@prepares_in_kernel("8.3")
def prepare_rotated_in_kernel() -> str:
    return _fresh("8.3")


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


@runs_in_kernel
def _hook_facts(number: str) -> dict:
    """What the check reads in the sample's repository: the hook, the last commit's notify.py, the baseline, and
    what happened to a commit adding a password (the hook is the learner's code: it runs here, in the kernel)."""
    folder = _folder(number)
    hook = folder / ".git" / "hooks" / "pre-commit"
    head = leaky_app.git(folder, "show", "HEAD:orders/notify.py", check=False)
    baseline = folder / ".secrets.baseline"
    facts = {
        "hook": hook.is_file(),
        "executable": os.access(hook, os.X_OK),
        "committed": head.returncode == 0,
        "notify": head.stdout,
        "baseline": baseline.read_text() if baseline.is_file() else "",
    }
    if facts["hook"] and facts["executable"]:
        facts["refused"] = _hook_refuses(folder)
    return facts


@exercise("8.4", "a pre-commit hook that refuses a secret")
def check_hook() -> str:
    _sample("8.4")
    facts = _hook_facts("8.4")
    require(facts["hook"], "There is no .git/hooks/pre-commit in the sample: write the hook there.")
    require(
        facts["executable"],
        "The hook .git/hooks/pre-commit is not executable, so git skips it: hook.chmod(0o755).",
    )
    require(
        facts["committed"],
        "orders/notify.py is not in the last commit. Fix it so that the hook lets it through, then commit it.",
    )
    allowed = ALLOW_LIST_PRAGMA in facts["notify"] or "notify.py" in facts["baseline"]
    require(
        not allowed,
        "You allow-listed the finding instead of fixing it (an allowlist comment or a baseline entry for "
        "notify.py): the password is still in code. Read it from Secrets Manager and drop the allow-listing.",
    )
    require(
        NEW_PASSWORD not in facts["notify"],
        "The committed orders/notify.py holds the webhook password: it was committed past the hook "
        "(--no-verify?). Read the password from Secrets Manager instead, and commit that.",
    )
    refused = facts["refused"]
    require(
        refused is None,
        f"Your hook does not stop a secret: {refused}. The hook must run detect-secrets-hook on the staged files "
        "and exit with its status.",
    )
    return "the hook refuses a commit that adds a password, and notify.py was committed without one."


@prepares("8.4")
def prepare_hook() -> str:
    leaky_app.set_password(start_database(), MADE_UP["database password"], USERS["8.4"])
    return "its database user's password is the one settings.py holds."


@prepares_in_kernel("8.4")
def prepare_hook_in_kernel() -> str:
    message = _fresh("8.4")
    (_prepared["8.4"] / "orders" / "notify.py").write_text(f'WEBHOOK_PASSWORD = "{NEW_PASSWORD}"\n')
    return f"{message}, with a new, uncommitted orders/notify.py"
