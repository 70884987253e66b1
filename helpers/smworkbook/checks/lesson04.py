"""Checks for lesson 4: rotation, one step of the four-step protocol per exercise, then the function deployed.

In exercises 4.1 to 4.4 the learner writes one step (`create_secret`, `set_secret`, `test_secret` or
`finish_secret`, with the AWS template's signature `(client, arn, token)`). The check builds a
rotation function from that step and the workbook's own versions of the other three, runs a full
rotation through rotate_secret against this kernel's PostgreSQL, and verifies the outcome in the
database (which password logs in) and in the staging labels. Each check also runs the step twice,
as AWS may, to catch a step that is not idempotent. In 4.5 the learner deploys the rotation function as on AWS
(a zip, create_function with a role, add_permission); the check rotates a secret with it, IAM policies enforced.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import zipfile
from datetime import UTC, datetime

import botocore.exceptions

from smworkbook.checks._hints import short as _short
from smworkbook.checks._registry import EXERCISES, exercise, prepares, require
from smworkbook.engine import deployed
from smworkbook.engine.errors import CheckFailed
from smworkbook.fixtures.database import start_database
from smworkbook.toolkit import access, rotation
from smworkbook.toolkit.mock import current

SECRET = "lesson04/app-db"
USERNAME = "app_user"


# The workbook's own steps (the AWS single-user template, for PostgreSQL) ----------------------


def _read(client, arn, **version) -> dict:
    return json.loads(client.get_secret_value(SecretId=arn, **version)["SecretString"])


def _login(secret: dict):
    import pg8000.native

    return pg8000.native.Connection(
        secret["username"],
        host=secret["host"],
        port=int(secret["port"]),
        database=secret["dbname"],
        password=secret["password"],
        timeout=10,
        # The kernel's server listens on loopback without TLS. pg8000's default first asks for TLS,
        # building an SSL context each time (about 60 ms: it reads the system's CA certificates),
        # and a check logs in a dozen times.
        ssl_context=False,
    )


def _can_log_in(secret: dict) -> bool:
    import pg8000.exceptions

    try:
        _login(secret).close()
    except pg8000.exceptions.DatabaseError:
        return False
    return True


def create_secret(client, arn, token):
    current_value = _read(client, arn, VersionStage="AWSCURRENT")
    try:
        _read(client, arn, VersionId=token, VersionStage="AWSPENDING")
        return
    except client.exceptions.ResourceNotFoundException:
        pass
    current_value["password"] = client.get_random_password(ExcludeCharacters="/@\"'\\")["RandomPassword"]
    client.put_secret_value(
        SecretId=arn, ClientRequestToken=token, SecretString=json.dumps(current_value), VersionStages=["AWSPENDING"]
    )


def set_secret(client, arn, token):
    import pg8000.native

    pending = _read(client, arn, VersionId=token, VersionStage="AWSPENDING")
    if _can_log_in(pending):
        return
    connection = _login(_read(client, arn, VersionStage="AWSCURRENT"))
    try:
        user, password = pg8000.native.identifier(pending["username"]), pg8000.native.literal(pending["password"])
        connection.run(f"ALTER USER {user} WITH PASSWORD {password}")
    finally:
        connection.close()


def test_secret(client, arn, token):
    connection = _login(_read(client, arn, VersionId=token, VersionStage="AWSPENDING"))
    try:
        connection.run("SELECT 1")
    finally:
        connection.close()


def finish_secret(client, arn, token):
    versions = client.describe_secret(SecretId=arn)["VersionIdsToStages"]
    current_version = next(v for v, stages in versions.items() if "AWSCURRENT" in stages)
    if current_version == token:
        return
    client.update_secret_version_stage(
        SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=current_version
    )


REFERENCE = {
    "createSecret": create_secret,
    "setSecret": set_secret,
    "testSecret": test_secret,
    "finishSecret": finish_secret,
}


def handler_with(steps: dict, twice: bool = True):
    """A lambda_handler that checks the version's labels as AWS's template does, then runs `steps`
    (each step twice when `twice`, as a retried invocation would)."""

    def lambda_handler(event, context):
        client = current().client("secretsmanager")
        arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
        stages = client.describe_secret(SecretId=arn)["VersionIdsToStages"].get(token, [])
        if "AWSCURRENT" in stages:
            return
        if "AWSPENDING" not in stages:
            raise ValueError(f"Version {token} is not AWSPENDING.")
        for attempt in range(2 if twice else 1):
            try:
                steps[step](client, arn, token)
            except Exception as error:
                if attempt:  # the step worked once, then failed when run again
                    raise RuntimeError(f"on its second run: {type(error).__name__}: {error}") from error
                raise

    return lambda_handler


# Running one rotation for a check ------------------------------------------------------------


def _register(name: str, steps: dict, twice: bool = True) -> str:
    """Register the check's rotation function `name`. A step that fails is not printed: the check's hint says it."""
    arn = rotation.register_rotation_function(name, handler_with(steps, twice))
    rotation._find(arn).announce_failures = False
    return arn


def _rotate(steps: dict, name: str) -> dict:
    """Run a full rotation of SECRET with `steps`; return what happened, for the checks to judge."""
    client = current().client("secretsmanager")
    before = _read(client, SECRET)
    before_id = client.describe_secret(SecretId=SECRET)
    before_current = next(v for v, s in before_id["VersionIdsToStages"].items() if "AWSCURRENT" in s)
    arn = _register(name, steps)
    log_start = len(rotation._find(arn).log)
    answer = client.rotate_secret(SecretId=SECRET, RotationLambdaARN=arn, RotationRules={"AutomaticallyAfterDays": 30})
    log = rotation._find(arn).log[log_start:]
    stages = client.describe_secret(SecretId=SECRET)["VersionIdsToStages"]
    after = _read(client, SECRET)
    failed = [line for line in log if line.endswith(": FAILED")]
    error = log[log.index(failed[0]) - 1] if failed else ""
    return {
        "function": name,
        "token": answer["VersionId"],
        "before": before,
        "before_current": before_current,
        "after": after,
        "stages": stages,
        "failed": failed,
        "error": error,
        "old_logs_in": _can_log_in(before),
        "new_logs_in": _can_log_in(after),
    }


def _require_completed(result: dict, step: str, advice: str = "") -> None:
    if result["failed"]:
        failed_step = result["failed"][0].split(":")[0].replace("END ", "")
        _require_written(result["error"], step)
        log = f"smworkbook.rotation_log({result.get('function', 'check')!r})"
        if not result["error"]:
            raise CheckFailed(f"The rotation stopped: {failed_step} raised: see {log}.")
        # Said here once: the check's rotation function prints nothing when a step fails.
        raise CheckFailed(
            f"The rotation stopped: {failed_step} raised ({result['error']}). The line that raised is in {log}."
        )
    require(
        "AWSCURRENT" in result["stages"].get(result["token"], []),
        "The rotation ran, but AWSCURRENT did not move to the new version (the ClientRequestToken; found "
        f"{_stages(result['stages'], result['token'])}).{advice}",
    )
    require(result["new_logs_in"], "The new AWSCURRENT password does not log in to the database.")
    require(not result["old_logs_in"], "The old password still logs in: the database password was never changed.")


def _stages(version_ids_to_stages: dict, token: str) -> str:
    """The labels as a hint names them: "the token: AWSPENDING; 1a2b…: AWSCURRENT"."""
    held = []
    for version, stages in version_ids_to_stages.items():
        name = "the token" if version == token else f"{version[:8]}…"
        held.append(f"{name}: {', '.join(stages) or 'no label'}")
    return "; ".join(held)


def _require_written(error: str, step: str) -> None:
    require(
        not error.startswith("NotImplementedError"),
        f"Your {step} is not written yet (it raises NotImplementedError): replace that line with the step.",
    )


def _prepare() -> str:
    database = start_database()
    credentials = database.create_login(USERNAME)
    current().ensure_secret(SECRET, SecretString=json.dumps(credentials))
    return f"{SECRET} holds working credentials for {USERNAME} on this kernel's PostgreSQL."


def _step_ran(name, function):
    require(
        callable(function),
        f"You passed {_short(function)}, not a function. Pass your function itself (verify('4.x', {name})), "
        "without brackets.",
    )


# 4.1 ------------------------------------------------------------------------------------------


class _StopHere(Exception):
    """Ends a check's rotation after createSecret, so that the pending version can be inspected."""


def _stop_here(client, arn, token):
    raise _StopHere("the check stops the rotation here")


@exercise("4.1", "createSecret: a new password as AWSPENDING")
def check_create_secret(create_secret) -> str:
    _step_ran("create_secret", create_secret)
    client = current().client("secretsmanager")
    steps = {**REFERENCE, "createSecret": create_secret, "setSecret": _stop_here}
    arn = _register("check-4-1-create-only", steps, twice=False)
    before = _read(client, SECRET)
    log_start = len(rotation._find(arn).log)
    with contextlib.redirect_stdout(io.StringIO()):  # the check's own stop after createSecret is not news
        token = client.rotate_secret(SecretId=SECRET, RotationLambdaARN=arn)["VersionId"]
    log = rotation._find(arn).log[log_start:]
    if "END createSecret: FAILED" in log:
        error = log[log.index("END createSecret: FAILED") - 1]
        _require_written(error, "create_secret")
        raise CheckFailed(f"createSecret raised: {error}")
    require(
        _read(client, SECRET) == before,
        "createSecret made the new password AWSCURRENT at once, before setSecret and testSecret: store it "
        "with VersionStages=['AWSPENDING'] so that nothing uses it yet.",
    )
    try:
        pending = _read(client, SECRET, VersionId=token, VersionStage="AWSPENDING")
    except botocore.exceptions.ClientError:
        found = client.describe_secret(SecretId=SECRET)["VersionIdsToStages"]
        raise CheckFailed(
            f"There is no value under AWSPENDING for the rotation's token (found {_stages(found, token)}). "
            "put_secret_value with ClientRequestToken=token and VersionStages=['AWSPENDING']."
        ) from None
    require(
        pending.get("username") == before.get("username"),
        f"The pending value's username is {pending.get('username')!r}; it should stay {before.get('username')!r}.",
    )
    password = pending.get("password")
    if password is not None and not isinstance(password, str):
        # Seen in the browser walk (issue 31): the whole get_random_password answer stored as the password. The
        # rotation then fails in setSecret, a step the learner did not write, unless the check says it here.
        answer = isinstance(password, dict) and "RandomPassword" in password
        raise CheckFailed(
            f"The pending password is a {type(password).__name__}, not text"
            + (
                ": get_random_password's whole answer. Store its 'RandomPassword' field: "
                "client.get_random_password(...)['RandomPassword']."
                if answer
                else ": store the new password as a string."
            )
        )
    require(password and password != before["password"], "The pending password is not new.")
    require(
        set(pending) == set(before),
        f"The pending value has the keys {sorted(pending)}; it should keep every key of the current one: "
        f"{sorted(before)}.",
    )
    # A retry with the same token runs createSecret again: the pending password must stay as it is.
    with contextlib.redirect_stdout(io.StringIO()):
        client.rotate_secret(SecretId=SECRET, ClientRequestToken=token)
    again = _read(client, SECRET, VersionId=token, VersionStage="AWSPENDING")
    require(
        again["password"] == pending["password"],
        "Run twice, createSecret changed the pending password: first check whether AWSPENDING already has "
        "a value (get_secret_value with VersionId=token, VersionStage='AWSPENDING') and return if so.",
    )
    _cancel(client, token)
    result = _rotate({**REFERENCE, "createSecret": create_secret}, "check-4-1")
    _require_completed(result, "create_secret")
    return "createSecret stores a new password as AWSPENDING, once; the full rotation works with it."


def _cancel(client, token) -> None:
    stages = client.describe_secret(SecretId=SECRET)["VersionIdsToStages"].get(token, [])
    if "AWSPENDING" in stages:
        client.update_secret_version_stage(SecretId=SECRET, VersionStage="AWSPENDING", RemoveFromVersionId=token)


# 4.2 ------------------------------------------------------------------------------------------


@exercise("4.2", "setSecret: change the password in the database")
def check_set_secret(set_secret) -> str:
    _step_ran("set_secret", set_secret)
    result = _rotate({**REFERENCE, "setSecret": set_secret}, "check-4-2")
    if result["failed"] and "setSecret" in result["failed"][0] and "second run" in result["error"]:
        raise CheckFailed(
            f"setSecret failed when run a second time ({result['error']}). AWS may invoke a step again: "
            "first try to log in with the pending password and return if that works; otherwise log in with "
            "the AWSCURRENT credentials and ALTER USER."
        )
    _require_completed(result, "set_secret")
    return "setSecret changes the database password, and can run twice; the old password no longer logs in."


# 4.3 ------------------------------------------------------------------------------------------


def _set_nothing(client, arn, token):
    """A broken setSecret: it forgets to change the password in the database."""


@exercise("4.3", "testSecret: log in with the pending password")
def check_test_secret(test_secret) -> str:
    _step_ran("test_secret", test_secret)
    client = current().client("secretsmanager")
    broken = _rotate({**REFERENCE, "setSecret": _set_nothing, "testSecret": test_secret}, "check-4-3-broken")
    require(
        broken["failed"] and "testSecret" in broken["failed"][0],
        "With a setSecret that never changed the database password, your testSecret did not raise, so "
        "finishSecret made a password that does not work AWSCURRENT. Log in with the AWSPENDING "
        "credentials and let the error propagate.",
    )
    require(broken["before"] == broken["after"], "After a failed test, AWSCURRENT must still be the old value.")
    # Clean up the failed rotation as an operator would, then run a good one.
    _cancel(client, broken["token"])
    result = _rotate({**REFERENCE, "testSecret": test_secret}, "check-4-3")
    _require_completed(result, "test_secret")
    return "testSecret stops a rotation whose password does not work, and passes a good one."


# 4.4 ------------------------------------------------------------------------------------------


@exercise("4.4", "finishSecret: move AWSCURRENT")
def check_finish_secret(finish_secret) -> str:
    _step_ran("finish_secret", finish_secret)
    result = _rotate({**REFERENCE, "finishSecret": finish_secret}, "check-4-4")
    second_run_failed = result["failed"] and "finishSecret" in result["failed"][0] and "second run" in result["error"]
    if not result["failed"] or second_run_failed:
        # finishSecret returned at least once: judged by the labels, not by a second run's error (the mock, or
        # AWS, words it its own way, and the grader sees it only as a ClientError).
        _require_current_moved(result)
    if second_run_failed:
        raise CheckFailed(
            f"finishSecret failed ({result['error']}). If it ran once already, AWSCURRENT is on the token: "
            "return early when it is."
        )
    advice = (
        " Don't write a new value: move the label with update_secret_version_stage(MoveToVersionId=token, "
        "RemoveFromVersionId=<current>)."
    )
    _require_label_call_right(result)
    _require_completed(result, "finish_secret", advice)
    require(
        "AWSPREVIOUS" in result["stages"].get(result["before_current"], []),
        f"The old version should now be AWSPREVIOUS (found {_stages(result['stages'], result['token'])}): pass "
        "RemoveFromVersionId=<the old AWSCURRENT version>.",
    )
    return "finishSecret moves AWSCURRENT to the new version (the old one becomes AWSPREVIOUS)."


def _require_label_call_right(result: dict) -> None:
    """A finishSecret whose update_secret_version_stage AWS refused at once: name, from the labels, which version each
    parameter must name (the error's own words are AWS's, or the mock's, and differ between them)."""
    failed_here = result["failed"] and "finishSecret" in result["failed"][0]
    # botocore's wording of any refused call names its operation, whatever the service's message says.
    if not failed_here or "UpdateSecretVersionStage operation" not in result["error"]:
        return
    stages, token, current_version = result["stages"], result["token"], result["before_current"]
    if "AWSCURRENT" not in stages.get(current_version, []):
        return
    found = {token: stages.get(token, []), **stages}
    raise CheckFailed(
        f"The rotation stopped: finishSecret raised ({result['error']}). AWSCURRENT is still on "
        f"{current_version[:8]}… (found {_stages(found, token)}): RemoveFromVersionId names the version that holds "
        f"AWSCURRENT now ({current_version[:8]}…, read from describe_secret's VersionIdsToStages), MoveToVersionId "
        "the token."
    )


def _require_current_moved(result: dict) -> None:
    """A finishSecret whose first run returned without moving AWSCURRENT to the token: name that, from the labels."""
    stages, token = result["stages"], result["token"]
    if "AWSCURRENT" in stages.get(token, []):
        return
    # A version that lost its last label is left out of VersionIdsToStages: name the token all the same.
    found = {token: stages.get(token, []), **stages}
    pending_moved = any("AWSPENDING" in held for version, held in stages.items() if version != token)
    if not result["failed"] and not pending_moved:
        return  # it left the labels alone, or wrote a new value: _require_completed's hints say which
    raise CheckFailed(
        f"Your finish_secret returned, but AWSCURRENT never moved to the token (found {_stages(found, token)})"
        + (": it moved AWSPENDING instead. " if pending_moved else ". ")
        + "Move AWSCURRENT: update_secret_version_stage(SecretId=arn, VersionStage='AWSCURRENT', "
        "MoveToVersionId=token, RemoveFromVersionId=<the version that holds AWSCURRENT>)."
    )


# Every exercise of lesson 4 (each one declared above) starts from the same state: working credentials in the secret.
for _number in [number for number, declared in EXERCISES.items() if declared.check.__module__ == __name__]:
    prepares(_number)(_prepare)


# 4.5 ------------------------------------------------------------------------------------------
# Deploy the rotation function as on AWS: a zip, create_function with an execution role, add_permission.

DEPLOYED_SECRET = "lesson04/deployed-db"
DEPLOYED_FUNCTION = "lesson04-rotation"
DEPLOYED_ROLE = "lesson04-rotation-role"
# What the rotation function calls (AWS's templates call the same; the User Guide's "Permissions for rotation").
ROTATION_ACTIONS = (
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
    "secretsmanager:GetRandomPassword",
)
_DENIED = re.compile(r"is not authorized to perform: (secretsmanager:\w+)")
_HANDLER_ERRORS = ("Runtime.ImportModuleError", "Runtime.HandlerNotFound", "Runtime.MalformedHandlerName")


@exercise("4.5", "Deploy the rotation function the AWS way")
def check_deployed_function(function_arn) -> str:
    require(
        isinstance(function_arn, str) and function_arn.startswith("arn:aws:lambda:"),
        f"function_arn is {_short(function_arn)}: set it to the FunctionArn that create_function returned "
        "(response['FunctionArn']).",
    )
    aws = current()
    client, lam = aws.client("secretsmanager"), aws.client("lambda")
    try:
        configuration = lam.get_function_configuration(FunctionName=function_arn)
    except botocore.exceptions.ClientError:
        raise CheckFailed(f"There is no function {function_arn}: deploy it with create_function first.") from None
    before = _read(client, DEPLOYED_SECRET)
    log_start = len(rotation.function_log(function_arn))
    enforced = access.policies_enforced()
    access.enforce_policies(True)  # as on AWS, the function may do only what its execution role allows
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # a failed step is said once, in this check's hint
            client.rotate_secret(SecretId=DEPLOYED_SECRET, RotationLambdaARN=function_arn)
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] != "AccessDeniedException":
            raise
        raise CheckFailed(
            "rotate_secret answered AccessDeniedException: Secrets Manager may not invoke your function. "
            f"Grant it: lambda_client.add_permission(FunctionName={configuration['FunctionName']!r}, "
            "StatementId='SecretsManagerAccess', Action='lambda:InvokeFunction', "
            "Principal='secretsmanager.amazonaws.com')."
        ) from None
    finally:
        access.enforce_policies(enforced)
    _require_no_error(rotation.function_log(function_arn)[log_start:], configuration)
    after = _read(client, DEPLOYED_SECRET)
    require(after["password"] != before["password"], "The rotation ran, but the secret's password did not change.")
    require(_can_log_in(after), "The new AWSCURRENT password does not log in to the database.")
    require(not _can_log_in(before), "The old password still logs in: the database password was never changed.")
    return (
        f"{configuration['FunctionName']} (Handler {configuration['Handler']}) rotated {DEPLOYED_SECRET}: "
        "Secrets Manager may invoke it, and its role allows every call it makes."
    )


# 4.6 (after the loop above: its set-up is its own) -------------------------------------------------------------

WEEKLY = "lesson04/weekly"
WEEKLY_USER = "weekly_user"
WEEKLY_FUNCTION = "rotate-weekly"
MONDAY = 2  # AWS's cron counts the days of the week from 1 = SUN: MON is 2


@exercise("4.6", "Rotation on a schedule: every Monday at 06:00 UTC")
def check_weekly_schedule(rotation_rules) -> str:
    from smworkbook.engine import schedules
    from smworkbook.engine.corrections.rotation import SCHEDULED

    require(
        isinstance(rotation_rules, dict),
        f"rotation_rules is {_short(rotation_rules)}: make it the dict you pass as RotationRules, such as "
        "{'ScheduleExpression': 'cron(...)', 'Duration': '2h'}.",
    )
    try:
        schedule = schedules.parse(rotation_rules)
    except schedules.ScheduleError as error:
        raise CheckFailed(f"AWS refuses these RotationRules (InvalidParameterException): {error}") from None
    require(
        schedule is not None and schedule.kind == "cron",
        f"rotation_rules {rotation_rules} set no cron() schedule: a day of the week and an hour need "
        "ScheduleExpression='cron(Minutes Hours Day-of-month Month Day-of-week Year)'.",
    )
    window = schedule.next_window(0)  # the first window after 1 January 1970 (a Thursday)
    start = datetime.fromtimestamp(window.start, UTC)
    require(
        start.isoweekday() % 7 + 1 == MONDAY and start.hour == 6,
        f"{rotation_rules['ScheduleExpression']} opens its windows on {start:%A}s at {start:%H}:00 UTC; the task "
        "asks for Mondays at 06:00: Hours 6, Day-of-week MON (or 2: AWS counts from 1 = SUN), ? in Day-of-month.",
    )
    require(
        window.end - window.start == 2 * 3600,
        f"The rotation window lasts {int(window.end - window.start) // 3600} hours; the task asks for 2: "
        "'Duration': '2h'.",
    )
    client = current().client("secretsmanager")
    described = client.describe_secret(SecretId=WEEKLY)
    require(
        described.get("RotationRules", {}).get("ScheduleExpression") == rotation_rules["ScheduleExpression"],
        f"{WEEKLY} is not rotating on that schedule (its RotationRules: {described.get('RotationRules')}): call "
        f"rotate_secret(SecretId={WEEKLY!r}, RotationLambdaARN=..., RotationRules=rotation_rules).",
    )
    runs = [run for run in SCHEDULED if run["ARN"] == described["ARN"] and run["Rotated"]]
    nxt = described.get("NextRotationDate")
    require(
        len(runs) >= 2,
        f"{len(runs)} scheduled rotation(s) of {WEEKLY} so far; the task asks for two. The next window opens "
        f"{nxt:%A %Y-%m-%d} at 06:00 UTC: advance the clock past it (smworkbook.clock.advance(days=...))."
        if nxt
        else f"{len(runs)} scheduled rotation(s) of {WEEKLY}, and rotation is off: turn it on with rotate_secret.",
    )
    versions = client.list_secret_version_ids(SecretId=WEEKLY, IncludeDeprecated=True)["Versions"]
    require(
        len(versions) <= 1 + len(runs),
        f"{WEEKLY} has {len(versions)} versions: its first, {len(runs)} from the schedule, and one more: it also "
        "rotated when you turned rotation on. Pass RotateImmediately=False (it defaults to True) to wait for the "
        "schedule.",
    )
    return (
        f"{WEEKLY} rotates every Monday at 06:00 UTC in a 2-hour window; {len(runs)} scheduled rotations ran, the "
        f"last on {datetime.fromtimestamp(runs[-1]['When'], UTC):%Y-%m-%d}."
    )


@prepares("4.5")
def _prepare_deployment() -> str:
    """A fresh secret for the deployed function to rotate; no function or role of that name yet (re-runnable)."""
    rotation.ensure_function_absent(DEPLOYED_FUNCTION)
    rotation.ensure_role_absent(DEPLOYED_ROLE)
    credentials = start_database().create_login("deployed_user")
    current().ensure_secret(DEPLOYED_SECRET, SecretString=json.dumps(credentials))
    return (
        f"{DEPLOYED_SECRET} holds working credentials for deployed_user; no function {DEPLOYED_FUNCTION} "
        f"or role {DEPLOYED_ROLE} exists yet."
    )


def _require_no_error(log: list[str], configuration: dict) -> None:
    # A step that raised ("[ERROR] Type: message"), or ran out of time ("<date> <request id> Task timed out ...").
    errors = [line for line in log if line.startswith("[ERROR]") or " Task timed out after " in line]
    if not errors:
        return
    first = errors[0].splitlines()[0].removeprefix("[ERROR] ")
    denied = _DENIED.search(first)
    if denied:
        raise CheckFailed(
            f"The function's role may not call {denied.group(1)} (AccessDeniedException). Add it to the role's "
            f"policy with iam.put_role_policy: a rotation function needs {', '.join(ROTATION_ACTIONS)}."
        )
    if first.startswith(_HANDLER_ERRORS):
        function = deployed.find(configuration["FunctionArn"], deployed.ACCOUNT, deployed.REGION)
        files = zipfile.ZipFile(io.BytesIO(function.code_bytes)).namelist() if function is not None else []
        raise CheckFailed(
            f"Lambda could not load the handler {configuration['Handler']!r} ({first}). The zip holds "
            f"{', '.join(files) or 'no file'}: Handler is '<file name without .py>.<function name>', such as "
            "'lambda_function.lambda_handler'."
        )
    name = configuration["FunctionName"]
    raise CheckFailed(
        f"The rotation stopped: {first}. The function's log: logs_client.filter_log_events("
        f"logGroupName='/aws/lambda/{name}'), or smworkbook.rotation_log({name!r})."
    )


@prepares("4.6")
def _prepare_weekly() -> str:
    database = start_database()
    credentials = database.create_login(WEEKLY_USER)
    current().ensure_secret(WEEKLY, SecretString=json.dumps(credentials))
    rotation.register_rotation_function(WEEKLY_FUNCTION, handler_with(REFERENCE, twice=False))
    return (
        f"{WEEKLY} holds working credentials for {WEEKLY_USER}; the rotation function {WEEKLY_FUNCTION!r} "
        f"(the lesson's four steps) is deployed: {rotation.function_arn(WEEKLY_FUNCTION)}"
    )
