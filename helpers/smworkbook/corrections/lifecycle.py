"""The secret's lifecycle: CreateSecret, DeleteSecret, RestoreSecret, DescribeSecret, ListSecrets,
TagResource, UntagResource and the replication operations.

Follows the API reference pages of those operations and the Tagging rules they point to.
"""

from __future__ import annotations

import functools

from moto.secretsmanager import models
from moto.secretsmanager.exceptions import InvalidRequestException

from .common import NAME_SCHEDULED_FOR_DELETION


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


CORRECTIONS = (create_with_name_scheduled_for_deletion,)
