"""Checks for lesson 6: a web service that keeps answering while its database password rotates.

Each check serves the learner's code as the orders service, signed as the service's IAM identity with
policy enforcement on, and runs steady requests through a real rotation of the secret against this
kernel's PostgreSQL (checks/_lesson06_measure.py serves and measures it). What the checks ask of the service
is what the lesson teaches: read the credentials through the cache on every request, refresh the cache
and retry once when the database refuses the login, and rotate with alternating users so that no
request fails at all.
"""

from __future__ import annotations

import json

import botocore.exceptions

from smworkbook.checks import _lesson06_measure as harness
from smworkbook.checks import lesson04, lesson05
from smworkbook.checks._hints import policy_summary
from smworkbook.checks._registry import exercise, prepares, require
from smworkbook.engine.errors import CheckFailed
from smworkbook.fixtures.database import start_database
from smworkbook.toolkit import access
from smworkbook.toolkit.mock import current

SECRET = "lesson06/orders-db"
ADMIN_SECRET = "lesson06/orders-db-admin"
OTHER_SECRET = "lesson06/payments-db"
USERNAME = "orders_app"
CLONE = USERNAME + "_clone"  # AWS's alternating-users template names the second user <user>_clone
ADMIN = "orders_admin"
SERVICE_USER = "lesson06-orders-service"
ARN_PREFIX = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
# The service reads its one secret through the caching client, which calls DescribeSecret and then
# GetSecretValue (lesson 3): both, on that secret only.
SERVICE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
            "Resource": f"{ARN_PREFIX}{SECRET}-??????",
        }
    ],
}
# Said when the learner's code caught the check's error and kept calling the cache.
SWALLOWED = (
    " Your code also caught the check's stop and called the cache again: a bare `except:` catches every error, "
    "that one too. Catch DatabaseError only."
)
# The service's IAM identity, made by the set-up.
_prepared: dict[str, access.Identity] = {}


# The workbook's own answers: the service's code, which the checks run too --------------------


def login_refused(error: Exception) -> bool:
    """Is this pg8000 error PostgreSQL refusing a login (SQLSTATE 28P01, invalid_password)?"""
    fields = error.args[0] if error.args else None
    return isinstance(fields, dict) and fields.get("C") == "28P01"


def query(credentials: dict) -> str:
    """Log in with `credentials`, ask the database who we are, log out."""
    connection = lesson04._login(credentials)
    try:
        return connection.run("SELECT current_user")[0][0]
    finally:
        connection.close()


def orders_through_cache(cache) -> str:
    return query(json.loads(cache.get_secret_string(SECRET)))


def orders_with_retry(cache) -> str:
    from pg8000.exceptions import DatabaseError

    try:
        return query(json.loads(cache.get_secret_string(SECRET)))
    except DatabaseError as error:
        if not login_refused(error):
            raise
    cache.refresh_secret_now(SECRET)
    return query(json.loads(cache.get_secret_string(SECRET)))


def other_user(username: str) -> str:
    """The user a rotation switches to: <user>_clone, or back to <user> (AWS's alternating-users rule)."""
    return username.removesuffix("_clone") if username.endswith("_clone") else username + "_clone"


def _measuring(answer):
    """The orders service with `answer`, as the IAM identity the set-up made, reading SECRET."""
    return harness.measuring(answer, _prepared.get("identity"), SECRET)


def _require_steady(measure: harness.Measure, what: str) -> None:
    """Before any rotation: every request answers, each reads the cache, none refreshes it."""
    warm = [measure.get() for _ in range(3)]
    error = harness.first_error(warm)
    looped = measure.cache.looped
    require(
        not looped,
        f"Before any rotation, {_count(looped, 'request')} of {len(warm)} retried again and again and {_was(looped)} "
        f"ended by the check (retried: {looped[0] if looped else ''}): your {what} failed each time it tried. Run it "
        "on its own to see why." + (SWALLOWED if measure.cache.swallowed else ""),
    )
    require(
        error != "NotImplementedError",
        f"Your {what} is not written yet (it raises NotImplementedError): replace that line with your code.",
    )
    if error.startswith("TypeError: string indices must be integers"):
        # Python's words for text indexed like a dict (credentials["username"] on the cache's JSON text): seen in the
        # browser walk (issue 31), where "run your function on its own" told the learner nothing new.
        raise CheckFailed(
            f"Before any rotation, the service failed: {error}. The cache returns the secret's JSON text: turn it into "
            f"a dict before you use it, json.loads(cache.get_secret_string({SECRET!r}))."
        )
    require(not error, f"Before any rotation, the service failed: {error}. Run your function on its own to see why.")
    require(
        measure.cache.reads >= len(warm),
        f"Your {what} read the cache {_times(measure.cache.reads)} in {len(warm)} requests: it does not read the "
        f"credentials through the cache on each request (cache.get_secret_string({SECRET!r})): it read them once, "
        "at start-up, or from another client.",
    )
    require(
        measure.cache.refreshes == 0,
        f"Your {what} refreshed the cache {_times(measure.cache.refreshes)} in {len(warm)} requests, none of them "
        "refused by the database: that asks Secrets Manager each time (and waits seconds, on purpose, each time). "
        "Refresh only after the database refused a login.",
    )
    calls = measure.calls.count("GetSecretValue")
    require(
        calls <= 1,
        f"The service called GetSecretValue {_times(calls)} in {len(warm)} requests: read through the cache, "
        "which calls it once.",
    )


def _require_no_loop(looped: list[str], requests: list, swallowed: bool) -> None:
    """No request refreshed or read the cache in a loop (`looped`: what the cache's guard saw, whatever
    the requests' answers were; `swallowed`: a request caught the guard's error and went on)."""
    require(
        not looped,
        f"A request retried again and again: {_count(looped, 'request')} of {len(requests)} {_was(looped)} ended "
        f"by the check (retried: {looped[0] if looped else ''}). Retry once: if the login with the refreshed "
        "credentials fails too, let the error go, so the request fails fast." + (SWALLOWED if swallowed else ""),
    )


def _count(items: list, noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def _was(items: list) -> str:
    return "was" if len(items) == 1 else "were"


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def _prepare() -> str:
    database = start_database()
    database.drop_login(CLONE)  # AWS's template creates it in the first rotation
    credentials = database.create_login(USERNAME)
    admin_credentials = database.create_admin_login(ADMIN)
    aws = current()
    access.enforce_policies()
    admin_arn = aws.ensure_secret(ADMIN_SECRET, SecretString=json.dumps(admin_credentials))["ARN"]
    aws.ensure_secret(SECRET, SecretString=json.dumps({**credentials, "masterarn": admin_arn}))
    aws.ensure_secret(OTHER_SECRET, SecretString=json.dumps({"password": "not for the orders service"}))
    _prepared["identity"] = access.create_user(SERVICE_USER)
    return f"{SECRET} holds {USERNAME}'s credentials; the IAM user {SERVICE_USER} runs the service"


def _with_service_policy() -> str:
    message = _prepare()
    access.put_user_policy(_prepared["identity"], SERVICE_POLICY, name="read-orders-db")
    return message + " and may read that secret."


# 6.1 ------------------------------------------------------------------------------------------


def _attempt(call) -> str | None:
    """None if allowed, else AWS's AccessDeniedException message."""
    try:
        call()
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] == "AccessDeniedException":
            return error.response["Error"]["Message"]
        raise
    return None


@exercise("6.1", "the service's policy: its own secret, through the cache")
def check_service_policy() -> str:
    identity = _prepared.get("identity")
    require(identity, 'Run the exercise\'s cell first: it starts with checks.setup("6.1").')
    access.enforce_policies()
    documents = lesson05.user_policy_documents(SERVICE_USER)
    require(
        documents,
        f"{SERVICE_USER} has no policy yet. Attach yours with iam.put_user_policy(UserName={SERVICE_USER!r}, "
        "PolicyName=..., PolicyDocument=json.dumps(policy)).",
    )
    yours = f"(your policy: {policy_summary(documents)})"
    client = current().client_as(identity)
    denied = _attempt(lambda: client.get_secret_value(SecretId=SECRET))
    require(not denied, f"Too narrow: the service can't read {SECRET} {yours}. AWS says: {denied}")
    denied = _attempt(lambda: client.describe_secret(SecretId=SECRET))
    require(
        not denied,
        "Too narrow: the caching client calls DescribeSecret before GetSecretValue (to learn which version is "
        f"AWSCURRENT), and the service may not {yours}. Allow secretsmanager:DescribeSecret on {SECRET} too.",
    )
    require(
        _attempt(lambda: client.get_secret_value(SecretId=OTHER_SECRET)),
        f"Too broad: the service can also read {OTHER_SECRET} {yours}. Name only {SECRET} in Resource (its ARN, "
        "ending in -??????), not *.",
    )
    require(
        _attempt(lambda: client.get_secret_value(SecretId=ADMIN_SECRET)),
        f"Too broad: the service can read {ADMIN_SECRET}, the database's admin login {yours}, because a * after "
        "the name matches longer names. End the ARN in -?????? (exactly six characters) instead.",
    )
    require(
        _attempt(lambda: client.put_secret_value(SecretId=SECRET, SecretString='{"changed": true}')),
        f"Too broad: the service can change its secret (PutSecretValue) {yours}. It only reads: allow "
        "DescribeSecret and GetSecretValue, not secretsmanager:*.",
    )
    with _measuring(orders_through_cache) as measure:
        error = harness.first_error([measure.get()])
    require(not error, f"The service can't read its secret through the cache: {error}")
    return f"{SERVICE_USER} reads {SECRET} through the cache, and nothing else."


# 6.2 ------------------------------------------------------------------------------------------


@exercise("6.2", "read the credentials through the cache, not once at start-up")
def check_through_cache(orders) -> str:
    with _measuring(orders) as measure:
        _require_steady(measure, "orders(cache)")
        handler = lesson04.handler_with(lesson04.REFERENCE, twice=False)
        result, _ = measure.rotate(handler, "check-6-2")
        after_rotation = result.counts()["failed_after"]
        measure.cache.refresh_secret_now(SECRET)  # what the cache does by itself, within the hour
        refreshed = [measure.get() for _ in range(3)]
    require(
        not harness.first_error(refreshed),
        "After the rotation and a refresh of the cache, your service still fails "
        f"({harness.first_error(refreshed)}): it uses credentials read before the rotation. Read them with "
        "cache.get_secret_string on every request.",
    )
    if after_rotation == 0:
        return "the service reads through the cache, and already recovers after finishSecret (that is 6.3)."
    return (
        "the service reads through the cache: one DescribeSecret and one GetSecretValue, then memory. After "
        "finishSecret, at least one request failed until the cache refreshed (exercise 6.3 fixes that)."
    )


# 6.3 ------------------------------------------------------------------------------------------


@exercise("6.3", "on a refused login, refresh the secret and retry once")
def check_refresh_and_retry(orders_with_retry) -> str:
    # The parameter's name is the notebook's: a grader reads the learner's function by that name.
    with _measuring(orders_with_retry) as measure:
        _require_steady(measure, "orders_with_retry(cache)")
        handler = lesson04.handler_with(lesson04.REFERENCE, twice=False)
        result, _ = measure.rotate(handler, "check-6-3")
        looped, swallowed = list(measure.cache.looped), measure.cache.swallowed
        # Under load, the cache may have been refreshed by a request that failed during the rotation
        # just as finishSecret moved AWSCURRENT, so no request after it needed the retry. A rotation
        # with no request during it leaves the cache surely stale: the next request must retry.
        quiet = measure.rotate_unwatched(handler, "check-6-3-quiet")
        stale = measure.get()
        unread = measure.cache.unread_refreshes
    _require_no_loop(looped, result.requests, swallowed)
    # Seen in the browser walk (issue 31): a refresh, then a retry with the credentials read before it.
    retried_stale = (
        f"Your orders_with_retry refreshed the secret, then retried without reading the cache again "
        f"({_count(range(unread), 'request')}): after cache.refresh_secret_now({SECRET!r}), read the credentials "
        f"again with cache.get_secret_string({SECRET!r}) and try once more with those."
    )
    after = [r for r in result.requests if result.phase(r) == "after"]
    require(after, "No request reached the service after finishSecret. Run the check again.")
    error = harness.first_error(after)
    failed_after = [r for r in after if not r.ok]
    if error and unread:
        failed = f"After finishSecret, {_count(failed_after, 'request')} of {len(after)} still failed ({error})."
        raise CheckFailed(f"{failed} {retried_stale}")
    require(
        not error,
        f"After finishSecret, {_count(failed_after, 'request')} of {len(after)} still failed ({error}). When the "
        f"login is refused (login_refused(error)), call cache.refresh_secret_now({SECRET!r}) and try once more "
        "with the credentials the cache returns then.",
    )
    require(
        quiet["stages"] != quiet["before"],
        f"The check's second rotation did not finish (labels before: {quiet['before']}, after: {quiet['stages']}). "
        "Run the exercise's cell again, then the check.",
    )
    require(
        stale.ok,
        "After a rotation with no request during it, the cache still held the credentials from before, and the "
        f"next request failed ({harness.first_error([stale])}). "
        + (
            retried_stale
            if unread
            else f"When the login is refused (login_refused(error)), call cache.refresh_secret_now({SECRET!r}) and "
            "try once more with the credentials the cache returns then."
        ),
    )
    return (
        "0 failed after finishSecret: a refused login refreshes the cache and retries once. The single-user "
        "window between setSecret and finishSecret still fails (exercise 6.4 removes it)."
    )


# 6.4 ------------------------------------------------------------------------------------------


def _require_alternated(report: dict, before_current: dict, rotation_number: int) -> dict:
    client = current().client("secretsmanager")
    token, stages = report["token"], report["stages"]
    pending = [version for version, labels in stages.items() if "AWSPENDING" in labels and version != token]
    if report["failed"] and not pending:
        lesson04._require_written(report["error"], "create_secret or set_secret")
        advice = ""
        if "permission denied" in report["error"]:
            # PostgreSQL's words for SQLSTATE 42501 (insufficient_privilege), e.g. "permission denied to create
            # role": the user in use may not create or alter another user; the admin may (AWS's alternating-users
            # template logs in with the secret that masterarn names).
            advice = (
                " setSecret logged in as a user who may not create or change users: log in as the admin, whose "
                "credentials are in the secret the pending value's masterarn names "
                "(read(client, pending['masterarn']))."
            )
        raise CheckFailed(f"Rotation {rotation_number} stopped at {report['failed']}: {report['error']}.{advice}")
    require(
        not pending and "AWSCURRENT" in stages.get(token, []),
        "AWSPENDING is on the wrong version: createSecret must store the new credentials under the rotation's "
        "token (put_secret_value with ClientRequestToken=token and VersionStages=['AWSPENDING']).",
    )
    now = lesson04._read(client, SECRET)
    require(
        set(now) == set(before_current),
        f"The new value has the keys {sorted(now)}; it should keep every key of the current one: "
        f"{sorted(before_current)}.",
    )
    require(
        now["username"] != before_current["username"],
        f"Rotation {rotation_number} changed the password of the user in use ({now['username']}): that is the "
        "single-user strategy, with its window. createSecret must switch to the other user "
        "(other_user(current['username'])).",
    )
    require(
        now["username"] == other_user(before_current["username"]),
        f"Rotation {rotation_number} switched to {now['username']!r}; the other user of "
        f"{before_current['username']!r} is {other_user(before_current['username'])!r}.",
    )
    require(lesson04._can_log_in(now), "The new AWSCURRENT credentials do not log in to the database.")
    require(
        lesson04._can_log_in(before_current),
        f"The previous user's password ({before_current['username']}) stopped working: setSecret must change only "
        "the pending user's password (log in as the admin from masterarn), so that apps still using the "
        "previous credentials keep working.",
    )
    return now


@exercise("6.4", "the alternating-users rotation: zero failed requests")
def check_alternating_users(create_secret, set_secret) -> str:
    require(
        callable(create_secret) and callable(set_secret),
        "Pass your two functions themselves: checks.verify('6.4', create_secret, set_secret), without brackets.",
    )
    steps = {**lesson04.REFERENCE, "createSecret": create_secret, "setSecret": set_secret}
    handler = lesson04.handler_with(steps, twice=True)
    client = current().client("secretsmanager")
    failed = 0
    with _measuring(orders_with_retry) as measure:
        for number in (1, 2):  # there and back: orders_app -> orders_app_clone -> orders_app
            before = lesson04._read(client, SECRET)
            result, report = measure.rotate(handler, f"check-6-4-{number}")
            _require_alternated(report, before, number)
            failed += result.counts()["failed"]
    require(
        failed == 0,
        "Requests failed during the rotation, although it switched users: setSecret changed a password the "
        "service was using. Change only the pending user's password.",
    )
    return f"two rotations ({USERNAME} -> {CLONE} -> {USERNAME}) under load: 0 failed requests."


for _number in ("6.2", "6.3", "6.4"):
    prepares(_number)(_with_service_policy)
prepares("6.1")(lambda: _prepare() + " (no policy yet).")
