"""What every request is checked against before moto sees it, and how errors read.

Follows the API reference's "Common Errors" and each operation's Request Parameters (the limits
botocore's service model carries), plus the limits that exist only in the documentation's prose.
"""

from __future__ import annotations

import functools
import re

from moto.secretsmanager.exceptions import SecretsManagerClientError

from .common import MARKED_FOR_DELETION

_BOTOCORE_PREFIX = re.compile(r"^(\w+: )?An error occurred \(\w+\) when calling the \w+ operation: ")


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


CORRECTIONS = (error_messages_as_aws_words_them,)
