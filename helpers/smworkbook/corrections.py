"""Every way the workbook's mock differs from stock moto, in one place.

moto (pinned in pyproject.toml) is a very good mock, but in a few places it answers differently
from AWS. A learner must leave with AWS's behaviour, so each correction below makes the mock
answer as the AWS Secrets Manager API reference documents. Each one names the AWS behaviour, the
moto behaviour it replaces, and has its own test in tests/test_corrections.py.

`apply()` runs when the mock starts (smworkbook.start()); it patches moto's backend classes in
this process only, once.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime

from moto.secretsmanager import models
from moto.secretsmanager.exceptions import (
    InvalidParameterException,
    InvalidRequestException,
    SecretsManagerClientError,
)

_BOTOCORE_PREFIX = re.compile(r"^(\w+: )?An error occurred \(\w+\) when calling the \w+ operation: ")

# The message AWS returns for any operation on a secret that is scheduled for deletion.
MARKED_FOR_DELETION = "You can't perform this operation on the secret because it was marked for deletion."
# The message AWS returns for CreateSecret with the name of a secret scheduled for deletion.
NAME_SCHEDULED_FOR_DELETION = (
    "You can't create this secret because a secret with this name is already scheduled for deletion."
)
BOTH_STRING_AND_BINARY = "You can't specify both a binary secret value and a string secret value in the same secret."


def error_messages_as_aws_words_them() -> None:
    """Error messages read as AWS's do.

    AWS: the message of an error is one sentence, e.g. InvalidRequestException on a secret
    scheduled for deletion says "You can't perform this operation on the secret because it was
    marked for deletion." (API reference, Common Errors and each action's Errors section).
    moto 5.2: several messages start with botocore's own prefix ("An error occurred
    (InvalidRequestException) when calling the GetSecretValue operation: "), so the learner sees
    it twice, followed by a run of spaces from a line continuation; on a deleted secret some
    say "You tried to perform the operation on a secret that's currently marked deleted."; some
    (GetRandomPassword) start with the code and a colon before that prefix.
    """
    original = SecretsManagerClientError.__init__

    @functools.wraps(original)
    def __init__(self, error_type: str, message: str, *args, **kwargs) -> None:
        message = _BOTOCORE_PREFIX.sub("", " ".join(message.split()))
        if "marked deleted" in message or "marked for deletion" in message:
            message = MARKED_FOR_DELETION
        original(self, error_type, message, *args, **kwargs)

    SecretsManagerClientError.__init__ = __init__


def string_and_binary_together() -> None:
    """A secret version holds SecretString or SecretBinary, never both.

    AWS: CreateSecret, PutSecretValue and UpdateSecret: "Either SecretString or SecretBinary must
    have a value, but not both." Passing both is InvalidParameterException.
    moto 5.2: accepts both and stores both.
    """
    for name in ("create_secret", "update_secret", "put_secret_value"):
        original = getattr(models.SecretsManagerBackend, name)

        def refuse_both(self, *args, _original=original, **kwargs):
            if kwargs.get("secret_string") is not None and kwargs.get("secret_binary") is not None:
                raise InvalidParameterException(BOTH_STRING_AND_BINARY)
            return _original(self, *args, **kwargs)

        functools.update_wrapper(refuse_both, original)
        setattr(models.SecretsManagerBackend, name, refuse_both)


def create_with_name_scheduled_for_deletion() -> None:
    """CreateSecret with the name of a secret scheduled for deletion is InvalidRequestException.

    AWS: the name stays reserved during the recovery window; CreateSecret fails with
    InvalidRequestException "You can't create this secret because a secret with this name is
    already scheduled for deletion." Restore it, or force-delete it, to reuse the name.
    moto 5.2: ResourceExistsException "The operation failed because the secret ... already exists."
    """
    original = models.SecretsManagerBackend.create_secret

    @functools.wraps(original)
    def create_secret(self, name, *args, **kwargs):
        if name in self.secrets and self.secrets[name].is_deleted():
            raise InvalidRequestException(NAME_SCHEDULED_FOR_DELETION)
        return original(self, name, *args, **kwargs)

    models.SecretsManagerBackend.create_secret = create_secret


def put_secret_value_on_deleted_secret() -> None:
    """PutSecretValue on a secret scheduled for deletion is refused.

    AWS: "When a secret is scheduled for deletion, you cannot retrieve the secret value" and no
    operation but RestoreSecret (or a forced DeleteSecret) changes it: PutSecretValue fails with
    InvalidRequestException (API reference, PutSecretValue errors: "The secret is scheduled for
    deletion").
    moto 5.2: PutSecretValue succeeds and adds a version to the deleted secret.
    """
    original = models.SecretsManagerBackend.put_secret_value

    @functools.wraps(original)
    def put_secret_value(self, secret_id, *args, **kwargs):
        if secret_id in self.secrets and self.secrets[secret_id].is_deleted():
            raise InvalidRequestException(MARKED_FOR_DELETION)
        return original(self, secret_id, *args, **kwargs)

    models.SecretsManagerBackend.put_secret_value = put_secret_value


def last_accessed_date_is_recorded() -> None:
    """Reading a secret's value sets its LastAccessedDate, to the day.

    AWS: DescribeSecret and ListSecrets return LastAccessedDate, "the date that the secret was
    last accessed in the Region. This field is omitted if the secret has never been retrieved in
    the Region." (API reference, DescribeSecret / SecretListEntry). The value is "truncated to
    midnight of the date and therefore shows only the date, not the time". GetSecretValue and
    BatchGetSecretValue retrieve a secret; DescribeSecret does not.
    moto 5.2: LastAccessedDate is never set, however often the secret is read.
    """
    original_read = models.SecretsManagerBackend.get_secret_value

    @functools.wraps(original_read)
    def get_secret_value(self, secret_id, *args, **kwargs):
        response = original_read(self, secret_id, *args, **kwargs)
        # AWS records the day, not the moment (UTC midnight of today).
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        self.secrets[secret_id].last_accessed_date = today.timestamp()
        return response

    # BatchGetSecretValue reads each secret through get_secret_value, so it is covered too.
    models.SecretsManagerBackend.get_secret_value = get_secret_value

    original_to_dict = models.FakeSecret.to_dict

    @functools.wraps(original_to_dict)
    def to_dict(self) -> dict:
        described = original_to_dict(self)
        described["LastAccessedDate"] = getattr(self, "last_accessed_date", None)
        return described

    models.FakeSecret.to_dict = to_dict


ALL = (
    error_messages_as_aws_words_them,
    string_and_binary_together,
    create_with_name_scheduled_for_deletion,
    put_secret_value_on_deleted_secret,
    last_accessed_date_is_recorded,
)

_applied = False


def apply() -> None:
    """Apply every correction in ALL to moto, once per process."""
    global _applied
    if _applied:
        return
    for correction in ALL:
        correction()
    _applied = True
