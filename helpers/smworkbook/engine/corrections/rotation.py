"""Rotation: RotateSecret and CancelRotateSecret.

Follows the API reference pages RotateSecret and CancelRotateSecret and the User Guide's
"Rotation by Lambda function" and "Lambda rotation functions".
"""

from __future__ import annotations

import functools
import uuid

from moto.secretsmanager import models
from moto.secretsmanager.exceptions import (
    InvalidParameterException,
    InvalidRequestException,
    SecretNotFoundException,
    SecretsManagerClientError,
)

from smworkbook.engine import clock, lambdas, schedules, server
from smworkbook.engine import deployed as functions
from smworkbook.engine.corrections.common import MARKED_FOR_DELETION, now_in_milliseconds, version_with

# RotateSecret without a rotation function, stored or given: InvalidRequestException (recorded from AWS:
# localstack/localstack, tests/aws/services/secretsmanager/test_secretsmanager.snapshot.json,
# test_first_rotate_secret_with_missing_lambda_arn).
NO_ROTATION_FUNCTION = "No Lambda rotation function ARN is associated with this secret."
# RotateSecret naming a function Secrets Manager can't invoke: AccessDeniedException, HTTP 400 (recorded: the same
# snapshot, test_rotate_secret_invalid_lambda_arn, a function that does not exist).
CANNOT_INVOKE = (
    "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access "
    "to the principal secretsmanager.amazonaws.com."
)
ROTATION_IN_PROGRESS = "A previous rotation isn't complete. That rotation will be reattempted."


def rotate_secret_runs_the_rotation_function() -> None:
    """RotateSecret runs the rotation function's four steps and leaves the labels as the function set them.

    AWS (API reference, RotateSecret; User Guide, "Rotation by Lambda function"):
    - RotateSecret "configures and starts the asynchronous process of rotating the secret". With
      RotationLambdaARN / RotationRules it stores them first; without them it "starts a rotation
      with the values already stored in the secret"; with none stored it is InvalidRequestException
      "No Lambda rotation function ARN is associated with this secret." A function Secrets Manager
      can't invoke (one that does not exist) is AccessDeniedException "Secrets Manager cannot invoke
      the specified Lambda function. Ensure that the function policy grants access to the principal
      secretsmanager.amazonaws.com.", HTTP 400, and nothing is stored (both recorded from AWS:
      localstack/localstack tests/aws/services/secretsmanager/test_secretsmanager.snapshot.json,
      test_first_rotate_secret_with_missing_lambda_arn and test_rotate_secret_invalid_lambda_arn).
    - Secrets Manager attaches AWSPENDING to a new, empty version whose VersionId is the
      ClientRequestToken (returned as VersionId), then invokes the function with {"SecretId": ARN,
      "ClientRequestToken", "RotationToken", "Step"} (User Guide, "Rotation by Lambda function":
      RotationToken is "a unique identifier that indicates the source of the request") for
      createSecret, setSecret, testSecret, finishSecret. The
      function moves the labels; Secrets Manager does not. "When rotation is unsuccessful, the
      AWSPENDING staging label might be attached to an empty secret version."
    - "If the AWSPENDING staging label is present but not attached to the same version as
      AWSCURRENT, then any later invocation of RotateSecret assumes that a previous rotation request
      is still in progress and returns an error." The ClientRequestToken exists so that "if there
      are failures and retries during rotation" no duplicate version is made: a retry with the
      pending version's token resumes that rotation.
    - RotateImmediately=False: "Secrets Manager tests the rotation configuration by running the
      testSecret step of the Lambda rotation function. The test creates an AWSPENDING version of
      the secret and then removes it." The rotation itself waits for the schedule.
    moto 5.2: runs Lambda code only in Docker (its "simple" backend runs nothing); a nonexistent
    function is ResourceNotFoundException (HTTP 404) and still changes the secret; without any ARN
    it moves AWSCURRENT onto an empty version
    (the secret can no longer be read); after the steps it makes the pending version the default
    for GetSecretValue without moving the labels; it refuses to rotate when AWSPENDING sits on the
    AWSCURRENT version (AWS allows that) and allows it when AWSPENDING is stale (AWS refuses).

    Here the function is a Python `lambda_handler` registered with
    smworkbook.register_rotation_function(); the steps run in the kernel, in order, and stop at the
    first step that raises (see helpers/smworkbook/engine/lambdas.py for how that is shown). A function
    that was never registered is one Secrets Manager can't invoke: AWS's error, and a line printed
    where the rotation function's own output goes saying how to register it.
    """
    models.SecretsManagerBackend.rotate_secret = _rotate_secret


def _rotate_secret(
    self,
    secret_id: str,
    client_request_token: str | None = None,
    rotation_lambda_arn: str | None = None,
    rotation_rules: dict | None = None,
    rotate_immediately: bool = True,
) -> str:
    if not self._is_valid_identifier(secret_id):
        raise SecretNotFoundException()
    secret = self.secrets[secret_id]
    if secret.is_deleted():
        raise InvalidRequestException(MARKED_FOR_DELETION)
    arn = rotation_lambda_arn or secret.rotation_lambda_arn
    if not arn:
        raise InvalidRequestException(NO_ROTATION_FUNCTION)
    invoke = _invoker(self, arn)
    schedule = _schedule(rotation_rules) if rotation_rules else None
    if client_request_token:
        self._client_request_token_validator(client_request_token)
    current_id = version_with(secret, "AWSCURRENT")
    pending_id = version_with(secret, "AWSPENDING")
    if current_id is None:
        raise InvalidRequestException("The secret has no AWSCURRENT version to rotate. Give it a value first.")
    stale = pending_id is not None and pending_id != current_id
    if stale and client_request_token != pending_id:
        raise InvalidRequestException(ROTATION_IN_PROGRESS)

    # The configuration is stored before the rotation starts, and rotation is turned on.
    secret.rotation_requested = True
    secret.rotation_lambda_arn = arn
    secret.rotation_enabled = True
    if schedule is not None:
        secret.rotation_rules, secret.schedule = schedule
        secret.auto_rotate_after_days = secret.rotation_rules.get("AutomaticallyAfterDays", 0)
    rotation_token = str(uuid.uuid4())

    token = client_request_token or str(uuid.uuid4())
    if not rotate_immediately:
        return _test_rotation(secret, invoke, token, current_id, rotation_token)
    if token not in secret.versions:
        secret.remove_version_stages_from_old_versions(["AWSPENDING"])
        secret.versions[token] = _pending_version(token)
    rotated = False
    for step in lambdas.STEPS:
        event = {"Step": step, "SecretId": secret.arn, "ClientRequestToken": token, "RotationToken": rotation_token}
        if not invoke(event):
            break
    else:
        if version_with(secret, "AWSCURRENT") == token:
            secret.last_rotation_date = secret.rotation_base = now_in_milliseconds()
            rotated = True
    # The next window counts from this rotation; a new schedule from the last rotation (or now). A failed rotation
    # moves nothing: NextRotationDate "may be in the past" (DescribeSecret).
    if rotated or schedule is not None or getattr(secret, "next_window", None) is None:
        _schedule_next(secret)
    return secret.to_short_dict(version_id=token)


def _invoker(backend, arn: str):
    """How to run one step of the function `arn`: registered in the kernel, or deployed with create_function and
    allowed (AddPermission) to be invoked by Secrets Manager; else AWS's AccessDeniedException."""
    if lambdas.is_registered(arn):
        return lambda event: lambdas.invoke(arn, event)
    deployed = functions.find(arn, backend.account_id, backend.region_name)
    if deployed is None:
        print(
            f"There is no function {arn}: deploy it with create_function (and add_permission), or register one: "
            "arn = smworkbook.register_rotation_function(name, lambda_handler)"
        )
        raise SecretsManagerClientError("AccessDeniedException", CANNOT_INVOKE)
    if not functions.allows(deployed, functions.SECRETS_MANAGER):
        raise SecretsManagerClientError("AccessDeniedException", CANNOT_INVOKE)
    endpoint = server.own_endpoint()

    def invoke(event: dict) -> bool:
        outcome, _ = functions.invoke(deployed, event, endpoint)
        if outcome.failed:
            payload = outcome.payload if isinstance(outcome.payload, dict) else {}
            name = deployed.function_name
            print(
                f"Rotation function {name!r} failed at {event['Step']}: {payload.get('errorType')}: "
                f"{payload.get('errorMessage')}  (its log: the log group /aws/lambda/{name}, "
                f"or smworkbook.rotation_log({name!r}))"
            )
        return not outcome.failed

    return invoke


def _test_rotation(secret, invoke, token: str, current_id: str, rotation_token: str) -> str:
    # RotateImmediately=False: only testSecret runs, against a temporary AWSPENDING copy of the
    # current value; the copy is removed afterwards and the next rotation waits for the schedule.
    value = {k: v for k, v in secret.versions[current_id].items() if k in ("secret_string", "secret_binary")}
    secret.remove_version_stages_from_old_versions(["AWSPENDING"])
    secret.versions[token] = _pending_version(token)
    secret.versions[token].update(value)
    try:
        event = {"Step": "testSecret", "SecretId": secret.arn, "ClientRequestToken": token}
        invoke({**event, "RotationToken": rotation_token})
    finally:
        secret.versions.pop(token, None)
    _schedule_next(secret)
    return secret.to_short_dict(version_id=current_id)


def _pending_version(token: str) -> dict:
    # An empty version carrying AWSPENDING, as moto stores versions (dates to the millisecond, as AWS keeps them).
    return {"createdate": now_in_milliseconds(), "version_id": token, "version_stages": ["AWSPENDING"]}


def _schedule_next(secret) -> None:
    """NextRotationDate: the last second of the first window after the last rotation (or after now, when the
    secret never rotated: rotation was just turned on with RotateImmediately=False, or every rotation failed)."""
    schedule = getattr(secret, "schedule", None)
    if schedule is None or not secret.rotation_enabled:
        return
    window = schedule.next_window(getattr(secret, "rotation_base", None) or secret.last_rotation_date or clock.now())
    secret.next_window = window
    secret.next_rotation_date = window.latest


# Recorded from AWS: InvalidParameterException "You cannot specify both rotation frequency and schedule expression
# together." (hashicorp/terraform-provider-aws#33329 and #30540, RotateSecret with both).
BOTH_SCHEDULES = "You cannot specify both rotation frequency and schedule expression together."


def _schedule(rules: dict) -> tuple[dict, schedules.Schedule | None]:
    """The rules as DescribeSecret shows them, and the schedule they set.

    A schedule AWS refuses is InvalidParameterException, the code AWS answers for RotationRules it refuses
    (BOTH_SCHEDULES). No recording of AWS's answer to a malformed cron() or rate() expression, or to a Duration too
    long for its schedule, was found: the code is AWS's for RotationRules, the message is the workbook's, naming the
    User Guide's rule that was broken (engine/schedules.py).
    """
    if rules.get("AutomaticallyAfterDays") is not None and rules.get("ScheduleExpression") is not None:
        raise InvalidParameterException(BOTH_SCHEDULES)
    try:
        schedule = schedules.parse(rules)
        if schedule is not None:
            schedule.next_window(clock.now())  # a cron() naming no day within a year (31 February) is refused too
    except schedules.ScheduleError as error:
        raise InvalidParameterException(str(error)) from None
    stored = {key: rules[key] for key in ("AutomaticallyAfterDays", "ScheduleExpression", "Duration") if key in rules}
    if "ScheduleExpression" in rules:  # (parse() gave a schedule for it, or raised)
        # "In DescribeSecret and ListSecrets, this value is calculated from the rotation schedule".
        days = schedules.automatically_after_days(schedule)
        if days is not None:
            stored["AutomaticallyAfterDays"] = days
    return stored, schedule


def rotation_rules_are_kept_as_given() -> None:
    """RotationRules keep ScheduleExpression and Duration; AutomaticallyAfterDays and ScheduleExpression
    together are refused.

    AWS (API reference, RotationRulesType): "In RotateSecret, you can set the rotation schedule in
    RotationRules with AutomaticallyAfterDays or ScheduleExpression, but not both. To set a rotation
    schedule in hours, use ScheduleExpression." ScheduleExpression is "a cron() or rate()
    expression", e.g. rate(12 hours) or rate(10 days); "You can rotate a secret as often as every
    four hours." Duration is "the length of the rotation window in hours, for example 3h".
    AutomaticallyAfterDays: "In DescribeSecret and ListSecrets, this value is calculated from the
    rotation schedule after every successful rotation." DescribeSecret returns the rules as set.
    moto 5.2: drops ScheduleExpression and Duration (DescribeSecret shows AutomaticallyAfterDays: 0)
    and accepts both schedules at once.
    The rotation itself is the workbook's RotateSecret (rotate_secret_runs_the_rotation_function);
    this correction shows the stored rules. The schedule they set runs on the mock's clock
    (scheduled_rotations_run_when_the_clock_reaches_them).
    """
    original = models.FakeSecret.to_dict

    @functools.wraps(original)
    def to_dict(self) -> dict:
        described = original(self)
        if "RotationRules" in described and hasattr(self, "rotation_rules"):
            described["RotationRules"] = dict(self.rotation_rules)
        return described

    models.FakeSecret.to_dict = to_dict


def cancel_rotate_secret_names_the_pending_version() -> None:
    """CancelRotateSecret turns rotation off and names the version of an unfinished rotation.

    AWS (API reference, CancelRotateSecret): "Turns off automatic rotation, and if a rotation is
    currently in progress, cancels the rotation." Its VersionId is "the unique identifier of the
    version of the secret created during the rotation", which still carries AWSPENDING and must be
    cleaned up, or it blocks later rotations. NextRotationDate no longer applies.
    moto 5.2: returns the AWSCURRENT version's id and keeps NextRotationDate.
    """
    original = models.SecretsManagerBackend.cancel_rotate_secret

    @functools.wraps(original)
    def cancel_rotate_secret(self, secret_id):
        answer = original(self, secret_id)
        secret = self.secrets[secret_id]
        secret.next_rotation_date = None
        secret.next_window = None
        pending_id = version_with(secret, "AWSPENDING")
        if pending_id is not None and pending_id != version_with(secret, "AWSCURRENT"):
            return secret.to_short_dict(version_id=pending_id)
        return answer

    models.SecretsManagerBackend.cancel_rotate_secret = cancel_rotate_secret


def scheduled_rotations_run_when_the_clock_reaches_them() -> None:
    """A secret with rotation on rotates by itself in each window of its schedule, on the mock's clock.

    AWS (User Guide, "Rotation schedules"): "Secrets Manager rotates your secret on a schedule during a rotation
    window that you set"; "Secrets Manager rotates your secret at any time during the rotation window." The
    windows follow RotationRules (engine/schedules.py). DescribeSecret, NextRotationDate: "The next rotation is
    scheduled to occur on or before this date ... If rotation fails, Secrets Manager retries the entire rotation
    process multiple times. If rotation is unsuccessful, this date may be in the past. This date represents the
    latest date that rotation will occur". LastRotatedDate: "The last date and time that Secrets Manager rotated
    the secret." A scheduled rotation is the rotation RotateSecret starts: the stored rotation function, its
    four steps.
    moto 5.2: nothing rotates by itself; NextRotationDate is the last rotation plus AutomaticallyAfterDays, to the
    second, and a cron() schedule has none.

    Here the schedule runs on the mock's clock (engine/clock.py), which a notebook moves with
    smworkbook.clock.advance(): every window that opens on the way, in every secret, in order, gets its rotation
    when it opens (AWS picks any moment in the window; the mock the first, so a lesson's output is the same on
    every run), through the same RotateSecret (the registered function and its steps). A rotation that fails
    leaves NextRotationDate in the past, as AWS says; the mock does not retry it on its own (AWS's retries are
    not specified), the next rotate_secret does.
    """
    clock.on_advance(_run_due_rotations)


# Every scheduled rotation the mock ran, oldest first ({"ARN", "SecretId", "When", "Rotated", "Error"}): what
# smworkbook.clock.advance() reports, and what lesson 4's scheduling exercise counts. The last thousand are kept.
SCHEDULED: list[dict] = []


def _run_due_rotations(target: float) -> list[dict]:
    """Run, in time order, every scheduled rotation whose window opens by `target` (mock time)."""
    done: list[dict] = []
    tried: set[tuple[int, float]] = set()
    while True:
        due = [
            (secret.next_window.start, backend, secret)
            for backend in _backends()
            for secret in list(backend.secrets.values())
            if _scheduled(secret)
            and secret.next_window.start <= target
            and (id(secret), secret.next_window.start) not in tried
        ]
        if not due:
            return done
        start, backend, secret = min(due, key=lambda found: found[0])
        tried.add((id(secret), start))
        clock.set_to(start)
        before = version_with(secret, "AWSCURRENT")
        try:
            backend.rotate_secret(secret.name)
            error = None
        except SecretsManagerClientError as refused:  # a stale AWSPENDING, a function that is gone
            error = f"{refused.error_type}: {refused.message}"
        rotated = version_with(secret, "AWSCURRENT") != before
        done.append({"ARN": secret.arn, "SecretId": secret.name, "When": start, "Rotated": rotated, "Error": error})
        SCHEDULED[:] = [*SCHEDULED, done[-1]][-1000:]


def _scheduled(secret) -> bool:
    return (
        secret.rotation_enabled
        and not secret.is_deleted()
        and getattr(secret, "schedule", None) is not None
        and getattr(secret, "next_window", None) is not None
    )


def _backends():
    """Every Secrets Manager backend the mock holds (each account and region)."""
    for _, account in list(models.secretsmanager_backends.items()):
        yield from list(account.values())


def a_new_value_counts_as_a_rotation_for_automatically_after_days() -> None:
    """With AutomaticallyAfterDays, a new value from PutSecretValue or UpdateSecret restarts the count.

    AWS (API reference, RotationRulesType, AutomaticallyAfterDays): "If you use this field to set the rotation
    schedule, Secrets Manager calculates the next rotation date based on the previous rotation. Manually updating
    the secret value by calling PutSecretValue or UpdateSecret is considered a valid rotation." LastRotatedDate
    stays the last rotation's (a DescribeSecret recorded from AWS shows both: AutomaticallyAfterDays 30,
    LastRotatedDate 2026-02-02T18:16+01:00, a new AWSCURRENT value put on 2026-02-03, NextRotationDate
    2026-03-06T00:59:59+01:00, the end of the UTC day 30 days after the put). For a ScheduleExpression AWS says
    nothing of the kind: its windows are left as they are.
    moto 5.2: a new value changes nothing about the schedule.
    """
    for name in ("put_secret_value", "update_secret"):
        original = getattr(models.SecretsManagerBackend, name)

        @functools.wraps(original)
        def restart_the_count(self, secret_id, *args, _original=original, **kwargs):
            secret = self.secrets[secret_id] if secret_id in self.secrets else None
            before = version_with(secret, "AWSCURRENT") if secret is not None else None
            answer = _original(self, secret_id, *args, **kwargs)
            secret = self.secrets[secret_id]
            rules = getattr(secret, "rotation_rules", {})
            by_days = "AutomaticallyAfterDays" in rules and "ScheduleExpression" not in rules
            if by_days and secret.rotation_enabled and version_with(secret, "AWSCURRENT") != before:
                secret.rotation_base = now_in_milliseconds()
                _schedule_next(secret)
            return answer

        setattr(models.SecretsManagerBackend, name, restart_the_count)


CORRECTIONS = (
    rotate_secret_runs_the_rotation_function,
    cancel_rotate_secret_names_the_pending_version,
    rotation_rules_are_kept_as_given,
    scheduled_rotations_run_when_the_clock_reaches_them,
    a_new_value_counts_as_a_rotation_for_automatically_after_days,
)
