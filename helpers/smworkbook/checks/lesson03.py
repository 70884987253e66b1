"""Checks for lesson 3: describe, list, tag and the secret lifecycle.

Each check looks at the mock's state (or calls the learner's function against it) and fails
with a hint that says what to do next.
"""

from __future__ import annotations

import json
import string

import botocore.exceptions

from smworkbook.checks import _values
from smworkbook.checks._hints import short as _short
from smworkbook.checks._registry import days_until_purge, describe, exercise, prepares, require
from smworkbook.engine.errors import CheckFailed
from smworkbook.toolkit.mock import current

PREFIX = "lesson03/"

# 3.1: the payments team's secrets, and some that only look like theirs.
TEAM_SECRETS = {
    "lesson03/payments/db": "payments",
    "lesson03/payments/stripe-key": "payments",
    "lesson03/payments/webhook-token": "payments",
    "lesson03/payments-archive/db": "payments-archive",
    "lesson03/search/index-key": "search",
}
RETIRED_PAYMENTS = "lesson03/payments/old-db"
PAYMENTS = sorted(name for name, team in TEAM_SECRETS.items() if team == "payments")

# 3.2
REPORTS_DB = "lesson03/reports-db"
REPORTS_TAGS = {"team": "data", "env": "dev", "owner": "alice"}
WANTED_TAGS = {"team": "data", "env": "prod", "cost-center": "cc-1234"}

# 3.3
UNUSED_CANDIDATES = ("lesson03/cleanup/api-key", "lesson03/cleanup/ftp-password", "lesson03/cleanup/smtp-password")
UNUSED = "lesson03/cleanup/ftp-password"

# 3.4
BATCH_IDS = ("lesson03/app/db", "lesson03/app/cache", "lesson03/app/old-queue", "lesson03/app/mail")
BATCH_READABLE = ("lesson03/app/db", "lesson03/app/cache")
BATCH_FAILED = {"lesson03/app/old-queue": "InvalidRequestException", "lesson03/app/mail": "ResourceNotFoundException"}

# 3.5
CONFIG = "lesson03/feature-flags"
CONFIG_RETIRED = "lesson03/old-flags"
CONFIG_MISSING = "lesson03/no-such-config"

# 3.6
SERVICE_PASSWORD = "lesson03/service-account"
PASSWORD_LENGTH = 24

# What a set-up made, for checks that must tell "the same secret" from "a new one of that name".
_prepared: dict[str, object] = {}


def _client():
    return current().client("secretsmanager")


def _remove_all_under(prefix: str) -> None:
    """Delete, at once, every secret whose name starts with `prefix` (active or scheduled for deletion)."""
    aws = current()
    paginator = _client().get_paginator("list_secrets")
    pages = paginator.paginate(Filters=[{"Key": "name", "Values": [prefix]}], IncludePlannedDeletion=True)
    for page in pages:
        for entry in page["SecretList"]:
            aws.ensure_absent(entry["Name"])


def _tags(desc: dict) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in desc.get("Tags", [])}


def _names(answer, what: str) -> list[str]:
    require(answer is not None, f"{what} is still None. Assign it a list of secret names.")
    require(
        not isinstance(answer, str | bytes | dict),
        f"{what} should be a list of names, like ['lesson03/...', ...], not a {type(answer).__name__}.",
    )
    items = list(answer)
    require(
        all(isinstance(item, str) for item in items),
        f"{what} should hold the secrets' names (strings), e.g. entry['Name'] for each entry of SecretList; "
        f"it holds {type(items[0]).__name__ if items else 'nothing'} items.",
    )
    require(
        not any(item.startswith("arn:") for item in items),
        f"{what} holds ARNs, e.g. {next((item for item in items if item.startswith('arn:')), None)!r}. "
        "Collect each entry's 'Name' instead.",
    )
    return items


# 3.1 ------------------------------------------------------------------------------------------


@exercise("3.1", "find every secret of one team")
def check_find_team(payments_secrets) -> str:
    found = _names(payments_secrets, "payments_secrets")
    require(found, "payments_secrets is empty. Filter list_secrets on the tag key 'team' with the value 'payments'.")
    extra = sorted(set(found) - set(PAYMENTS))
    missing = sorted(set(PAYMENTS) - set(found))
    require(
        RETIRED_PAYMENTS not in found,
        f"{RETIRED_PAYMENTS!r} is scheduled for deletion. List active secrets only: leave out IncludePlannedDeletion.",
    )
    other_teams = [name for name in extra if name != "lesson03/payments-archive/db"]
    require(
        not other_teams,
        f"{other_teams} do not belong to the payments team. Filter on the tag value (Key 'tag-value'), "
        "not only on the tag key.",
    )
    require(
        "lesson03/payments-archive/db" not in found,
        "lesson03/payments-archive/db belongs to team 'payments-archive': the tag-value filter matches the "
        "beginning of the value. Keep only the entries whose team tag is exactly 'payments'.",
    )
    if missing:
        raise CheckFailed(
            f"{len(missing)} of the team's {len(PAYMENTS)} secrets are missing, e.g. {missing[0]!r}. list_secrets "
            "returns one page at a time: use client.get_paginator('list_secrets') and read every page."
        )
    twice = next((name for name in found if found.count(name) > 1), None)
    if twice:
        raise CheckFailed(f"payments_secrets names {twice!r} {found.count(twice)} times. List each one once.")
    return f"the payments team has {len(PAYMENTS)} active secrets, and you found exactly those."


@prepares("3.1")
def prepare_find_team() -> str:
    aws = current()
    # Only this exercise's corner: secrets a learner made there earlier would change the answer.
    _remove_all_under("lesson03/payments")
    _remove_all_under("lesson03/search/")
    for name, team in TEAM_SECRETS.items():
        aws.ensure_secret(name, SecretString=_values.token(), Tags=[{"Key": "team", "Value": team}])
    aws.ensure_secret(RETIRED_PAYMENTS, SecretString="retired", Tags=[{"Key": "team", "Value": "payments"}])
    _client().delete_secret(SecretId=RETIRED_PAYMENTS)
    return f"{len(TEAM_SECRETS) + 1} secrets under {PREFIX}, tagged with their team; one is scheduled for deletion."


# 3.2 ------------------------------------------------------------------------------------------


@exercise("3.2", "retag a secret")
def check_retag() -> str:
    desc = describe(REPORTS_DB)
    require(desc, f"There is no secret called {REPORTS_DB!r}. Run the exercise's set-up cell again.")
    require(
        desc["ARN"] == _prepared.get("3.2"),
        f"This {REPORTS_DB!r} is a new secret with the same name. Change the tags of the existing secret with "
        "tag_resource and untag_resource; don't re-create it. Run the set-up cell again.",
    )
    tags = _tags(desc)
    require(tags.get("env") != "dev", "env is still 'dev'. tag_resource with an existing key replaces its value.")
    require(tags.get("env") == "prod", f"env is {tags.get('env')!r}; it should be 'prod'.")
    require(
        "cost-center" in tags,
        f"There is no cost-center tag (the tags are {tags}). Add it with tag_resource(SecretId=..., "
        "Tags=[{'Key': ..., 'Value': ...}]).",
    )
    require(tags["cost-center"] == "cc-1234", f"cost-center is {tags['cost-center']!r}; it should be 'cc-1234'.")
    require(
        "owner" not in tags,
        f"The owner tag is still there (owner={tags.get('owner')!r}). Remove it with "
        "untag_resource(SecretId=..., TagKeys=['owner']).",
    )
    require(
        tags.get("team") == "data",
        f"The team tag is {tags.get('team')!r}, not 'data'. untag_resource removes only the keys you name; leave "
        "team=data alone.",
    )
    require(tags == WANTED_TAGS, f"The tags are {tags}; they should be exactly {WANTED_TAGS}.")
    return f"{REPORTS_DB} is tagged team=data, env=prod, cost-center=cc-1234, and has no owner tag."


@prepares("3.2")
def prepare_retag() -> str:
    tags = [{"Key": key, "Value": value} for key, value in REPORTS_TAGS.items()]
    created = current().ensure_secret(REPORTS_DB, SecretString=_values.token(), Tags=tags)
    _prepared["3.2"] = created["ARN"]
    return f"{REPORTS_DB} is tagged team=data, env=dev, owner=alice."


# 3.3 ------------------------------------------------------------------------------------------


@exercise("3.3", "retire the secret nobody reads")
def check_retire_unused() -> str:
    for name in UNUSED_CANDIDATES:
        require(describe(name) is not None or name == UNUSED, f"{name!r} is gone. Run the set-up cell again.")
    desc = describe(UNUSED)
    require(
        desc,
        f"{UNUSED!r} is gone for good: it was deleted without a recovery window. Schedule the deletion instead, "
        "so that it can be restored if something still needed it. Run the set-up cell again.",
    )
    used = [name for name in UNUSED_CANDIDATES if name != UNUSED and "DeletedDate" in (describe(name) or {})]
    if used:
        raise CheckFailed(
            f"{used[0]!r} is in use: its LastAccessedDate shows it was read. Restore it with restore_secret, and "
            "look for the secret whose describe_secret has no LastAccessedDate."
        )
    require(
        "DeletedDate" in desc,
        f"{UNUSED!r} (the one with no LastAccessedDate) is not scheduled for deletion yet. Call delete_secret.",
    )
    days = days_until_purge(UNUSED)
    require(
        days < 7.5,
        f"The recovery window is {round(days)} days. Use the shortest one: RecoveryWindowInDays=7.",
    )
    return f"{UNUSED}, never read, is scheduled for deletion in 7 days; the secrets in use are untouched."


@prepares("3.3")
def prepare_retire_unused() -> str:
    aws = current()
    for name in UNUSED_CANDIDATES:
        aws.ensure_secret(name, SecretString=_values.token(), Description="who uses this?")
        if name != UNUSED:
            # An application reads it: that sets its LastAccessedDate.
            _client().get_secret_value(SecretId=name)
    return f"three secrets under {PREFIX}cleanup/; applications read two of them."


# 3.4 ------------------------------------------------------------------------------------------


@exercise("3.4", "read several secrets in one call")
def check_batch(values, failed) -> str:
    require(values is not None and failed is not None, "values and failed are still None. Fill in both dicts.")
    require(
        isinstance(values, dict) and isinstance(failed, dict),
        f"values is a {type(values).__name__} and failed a {type(failed).__name__}; they should both be dicts: "
        "values {name: SecretString}, failed {secret id: ErrorCode}.",
    )
    require(
        not any(str(key).startswith("arn:") for key in values),
        f"values is keyed by ARN, e.g. {next((str(k) for k in values if str(k).startswith('arn:')), None)!r}. "
        "Key it by each entry's 'Name'.",
    )
    require(
        sorted(values) == sorted(BATCH_READABLE),
        f"values has {sorted(values)}; it should have the secrets that could be read: {sorted(BATCH_READABLE)}. "
        "Take them from the response's 'SecretValues'.",
    )
    for name in BATCH_READABLE:
        stored = _client().get_secret_value(SecretId=name)["SecretString"]
        require(
            values[name] == stored,
            f"values[{name!r}] is {_short(values[name])}, not its SecretString. Store entry['SecretString'] for "
            "each entry of SecretValues.",
        )
    require(
        failed,
        "failed is empty, but two of the four ids could not be read. A batch call does not raise for them: "
        "they are listed in the response's 'Errors'.",
    )
    require(
        sorted(failed) == sorted(BATCH_FAILED),
        f"failed has {sorted(failed)}; it should have the ids listed in 'Errors': {sorted(BATCH_FAILED)}.",
    )
    require(
        failed == BATCH_FAILED,
        f"failed is {failed}; it should map each id to the error's code (entry['ErrorCode']), e.g. "
        "'ResourceNotFoundException'.",
    )
    return "2 secrets read in one call; the deleted one and the missing one reported with their error codes."


@prepares("3.4")
def prepare_batch() -> str:
    aws = current()
    for name in BATCH_READABLE:
        aws.ensure_secret(name, SecretString=json.dumps({"token": _values.token()}))
    aws.ensure_secret("lesson03/app/old-queue", SecretString="retired")
    _client().delete_secret(SecretId="lesson03/app/old-queue")
    aws.ensure_absent("lesson03/app/mail")
    return "lesson03/app/db and cache exist, old-queue is scheduled for deletion, mail does not exist."


# 3.5 ------------------------------------------------------------------------------------------


@exercise("3.5", "handle a missing secret without crashing")
def check_handle_missing(get_config) -> str:
    require(
        callable(get_config),
        f"You passed {_short(get_config)}, not a function. Pass your function itself: "
        "checks.verify('3.5', get_config), without ().",
    )
    try:
        found = get_config(CONFIG, default={"dark_mode": False})
    except NotImplementedError:
        raise CheckFailed("get_config still raises NotImplementedError. Write its body.") from None
    require(
        not isinstance(found, str),
        f"get_config returned the SecretString, the text {_short(found)}. Parse it with json.loads and return "
        "the dict.",
    )
    require(
        found == _prepared.get("3.5"),
        f"get_config({CONFIG!r}) returned {found!r}, not the JSON stored in the secret.",
    )
    try:
        missing = get_config(CONFIG_MISSING, default={"dark_mode": False})
    except botocore.exceptions.ClientError as error:
        code = error.response["Error"]["Code"]
        raise CheckFailed(
            f"get_config crashed on a missing secret with {code}. Catch ClientError, and when "
            "error.response['Error']['Code'] == 'ResourceNotFoundException' return default."
        ) from None
    require(
        missing == {"dark_mode": False},
        f"For a missing secret get_config returned {missing!r}; it should return default.",
    )
    try:
        hidden = get_config(CONFIG_RETIRED, default={"dark_mode": False})
    except botocore.exceptions.ClientError as error:
        code = error.response["Error"]["Code"]
        require(
            code == "InvalidRequestException",
            f"For a secret scheduled for deletion get_config raised {code}; let AWS's own error through.",
        )
        return "get_config returns the parsed secret, the default when it does not exist, and lets other errors out."
    raise CheckFailed(
        f"get_config({CONFIG_RETIRED!r}) returned {hidden!r}, but that secret is scheduled for deletion: an error "
        "someone must see. Catch only ResourceNotFoundException and re-raise every other error (`raise`)."
    )


@prepares("3.5")
def prepare_handle_missing() -> str:
    aws = current()
    value = {"dark_mode": True, "beta_checkout": False, "build": _values.token()}
    aws.ensure_secret(CONFIG, SecretString=json.dumps(value))
    _prepared["3.5"] = value
    aws.ensure_secret(CONFIG_RETIRED, SecretString=json.dumps({"dark_mode": True}))
    _client().delete_secret(SecretId=CONFIG_RETIRED)
    aws.ensure_absent(CONFIG_MISSING)
    return f"{CONFIG} exists, {CONFIG_RETIRED} is scheduled for deletion, {CONFIG_MISSING} does not exist."


# 3.6 ------------------------------------------------------------------------------------------


@exercise("3.6", "store a generated password")
def check_generated_password() -> str:
    desc = describe(SERVICE_PASSWORD)
    require(desc, f"There is no secret called {SERVICE_PASSWORD!r}. Create it with create_secret.")
    value = _client().get_secret_value(SecretId=SERVICE_PASSWORD).get("SecretString", "")
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        raise CheckFailed(
            f"The SecretString of {SERVICE_PASSWORD!r} is not JSON. Store json.dumps({{'username': ..., "
            "'password': ...}})."
        ) from None
    require(
        isinstance(parsed, dict),
        f"The SecretString is JSON {_short(parsed)}; it should be a JSON object with username and password.",
    )
    require(
        parsed.get("username") == "svc-reports",
        f"The username is {parsed.get('username')!r}; it should be 'svc-reports'.",
    )
    password = parsed.get("password")
    missing = f"There is no password in the JSON; it has {sorted(parsed)}."
    require(
        isinstance(password, str) and password,
        missing
        if password is None
        else f"The password is {_short(password)}, not a string. Store the one get_random_password returned.",
    )
    require(
        len(password) == PASSWORD_LENGTH,
        f"The password has {len(password)} characters; ask get_random_password for PasswordLength={PASSWORD_LENGTH}.",
    )
    punctuation = sorted(set(password) & set(string.punctuation + " "))
    require(
        not punctuation,
        f"The password contains {''.join(punctuation)!r}. Leave punctuation out: ExcludePunctuation=True.",
    )
    classes = {
        "an uppercase letter": string.ascii_uppercase,
        "a lowercase letter": string.ascii_lowercase,
        "a digit": string.digits,
    }
    lacking = [name for name, chars in classes.items() if not set(password) & set(chars)]
    if lacking:
        raise CheckFailed(
            f"The password has no {lacking[0].split(' ', 1)[1]}. get_random_password includes each kind of "
            "character you don't exclude (RequireEachIncludedType); use it rather than your own generator."
        )
    return f"{SERVICE_PASSWORD} holds a {PASSWORD_LENGTH}-character password of letters and digits."


@prepares("3.6")
def prepare_generated_password() -> str:
    current().ensure_absent(SERVICE_PASSWORD)
    return f"there is no secret called {SERVICE_PASSWORD} yet."
