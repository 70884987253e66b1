"""Secret values and versions: GetSecretValue, BatchGetSecretValue, PutSecretValue, UpdateSecret's
value, ListSecretVersionIds, UpdateSecretVersionStage, GetRandomPassword.

Follows the AWS Secrets Manager API reference pages of those operations and the User Guide's
"Secrets Manager concepts: versions" and quotas.
"""

from __future__ import annotations

import functools
import json
import time
from datetime import UTC, datetime

from moto.secretsmanager import models
from moto.secretsmanager.exceptions import InvalidParameterException, InvalidRequestException, SecretsManagerClientError

from .common import BOTH_STRING_AND_BINARY, INVALID_NEXT_TOKEN, MARKED_FOR_DELETION, MAX_VERSIONS, current_version_id


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


def labels_move_as_documented() -> None:
    """AWSCURRENT, AWSPREVIOUS and custom labels move as the API reference says.

    AWS (PutSecretValue, UpdateSecret, UpdateSecretVersionStage): a new value takes AWSCURRENT
    from the version that holds it, and "Secrets Manager also automatically moves the staging label
    AWSPREVIOUS to the version that AWSCURRENT was removed from"; that version keeps its other
    labels. "Each staging label can be attached to only one version at a time": a label given to a
    new version is removed from the version that had it. UpdateSecretVersionStage with a label that
    is attached to another version fails unless RemoveFromVersionId names that version.
    moto 5.2: remembers the current version in a field that UpdateSecretVersionStage never
    updates, so after a rollback a new value moves AWSPREVIOUS to the wrong version (two versions
    end up AWSCURRENT); replaces all labels of the old current version with ["AWSPREVIOUS"],
    dropping custom ones; lets a custom label sit on two versions.
    """
    secret_class = models.FakeSecret

    def reset_default_version(self, secret_version, version_id) -> None:
        new_labels = set(secret_version["version_stages"])
        previous_current = current_version_id(self)
        for old in self.versions.values():
            old["version_stages"][:] = [
                label for label in old["version_stages"] if label not in new_labels | {"AWSPREVIOUS"}
            ]
        if previous_current is not None and previous_current != version_id:
            self.versions[previous_current]["version_stages"].append("AWSPREVIOUS")
        self.versions[version_id] = secret_version
        self.default_version_id = version_id

    secret_class.reset_default_version = reset_default_version

    original = models.SecretsManagerBackend.update_secret_version_stage

    @functools.wraps(original)
    def update_secret_version_stage(self, secret_id, version_stage, remove_from_version_id, move_to_version_id):
        if secret_id in self.secrets and move_to_version_id and not remove_from_version_id:
            secret = self.secrets[secret_id]
            holder = next(
                (vid for vid, v in secret.versions.items() if version_stage in v["version_stages"]),
                None,
            )
            if holder is not None and holder != move_to_version_id:
                raise InvalidParameterException(
                    f"The parameter RemoveFromVersionId can't be empty. Staging label {version_stage} is currently "
                    f"attached to version {holder}, so you must explicitly reference that version in "
                    "RemoveFromVersionId."
                )
            if holder == move_to_version_id:
                return secret.arn, secret.name  # already there: nothing to do, as on AWS
        result = original(self, secret_id, version_stage, remove_from_version_id, move_to_version_id)
        secret = self.secrets[secret_id]
        # get_secret_value() without a version reads moto's default_version_id: keep it on AWSCURRENT.
        secret.default_version_id = current_version_id(secret)
        return result

    models.SecretsManagerBackend.update_secret_version_stage = update_secret_version_stage


def get_secret_value_reads_awscurrent() -> None:
    """GetSecretValue without VersionId or VersionStage returns the AWSCURRENT version.

    AWS (GetSecretValue, VersionStage): "If you don't specify either a VersionStage or VersionId,
    then Secrets Manager returns the AWSCURRENT version." The same holds for BatchGetSecretValue.
    moto 5.2: returns the version it last made current itself, which after a rollback with
    UpdateSecretVersionStage is the old one (now AWSPREVIOUS).
    """
    original = models.SecretsManagerBackend.get_secret_value

    @functools.wraps(original)
    def get_secret_value(self, secret_id, version_id, version_stage):
        if not version_id and not version_stage and secret_id in self.secrets:
            if current_version_id(self.secrets[secret_id]) is not None:
                version_stage = "AWSCURRENT"
        return original(self, secret_id, version_id, version_stage)

    models.SecretsManagerBackend.get_secret_value = get_secret_value


def deprecated_versions_are_not_listed() -> None:
    """Versions without labels are deprecated: listed only when asked for.

    AWS: ListSecretVersionIds lists deprecated (unlabelled) versions only with
    IncludeDeprecated=True; pages with MaxResults/NextToken; gives each version its own
    CreatedDate; ARN is the secret's ARN; an unknown secret is ResourceNotFoundException.
    DescribeSecret's VersionIdsToStages (and ListSecrets' SecretVersionsToStages) lists "the
    versions of the secret that have staging labels attached".
    moto 5.2: lists every version whatever IncludeDeprecated says, ignores MaxResults, puts the
    name in ARN, reports the time of the call as CreatedDate and LastAccessedDate, answers an
    unknown secret with HTTP 500, and shows unlabelled versions in VersionIdsToStages.
    """
    from moto.secretsmanager.exceptions import SecretNotFoundException
    from moto.secretsmanager.responses import SecretsManagerResponse

    def list_secret_version_ids(self) -> str:
        secret_id = self._get_param("SecretId", if_none="")
        include_deprecated = self._get_bool_param("IncludeDeprecated", False)
        max_results = self._get_int_param("MaxResults") or 100
        next_token = self._get_param("NextToken") or "0"
        if secret_id not in self.backend.secrets:
            raise SecretNotFoundException()
        if not next_token.isdigit():
            raise SecretsManagerClientError("InvalidNextTokenException", INVALID_NEXT_TOKEN)
        secret = self.backend.secrets[secret_id]
        versions = [
            {
                "VersionId": version_id,
                "VersionStages": list(version["version_stages"]),
                "CreatedDate": version["createdate"],
            }
            for version_id, version in secret.versions.items()
            if include_deprecated or version["version_stages"]
        ]
        start = int(next_token)
        body = {"ARN": secret.arn, "Name": secret.name, "Versions": versions[start : start + max_results]}
        if start + max_results < len(versions):
            body["NextToken"] = str(start + max_results)
        return json.dumps(body)

    SecretsManagerResponse.list_secret_version_ids = list_secret_version_ids

    original = models.FakeSecret._form_version_ids_to_stages

    @functools.wraps(original)
    def _form_version_ids_to_stages(self):
        return {version_id: stages for version_id, stages in original(self).items() if stages}

    models.FakeSecret._form_version_ids_to_stages = _form_version_ids_to_stages


def old_deprecated_versions_are_removed() -> None:
    """Past 100 versions, deprecated versions older than 24 hours are removed.

    AWS (Secrets Manager quotas): "Secrets Manager removes unlabeled versions when there are more
    than 100, but it does not remove versions created less than 24 hours ago."
    moto 5.2: never removes a version. (In a lesson every version is younger than 24 hours, so AWS
    would not remove any either; this keeps the mock right for long-lived test data.)
    """
    original = models.SecretsManagerBackend._add_secret

    @functools.wraps(original)
    def _add_secret(self, *args, **kwargs):
        secret, new_version = original(self, *args, **kwargs)
        if len(secret.versions) > MAX_VERSIONS:
            day_ago = time.time() - 24 * 3600
            removable = [
                version_id
                for version_id, version in secret.versions.items()
                if not version["version_stages"] and version["createdate"] < day_ago
            ]
            for version_id in removable[: len(secret.versions) - MAX_VERSIONS]:
                del secret.versions[version_id]
        return secret, new_version

    models.SecretsManagerBackend._add_secret = _add_secret


CORRECTIONS = (
    string_and_binary_together,
    put_secret_value_on_deleted_secret,
    last_accessed_date_is_recorded,
    labels_move_as_documented,
    get_secret_value_reads_awscurrent,
    deprecated_versions_are_not_listed,
    old_deprecated_versions_are_removed,
)
