"""Checks for lesson 2: versions and staging labels."""

from __future__ import annotations

import json

from smworkbook.checks import _values
from smworkbook.checks._hints import short as _short
from smworkbook.checks._registry import describe, exercise, prepares, read, require
from smworkbook.toolkit.mock import current

# The versions table's data, without pandas: the browser edition (make lite) runs these checks too.
from smworkbook.toolkit.versions import version_rows

PREVIOUS = "lesson02/db-password"
DEPRECATED = "lesson02/api-key"
ROLLBACK = "lesson02/feature-config"
CANARY = "lesson02/payment-key"
PROMOTE = "lesson02/signing-key"
RETRY = "lesson02/webhook-token"
RETRY_TOKEN = "lesson02-exercise-2-6-retry-token-0001"


def _put_values(name: str, values: list[str], **first_kwargs) -> list[str]:
    """A fresh secret `name` holding each value in turn; the version ids, oldest first."""
    aws = current()
    ids = [aws.ensure_secret(name, SecretString=values[0], **first_kwargs)["VersionId"]]
    client = aws.client("secretsmanager")
    ids += [client.put_secret_value(SecretId=name, SecretString=value)["VersionId"] for value in values[1:]]
    return ids


def _labels(name: str) -> dict[str, tuple[str, ...]]:
    """VersionId -> labels for every version of `name` (deprecated ones too)."""
    require(describe(name), f"There is no secret called {name!r}. Run the exercise cell again from the top.")
    return {row.VersionId: row.labels for row in version_rows(name)}


def _holder(labels: dict[str, tuple[str, ...]], label: str) -> str | None:
    return next((version_id for version_id, held in labels.items() if label in held), None)


def _found(labels: dict[str, tuple[str, ...]]) -> str:
    """The labels as a hint names them: "found v1: AWSPREVIOUS; v2: AWSCURRENT, canary" (v1 the oldest)."""
    held = [f"v{number}: {', '.join(stages) or 'no label'}" for number, stages in enumerate(labels.values(), 1)]
    return "found " + "; ".join(held)


def _count(labels: dict) -> str:
    return "1 version" if len(labels) == 1 else f"{len(labels)} versions"


def _value(name: str, version_id: str) -> str:
    return read(name, VersionId=version_id)["SecretString"]


# 2.1 ------------------------------------------------------------------------------------------


@exercise("2.1", "read the previous value")
def check_read_previous(previous) -> str:
    labels = _labels(PREVIOUS)
    expected = _value(PREVIOUS, _holder(labels, "AWSPREVIOUS"))
    require(previous is not None, "previous is still None. Assign it the SecretString of the AWSPREVIOUS version.")
    require(
        previous != _value(PREVIOUS, _holder(labels, "AWSCURRENT")),
        f"previous is {_short(previous)}, the current (AWSCURRENT) value. Ask get_secret_value for "
        "VersionStage='AWSPREVIOUS'.",
    )
    require(
        not isinstance(previous, dict),
        f"previous is a dict ({_short(previous)}): the whole response or a parsed value. Keep the "
        "response's ['SecretString'] as it is.",
    )
    require(
        previous == expected,
        f"previous is {_short(previous)}, not the SecretString of the AWSPREVIOUS version.",
    )
    return "previous holds the value from before the last change."


@prepares("2.1")
def prepare_read_previous() -> str:
    _put_values(PREVIOUS, [json.dumps({"password": _values.password()}) for _ in range(2)])
    return f"{PREVIOUS} has had its password changed once."


# 2.2 ------------------------------------------------------------------------------------------


@exercise("2.2", "read a deprecated version by its id")
def check_read_deprecated(deprecated_value) -> str:
    labels = _labels(DEPRECATED)
    unlabelled = [version_id for version_id, held in labels.items() if not held]
    require(len(unlabelled) == 1, f"{DEPRECATED!r} was changed. Run the exercise cell again from the top.")
    require(
        deprecated_value is not None,
        "deprecated_value is still None. list_secret_version_ids hides versions without labels unless you pass "
        "IncludeDeprecated=True; the one you want comes without a VersionStages key (version['VersionStages'] is a "
        "KeyError there: use version.get('VersionStages')). Read it by VersionId.",
    )
    require(
        isinstance(deprecated_value, str),
        f"deprecated_value is {_short(deprecated_value)}, a {type(deprecated_value).__name__}. Assign the "
        "version's SecretString (text): get_secret_value(...)['SecretString'].",
    )
    stage_values = {_value(DEPRECATED, _holder(labels, label)) for label in ("AWSCURRENT", "AWSPREVIOUS")}
    labelled = {_value(DEPRECATED, _holder(labels, label)): label for label in ("AWSCURRENT", "AWSPREVIOUS")}
    require(
        deprecated_value not in stage_values,
        f"deprecated_value is {_short(deprecated_value)}, the value of the {labelled.get(str(deprecated_value))} "
        "version, which still has a label. Look for the version listed without a VersionStages key.",
    )
    require(
        deprecated_value == _value(DEPRECATED, unlabelled[0]),
        f"deprecated_value is {_short(deprecated_value)}, not the SecretString of the deprecated version. "
        "Read it with get_secret_value(SecretId=..., VersionId=...).",
    )
    return "you found the deprecated version and read it by its VersionId."


@prepares("2.2")
def prepare_read_deprecated() -> str:
    _put_values(DEPRECATED, [json.dumps({"api_key": _values.token()}) for _ in range(3)])
    return f"{DEPRECATED} has three versions; the oldest has no label left."


# 2.3 ------------------------------------------------------------------------------------------

GOOD_CONFIG = json.dumps({"checkout": "enabled", "timeout_seconds": 30})
BAD_CONFIG = json.dumps({"checkout": "enabled", "timeout_seconds": 0})


@exercise("2.3", "roll back to the previous version")
def check_rollback() -> str:
    labels = _labels(ROLLBACK)
    require(
        len(labels) == 2,
        f"{ROLLBACK!r} now has {len(labels)} versions ({_found(labels)}). A rollback makes no new version: move "
        "the AWSCURRENT label back with update_secret_version_stage. Run the exercise cell again from the top.",
    )
    current_id, previous_id = _holder(labels, "AWSCURRENT"), _holder(labels, "AWSPREVIOUS")
    require(
        current_id,
        f"No version holds AWSCURRENT ({_found(labels)}). Move it with MoveToVersionId and RemoveFromVersionId "
        "together.",
    )
    require(
        _value(ROLLBACK, current_id) == GOOD_CONFIG,
        f"AWSCURRENT is still on the bad version, v2 ({_found(labels)}). Move it to the version that holds "
        "AWSPREVIOUS, v1.",
    )
    require(
        previous_id and _value(ROLLBACK, previous_id) == BAD_CONFIG,
        f"The bad version, v2, should now hold AWSPREVIOUS ({_found(labels)}); Secrets Manager moves it for you "
        "when AWSCURRENT moves.",
    )
    return "AWSCURRENT is back on the good version; get_secret_value() returns it; the bad one is AWSPREVIOUS."


@prepares("2.3")
def prepare_rollback() -> str:
    _put_values(ROLLBACK, [GOOD_CONFIG, BAD_CONFIG])
    return f"{ROLLBACK} just got a bad value (timeout_seconds 0); the good one is AWSPREVIOUS."


# 2.4 ------------------------------------------------------------------------------------------


@exercise("2.4", "stage a new value under a custom label")
def check_canary() -> str:
    labels = _labels(CANARY)
    canary_id = _holder(labels, "canary")
    current_id = _holder(labels, "AWSCURRENT")
    require(
        canary_id,
        f"No version has the label 'canary' ({_found(labels)}). Pass VersionStages=['canary'] to put_secret_value.",
    )
    original_id = next(iter(labels))  # the oldest version: the one the set-up made
    require(
        current_id == original_id,
        f"AWSCURRENT moved to the new value ({_found(labels)}). put_secret_value moves AWSCURRENT unless you give "
        "VersionStages.",
    )
    require(
        canary_id != current_id,
        f"'canary' is on the current version ({_found(labels)}). The new value must be a new version that is not "
        "AWSCURRENT.",
    )
    require(
        len(labels) == 2,
        f"{CANARY!r} should have exactly two versions, the current one and the canary ({_found(labels)}).",
    )
    canary_value = _value(CANARY, canary_id)
    require(
        canary_value != _value(CANARY, original_id),
        f"The canary version holds {_short(canary_value)}, the same value as the current one. Stage a new value.",
    )
    return "the new value waits under 'canary' while AWSCURRENT still serves the old one."


@prepares("2.4")
def prepare_canary() -> str:
    _put_values(CANARY, [json.dumps({"key": _values.token()})])
    return f"{CANARY} has one version, in use by every client."


# 2.5 ------------------------------------------------------------------------------------------


@exercise("2.5", "promote the canary")
def check_promote() -> str:
    labels = _labels(PROMOTE)
    require(
        len(labels) == 2,
        f"{PROMOTE!r} now has {len(labels)} versions ({_found(labels)}). Promote the canary version itself: move "
        "AWSCURRENT to it.",
    )
    original_id, canary_id = labels  # oldest first: the set-up made the original, then the canary
    require(
        _holder(labels, "AWSCURRENT") == canary_id,
        f"AWSCURRENT is not on the canary version, v2, yet ({_found(labels)}). Move it there with "
        "update_secret_version_stage.",
    )
    require(
        _holder(labels, "canary") is None,
        f"The 'canary' label is still attached ({_found(labels)}). Remove it: update_secret_version_stage with "
        "only RemoveFromVersionId.",
    )
    require(
        _holder(labels, "AWSPREVIOUS") == original_id,
        f"The old version, v1, should hold AWSPREVIOUS ({_found(labels)}).",
    )
    return "the canary version is AWSCURRENT, the old one AWSPREVIOUS, and the 'canary' label is gone."


@prepares("2.5")
def prepare_promote() -> str:
    _put_values(PROMOTE, [json.dumps({"key": _values.token()})])
    current().client("secretsmanager").put_secret_value(
        SecretId=PROMOTE, SecretString=json.dumps({"key": _values.token()}), VersionStages=["canary"]
    )
    return f"{PROMOTE} has a current version and a tested 'canary' version."


# 2.6 ------------------------------------------------------------------------------------------


@exercise("2.6", "a retry that stores one version")
def check_retry() -> str:
    labels = _labels(RETRY)
    require(
        RETRY_TOKEN in labels,
        f"No version has the id retry_token ({_count(labels)}, {_found(labels)}). Pass "
        "ClientRequestToken=retry_token to put_secret_value.",
    )
    require(
        len(labels) == 2,
        f"{RETRY!r} has {len(labels)} versions ({_found(labels)}): each call without the same ClientRequestToken "
        "made a new one.",
    )
    require(
        "AWSCURRENT" in labels[RETRY_TOKEN],
        f"The version retry_token should be AWSCURRENT; it holds {', '.join(labels[RETRY_TOKEN]) or 'no label'}.",
    )
    return "two calls with the same ClientRequestToken stored one version."


@prepares("2.6")
def prepare_retry() -> str:
    _put_values(RETRY, [json.dumps({"token": _values.token()})])
    return f"{RETRY} has one version; a new token is to be stored, safely retried."
