"""The secret's lifecycle: CreateSecret, DeleteSecret, RestoreSecret, DescribeSecret, ListSecrets,
TagResource, UntagResource and the replication operations.

Follows the API reference pages of those operations and the Tagging rules they point to.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import threading

from moto.secretsmanager import models
from moto.secretsmanager.exceptions import (
    InvalidParameterException,
    InvalidRequestException,
    ResourceNotFoundException,
    SecretNotFoundException,
    SecretsManagerClientError,
)

from smworkbook.engine.corrections.common import INVALID_NEXT_TOKEN, MARKED_FOR_DELETION, NAME_SCHEDULED_FOR_DELETION


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


# Operations that change a secret; on a secret scheduled for deletion AWS refuses them all.
_CHANGES = (
    "put_resource_policy",
    "delete_resource_policy",
    "replicate_secret_to_regions",
    "remove_regions_from_replication",
    "tag_resource",
    "untag_resource",
    "update_secret_version_stage",
)


def changes_to_a_deleted_secret_are_refused() -> None:
    """A secret scheduled for deletion can't be changed: InvalidRequestException.

    AWS (API reference, Common errors of these operations: InvalidRequestException "The secret is
    scheduled for deletion"; DeleteSecret: "At any time before recovery window ends, you can use
    RestoreSecret to remove the DeletionDate and cancel the deletion of the secret. ... you can't
    use a secret that is scheduled for deletion"): PutResourcePolicy, DeleteResourcePolicy,
    ReplicateSecretToRegions, RemoveRegionsFromReplication, TagResource, UntagResource and
    UpdateSecretVersionStage fail with "You can't perform this operation on the secret because it
    was marked for deletion."
    moto 5.2: all but UpdateSecretVersionStage succeed and change the deleted secret; that one is
    InvalidParameterException.
    """
    for name in _CHANGES:
        original = getattr(models.SecretsManagerBackend, name)

        def refuse_deleted(self, secret_id, *args, _original=original, **kwargs):
            if secret_id in self.secrets and self.secrets[secret_id].is_deleted():
                raise InvalidRequestException(MARKED_FOR_DELETION)
            return _original(self, secret_id, *args, **kwargs)

        functools.update_wrapper(refuse_deleted, original)
        setattr(models.SecretsManagerBackend, name, refuse_deleted)


def next_tokens_are_checked() -> None:
    """A NextToken the service never gave is InvalidNextTokenException.

    AWS (ListSecrets and BatchGetSecretValue, Errors): "InvalidNextTokenException: The NextToken
    value is invalid." NextToken is "a token that indicates where the output should continue from,
    if a previous call did not show all results".
    moto 5.2: turns the token into a number with int(): any other text is an HTTP 500 (which
    botocore retries, and a traceback on the server's stderr).
    """
    original = models.SecretsManagerBackend._get_secret_values_page_and_next_token

    @functools.wraps(original)
    def page(self, secret_list, max_results, next_token):
        if next_token is not None and not str(next_token).isdigit():
            raise SecretsManagerClientError("InvalidNextTokenException", INVALID_NEXT_TOKEN)
        return original(self, secret_list, max_results, next_token)

    models.SecretsManagerBackend._get_secret_values_page_and_next_token = page


_SORT_KEYS = {
    "created-date": lambda entry: entry.get("CreatedDate") or 0,
    "last-accessed-date": lambda entry: entry.get("LastAccessedDate") or 0,
    "last-changed-date": lambda entry: entry.get("LastChangedDate") or 0,
    "name": lambda entry: entry["Name"],
}


def list_secrets_sorts_as_asked() -> None:
    """ListSecrets lists by SortBy in SortOrder, by CreatedDate when not asked.

    AWS (ListSecrets): SortBy "created-date | last-accessed-date | last-changed-date | name": "If
    not specified, secrets are listed by CreatedDate."; SortOrder "asc | desc": "Secrets are listed
    by CreatedDate." The API reference does not say which order is the default; the mock lists
    ascending (oldest first), as moto does.
    moto 5.2: ignores both and lists in the order the secrets were made.
    """
    original = models.SecretsManagerBackend.list_secrets
    from moto.secretsmanager.responses import SecretsManagerResponse

    original_response = SecretsManagerResponse.list_secrets

    @functools.wraps(original_response)
    def list_secrets_response(self):
        _sorting.order = (self._get_param("SortBy") or "created-date", self._get_param("SortOrder") or "asc")
        try:
            return original_response(self)
        finally:
            _sorting.order = None

    @functools.wraps(original)
    def list_secrets(self, filters, max_results=100, next_token=None, include_planned_deletion=False):
        order = getattr(_sorting, "order", None)
        if order is None:
            return original(self, filters, max_results, next_token, include_planned_deletion)
        everything, _ = original(self, filters, len(self.secrets) + 1, None, include_planned_deletion)
        sort_by, sort_order = order
        # A stable sort: ties (dates are whole seconds) keep the order of creation.
        everything.sort(key=_SORT_KEYS[sort_by], reverse=sort_order == "desc")
        return self._get_secret_values_page_and_next_token(everything, max_results, next_token)

    models.SecretsManagerBackend.list_secrets = list_secrets
    SecretsManagerResponse.list_secrets = list_secrets_response


_sorting = threading.local()


NOT_A_REPLICA = "The secret is not a replica: StopReplicationToReplica is called on a replica secret."
NO_CROSS_ACCOUNT_REPLICA = (
    "Secrets Manager can't find the replica secret in the other account. (The workbook's mock has one "
    "account, so no cross-account replica exists.)"
)
SAME_ACCOUNT_REPLICA = "The replica secret must be in a different AWS account from the primary secret."


def replication_operations_answer() -> None:
    """AssociateCrossAccountReplica, DisassociateCrossAccountReplica and StopReplicationToReplica
    answer as AWS would for the mock's one account.

    AWS (API reference of each): AssociateCrossAccountReplica "links a primary secret in your
    account to a replica secret in a different Amazon Web Services account ... The replica secret
    must already exist in the other Amazon Web Services account": with one account, no such
    replica exists (ResourceNotFoundException), and a replica ARN in the same account is
    InvalidParameterException. DisassociateCrossAccountReplica "removes the link between a primary
    secret in your account and a cross-account replica": there is no link to remove
    (ResourceNotFoundException). StopReplicationToReplica is called "on the replica secret";
    on a cross-Region replica it "Removes the link between the replica secret and the primary
    secret and promotes the replica to a primary secret in the replica Region. You must call this
    operation from the Region in which you want to promote the replica", answering "ARN: The ARN of
    the promoted secret. The ARN is the same as the original primary secret except the Region is
    changed."; the User Guide ("Promote a replica secret to a standalone secret"): the replica "has
    the same secret value and metadata as the primary, but it can be encrypted with a different KMS
    key ... Changes to the primary secret won't replicate to the standalone secret." On a secret
    that is not a replica it is InvalidRequestException.
    moto 5.2: none of the three has a handler: HTTP 500.
    """
    from moto.secretsmanager.responses import SecretsManagerResponse

    def find(response, changes: bool):
        secret_id = response._get_param("SecretId")
        if secret_id not in response.backend.secrets:
            raise SecretNotFoundException()
        secret = response.backend.secrets[secret_id]
        if changes and secret.is_deleted():
            raise InvalidRequestException(MARKED_FOR_DELETION)
        return secret

    def associate_cross_account_replica(self) -> str:
        secret = find(self, changes=True)
        replica_arn = self._get_param("CrossAccountReplicaARN")
        if replica_arn.split(":")[4:5] == [secret.account_id]:
            raise InvalidParameterException(SAME_ACCOUNT_REPLICA)
        raise ResourceNotFoundException(NO_CROSS_ACCOUNT_REPLICA)

    def disassociate_cross_account_replica(self) -> str:
        find(self, changes=True)
        raise ResourceNotFoundException(NO_CROSS_ACCOUNT_REPLICA)

    def stop_replication_to_replica(self) -> str:
        secret = find(self, changes=True)
        if not isinstance(secret, models.ReplicaSecret):
            raise InvalidRequestException(NOT_A_REPLICA)
        return json.dumps({"ARN": _promote(self.backend, secret)})

    SecretsManagerResponse.associate_cross_account_replica = associate_cross_account_replica
    SecretsManagerResponse.disassociate_cross_account_replica = disassociate_cross_account_replica
    SecretsManagerResponse.stop_replication_to_replica = stop_replication_to_replica


def _promote(backend, replica) -> str:
    # The replica becomes a standalone secret in its Region, with the primary's value and
    # metadata at this moment, still under its own KMS key; the primary no longer lists it.
    primary = replica.source
    standalone = copy.copy(primary)
    standalone.versions = copy.deepcopy(primary.versions)
    standalone.tags = copy.deepcopy(primary.tags)
    standalone.region = replica.region
    standalone.arn = replica.arn
    standalone.kms_key_id = getattr(replica, "kms_key_id", None)
    standalone.replicas = []
    standalone.policy = None
    dict.__setitem__(backend.secrets, replica.arn, standalone)
    primary.replicas = [r for r in primary.replicas if r.region != replica.region]
    return replica.arn


# The hyphen and six random characters Secrets Manager adds after the name in a secret's ARN.
_ARN_SUFFIX = re.compile(r"-[A-Za-z0-9]{6}$")


def a_partial_arn_ending_in_six_characters_is_a_complete_arn() -> None:
    """A SecretId that is an ARN whose name ends in a hyphen and six characters is taken as a complete ARN.

    AWS (each SecretId, e.g. DescribeSecret: "For an ARN, we recommend that you specify a complete ARN rather than a
    partial ARN. See Finding a secret from a partial ARN"; the service model's older wording: "if your secret has a
    name that ends in a hyphen followed by six characters (before Secrets Manager adds the hyphen and six
    characters to the ARN) and you try to use that as a partial ARN, then those characters cause Secrets Manager
    to assume that you're specifying a complete ARN"). Recorded (localstack/localstack
    tests/aws/services/secretsmanager/test_secretsmanager.snapshot.json,
    test_create_and_update_secret[Invalid/_+=.@-Name-a1b2c3-False]): GetSecretValue with the ARN of
    "Invalid/_+=.@-Name-a1b2c3" less its suffix is ResourceNotFoundException "Secrets Manager can't find the
    specified secret."; the same partial ARN works for "Valid/_+=.@-Name-a1b2" and "Valid/_+=.@-Name-a1b2c3-".
    moto 5.2: any partial ARN finds the secret of that name.
    """
    original = models.get_secret_name_from_partial_arn

    @functools.wraps(original)
    def get_secret_name_from_partial_arn(partial_arn: str) -> str:
        name = original(partial_arn)
        if name != partial_arn and _ARN_SUFFIX.search(name):
            return partial_arn  # a complete ARN that names no secret: nothing is found by it
        return name

    models.get_secret_name_from_partial_arn = get_secret_name_from_partial_arn


CORRECTIONS = (
    create_with_name_scheduled_for_deletion,
    changes_to_a_deleted_secret_are_refused,
    next_tokens_are_checked,
    list_secrets_sorts_as_asked,
    replication_operations_answer,
    a_partial_arn_ending_in_six_characters_is_a_complete_arn,
)
