"""Checks for lesson 1: create, retrieve, update and delete a secret.

Each check looks at the mock's state (not at the learner's code) and fails with a hint that
says what to do next.
"""

from __future__ import annotations

import json

from smworkbook.checks import _values
from smworkbook.checks._hints import short as _short
from smworkbook.checks._registry import days_until_purge, describe, exercise, prepares, read, require
from smworkbook.engine.errors import CheckFailed
from smworkbook.toolkit.mock import current

DB_CREDENTIALS = "lesson01/db-credentials"
WEATHER_API = "lesson01/weather-api"
DB_APP = "lesson01/db-app"
SIGNING_KEY = "lesson01/signing-key"
OLD_TOKEN = "lesson01/old-token"
PAYMENTS_API = "lesson01/payments-api"

# What a set-up made, for checks that must tell "the same secret" from "a new one of that name".
_prepared: dict[str, str] = {}


def _json_value(name: str) -> dict:
    value = read(name)
    require(
        "SecretString" in value,
        f"{name!r} holds {len(value.get('SecretBinary', b''))} bytes of SecretBinary, no SecretString. Store the "
        "JSON text with SecretString=...",
    )
    try:
        parsed = json.loads(value["SecretString"])
    except json.JSONDecodeError:
        raise CheckFailed(
            f"The SecretString of {name!r} is not JSON: {value['SecretString'][:40]!r}. "
            "Build a dict and store json.dumps(the_dict)."
        ) from None
    require(
        isinstance(parsed, dict),
        f"The SecretString of {name!r} is JSON but not an object {{...}}: {_short(parsed)}, a "
        f"{type(parsed).__name__}. Store json.dumps of a dict.",
    )
    return parsed


# 1.1 ------------------------------------------------------------------------------------------


@exercise("1.1", "create a JSON secret")
def check_create_json_secret() -> str:
    desc = describe(DB_CREDENTIALS)
    require(desc, f"There is no secret called {DB_CREDENTIALS!r}. Create it with client.create_secret(Name=...).")
    value = _json_value(DB_CREDENTIALS)
    missing = [key for key in ("username", "password") if key not in value]
    require(not missing, f"The JSON has no {' or '.join(missing)} key; it has {sorted(value)}.")
    require(value["username"] == "app_user", f"The username is {value['username']!r}; it should be 'app_user'.")
    require(
        isinstance(value["password"], str) and value["password"],
        f"The password is {value['password']!r}; it should be a non-empty string.",
    )
    return f"{DB_CREDENTIALS} holds JSON with a username and a password."


@prepares("1.1")
def prepare_create_json_secret() -> str:
    current().ensure_absent(DB_CREDENTIALS)
    return f"there is no secret called {DB_CREDENTIALS} yet."


# 1.2 ------------------------------------------------------------------------------------------


@exercise("1.2", "read one field of a JSON secret")
def check_read_one_field(api_key) -> str:
    expected = _json_value(WEATHER_API).get("api_key")
    require(expected, f"{WEATHER_API!r} was changed. Run the exercise's set-up cell again.")
    require(api_key is not None, "api_key is still None. Assign it the secret's 'api_key' field.")
    keys = sorted(map(str, api_key)) if isinstance(api_key, dict) else []
    require(
        not isinstance(api_key, dict),
        f"api_key is the whole parsed secret, a dict with the keys {keys}. Pick its field: parsed['api_key'].",
    )
    looks_like_json = isinstance(api_key, str) and api_key.lstrip().startswith("{")
    require(
        not looks_like_json,
        f"api_key is the whole SecretString, the JSON text {_short(api_key)}. "
        "Parse it with json.loads and pick ['api_key'].",
    )
    fields = _json_value(WEATHER_API)
    other = next((key for key, value in fields.items() if key != "api_key" and value == api_key), None)
    # (Each hint below is built before its test: it must work for any value the learner passed.)
    require(
        other is None,
        f"You assigned {api_key!r}, the {other!r} field. The key is in the 'api_key' field: parsed['api_key'].",
    )
    require(
        api_key == expected,
        f"You assigned {_short(api_key)}, which is not the api_key stored in {WEATHER_API!r}. "
        "Read it from the secret: json.loads(the SecretString)['api_key'].",
    )
    return "api_key is the value stored in the secret."


@prepares("1.2")
def prepare_read_one_field() -> str:
    value = {"service": "weather", "api_key": _values.api_key()}
    current().ensure_secret(WEATHER_API, SecretString=json.dumps(value))
    return f"{WEATHER_API} holds a JSON object with a fresh api_key."


# 1.3 ------------------------------------------------------------------------------------------


@exercise("1.3", "change a password, keep the username")
def check_change_password() -> str:
    desc = describe(DB_APP)
    require(desc, f"There is no secret called {DB_APP!r}. Run the exercise's set-up cell again.")
    stages = [label for labels in desc.get("VersionIdsToStages", {}).values() for label in labels]
    require(
        "AWSPREVIOUS" in stages,
        "The secret still has only its first version (no AWSPREVIOUS). Give it a new value with "
        "client.update_secret(SecretId=..., SecretString=...).",
    )
    new = _json_value(DB_APP)
    old = json.loads(read(DB_APP, VersionStage="AWSPREVIOUS")["SecretString"])
    require(
        "username" in new,
        f"The new value lost the username: it has only {sorted(new)}. The new SecretString replaces the whole old "
        "one: write back the full JSON, with the new password.",
    )
    require(new["username"] == old.get("username"), f"The username changed to {new['username']!r}; keep it.")
    require(new.get("password") != old.get("password"), "The password is the same as before. Change it.")
    password = new.get("password")
    require(
        isinstance(password, str) and len(password) >= 16,
        f"The new password is {_describe_password(password)}; it should be a string of at least 16 characters.",
    )
    return f"{DB_APP} has a new password, the same username, and the old value as AWSPREVIOUS."


@prepares("1.3")
def prepare_change_password() -> str:
    value = {"username": "app_user", "password": _values.password()}
    current().ensure_secret(DB_APP, SecretString=json.dumps(value))
    return f"{DB_APP} holds a username and an old password."


def _describe_password(password) -> str:
    if password is None:
        return "missing (no 'password' key)"
    if isinstance(password, str):
        return f"{len(password)} characters long"
    return f"a {type(password).__name__}, {_short(password)}"


# 1.4 ------------------------------------------------------------------------------------------


@exercise("1.4", "store binary data")
def check_store_binary(key_bytes) -> str:
    require(
        isinstance(key_bytes, bytes),
        f"You passed {_short(key_bytes)}, a {type(key_bytes).__name__}. Pass the key_bytes variable from the "
        "exercise cell.",
    )
    value = read(SIGNING_KEY)
    require(
        "SecretBinary" in value,
        f"The secret holds a SecretString ({len(value.get('SecretString', ''))} characters of text, not bytes). "
        "Store raw bytes with SecretBinary=key_bytes instead.",
    )
    require("SecretString" not in value, "The secret should hold only SecretBinary, no SecretString.")
    require(
        value["SecretBinary"] == key_bytes,
        f"The secret holds {len(value['SecretBinary'])} bytes starting {value['SecretBinary'][:4].hex()}; "
        f"key_bytes is {len(key_bytes)} bytes starting {key_bytes[:4].hex()}. Run the whole exercise cell again.",
    )
    return f"{SIGNING_KEY} holds exactly key_bytes as SecretBinary."


@prepares("1.4")
def prepare_store_binary() -> str:
    current().ensure_absent(SIGNING_KEY)
    return f"there is no secret called {SIGNING_KEY} yet."


# 1.5 ------------------------------------------------------------------------------------------


@exercise("1.5", "schedule a deletion with the shortest recovery window")
def check_schedule_deletion() -> str:
    desc = describe(OLD_TOKEN)
    require(
        desc,
        f"{OLD_TOKEN!r} is gone for good: it was deleted without a recovery window and can't be restored. "
        "Run the set-up cell again and schedule the deletion instead.",
    )
    require("DeletedDate" in desc, f"{OLD_TOKEN!r} is not scheduled for deletion yet. Call client.delete_secret.")
    days = days_until_purge(OLD_TOKEN)
    require(
        days < 7.5,
        f"The recovery window is {round(days)} days. Ask for the shortest one AWS allows with RecoveryWindowInDays.",
    )
    return f"{OLD_TOKEN} is scheduled for deletion in 7 days and can still be restored until then."


@prepares("1.5")
def prepare_schedule_deletion() -> str:
    current().ensure_secret(OLD_TOKEN, SecretString=json.dumps({"token": _values.token()}))
    return f"{OLD_TOKEN} exists and is no longer needed."


# 1.6 ------------------------------------------------------------------------------------------


@exercise("1.6", "restore a secret deleted by mistake")
def check_restore() -> str:
    original = _prepared.get("1.6")
    require(original, "Run the exercise's set-up cell first.")
    desc = describe(PAYMENTS_API)
    require(desc, f"{PAYMENTS_API!r} is gone for good. Run the set-up cell again, then restore it.")
    require(
        "DeletedDate" not in desc,
        f"{PAYMENTS_API!r} is still scheduled for deletion. Cancel that with client.restore_secret(SecretId=...).",
    )
    require(
        original in desc.get("VersionIdsToStages", {}),
        f"This {PAYMENTS_API!r} is a new secret with the same name, not the original. restore_secret brings "
        "back the original, with all its versions. Run the set-up cell again.",
    )
    return f"{PAYMENTS_API} is back, with its original value."


@prepares("1.6")
def prepare_restore() -> str:
    aws = current()
    created = aws.ensure_secret(PAYMENTS_API, SecretString=json.dumps({"api_key": _values.api_key()}))
    _prepared["1.6"] = created["VersionId"]
    aws.client("secretsmanager").delete_secret(SecretId=PAYMENTS_API)
    return f"{PAYMENTS_API} was deleted by mistake a moment ago (30-day recovery window)."
