"""Messages and small look-ups the corrections share."""

from __future__ import annotations

from smworkbook.engine import clock

# The message AWS returns for any operation on a secret that is scheduled for deletion.
MARKED_FOR_DELETION = "You can't perform this operation on the secret because it was marked for deletion."
# The message AWS returns for CreateSecret with the name of a secret scheduled for deletion.
NAME_SCHEDULED_FOR_DELETION = (
    "You can't create this secret because a secret with this name is already scheduled for deletion."
)
# AWS keeps at most this many versions of a secret (deprecated ones older than 24 h are removed).
MAX_VERSIONS = 100
# AWS (ListSecrets, BatchGetSecretValue, ListSecretVersionIds, ListResourcePolicies, Errors):
# "InvalidNextTokenException: The NextToken value is invalid."
INVALID_NEXT_TOKEN = "The NextToken value is not valid. Use the NextToken from the previous response."
BOTH_STRING_AND_BINARY = "You can't specify both a binary secret value and a string secret value in the same secret."


def version_with(secret, label: str) -> str | None:
    """The id of the version of moto's `secret` that carries `label`, or None."""
    return next((vid for vid, v in secret.versions.items() if label in v["version_stages"]), None)


def current_version_id(secret) -> str | None:
    return version_with(secret, "AWSCURRENT")


def now_in_milliseconds() -> float:
    """The time as AWS keeps a secret's dates: seconds since 1970, to the millisecond, on the mock's clock
    (engine/clock.py: the real time unless a notebook moved it forward)."""
    return round(clock.now(), 3)
