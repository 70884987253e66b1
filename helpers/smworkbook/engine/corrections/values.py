"""Secret values and versions: GetSecretValue, BatchGetSecretValue, PutSecretValue, UpdateSecret's
value, ListSecretVersionIds, UpdateSecretVersionStage, GetRandomPassword.

Follows the AWS Secrets Manager API reference pages of those operations and the User Guide's
"Secrets Manager concepts: versions" and quotas.
"""

from __future__ import annotations

import functools
import json
import secrets
import string

from moto.secretsmanager import models
from moto.secretsmanager.exceptions import (
    InvalidParameterException,
    InvalidRequestException,
    ResourceNotFoundException,
    SecretsManagerClientError,
)

from smworkbook.engine import clock
from smworkbook.engine.corrections.common import (
    BOTH_STRING_AND_BINARY,
    INVALID_NEXT_TOKEN,
    MARKED_FOR_DELETION,
    MAX_VERSIONS,
    current_version_id,
    now_in_milliseconds,
)


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
    BatchGetSecretValue retrieve a secret; DescribeSecret does not. ListSecretVersionIds gives each
    version its own LastAccessedDate: "The date that this version of the secret was last accessed.
    Note that the resolution of this field is at the date level and does not include the time."
    moto 5.2: LastAccessedDate is never set, however often the secret is read; ListSecretVersionIds
    reports the time of the call for every version.
    """
    original_read = models.SecretsManagerBackend.get_secret_value

    @functools.wraps(original_read)
    def get_secret_value(self, secret_id, *args, **kwargs):
        response = original_read(self, secret_id, *args, **kwargs)
        # AWS records the day, not the moment (UTC midnight of today).
        today = clock.now_datetime().replace(hour=0, minute=0, second=0, microsecond=0)
        secret = self.secrets[secret_id]
        secret.last_accessed_date = today.timestamp()
        version = secret.versions.get(response.get("VersionId"))
        if version is not None:
            version["last_accessed_date"] = today.timestamp()
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


def get_secret_value_names_the_missing_label() -> None:
    """GetSecretValue with a VersionStage that no version carries names the label.

    AWS (recorded: localstack/localstack, tests/aws/services/secretsmanager/test_secretsmanager.snapshot.json,
    test_get_secret_value_errors, VersionStage AWSPREVIOUS of a secret with one version, and
    test_secret_version_not_found, AWSPENDING): ResourceNotFoundException, HTTP 400, "Secrets Manager can't find
    the specified secret value for staging label: AWSPREVIOUS" (the same words as for a secret without a value,
    "... for staging label: AWSCURRENT", and for a VersionId, "... for VersionId: <id>").
    moto 5.2: "Secrets Manager can't find the specified secret.", the message for a secret that does not exist.
    """
    original = models.SecretsManagerBackend.get_secret_value

    @functools.wraps(original)
    def get_secret_value(self, secret_id, version_id, version_stage):
        if version_stage and not version_id and secret_id in self.secrets:
            secret = self.secrets[secret_id]
            labelled = any(version_stage in version["version_stages"] for version in secret.versions.values())
            if not labelled and not secret.is_deleted():
                raise ResourceNotFoundException(
                    f"Secrets Manager can't find the specified secret value for staging label: {version_stage}"
                )
        return original(self, secret_id, version_id, version_stage)

    models.SecretsManagerBackend.get_secret_value = get_secret_value


def deprecated_versions_are_not_listed() -> None:
    """Versions without labels are deprecated: listed only when asked for; versions without a value
    are never listed.

    AWS (API reference, ListSecretVersionIds): deprecated (unlabelled) versions are listed only
    with IncludeDeprecated=True; "ListSecretVersionIds only returns versions that contain a secret
    value. To see all version IDs that have staging labels attached, including ones without a
    secret value, call DescribeSecret and check VersionIdsToStages." (such a version is the empty
    AWSPENDING one a failed rotation leaves). It pages with MaxResults and NextToken, gives each
    version its own CreatedDate, ARN is the secret's ARN, an unknown secret is
    ResourceNotFoundException. DescribeSecret's VersionIdsToStages (and ListSecrets'
    SecretVersionsToStages) lists "the versions of the secret that have staging labels attached".
    moto 5.2: lists every version whatever IncludeDeprecated says, with or without a value,
    ignores MaxResults, puts the name in ARN, reports the time of the call as CreatedDate and
    LastAccessedDate, answers an unknown secret with HTTP 500, and shows unlabelled versions in
    VersionIdsToStages.
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
                **({"LastAccessedDate": version["last_accessed_date"]} if "last_accessed_date" in version else {}),
            }
            for version_id, version in secret.versions.items()
            if (include_deprecated or version["version_stages"])
            and ("secret_string" in version or "secret_binary" in version)
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


# What ListSecretVersionIds names as the key of a version encrypted with the AWS managed key.
DEFAULT_ENCRYPTION_KEY = "DefaultEncryptionKey"


def _reshape_listed_versions(reshape) -> None:
    """Wrap ListSecretVersionIds' answer so that `reshape(secret, version)` edits each listed version."""
    from moto.secretsmanager.responses import SecretsManagerResponse

    original = SecretsManagerResponse.list_secret_version_ids

    @functools.wraps(original)
    def list_secret_version_ids(self) -> str:
        body = json.loads(original(self))
        secret = self.backend.secrets[self._get_param("SecretId")]
        for version in body["Versions"]:
            reshape(secret, version)
        return json.dumps(body)

    SecretsManagerResponse.list_secret_version_ids = list_secret_version_ids


def listed_versions_name_their_kms_keys() -> None:
    """Every version ListSecretVersionIds lists carries KmsKeyIds.

    AWS (API reference, SecretVersionsListEntry): KmsKeyIds, "the KMS keys used to encrypt the
    secret version". Recorded on AWS: localstack/localstack, tests/aws/services/secretsmanager/
    test_secretsmanager.snapshot.json (tests marked aws.validated, e.g.
    test_deprecated_secret_version_stage, 2024-03-29): every listed version, labelled or
    deprecated, has "KmsKeyIds": ["DefaultEncryptionKey"] for a secret on the AWS managed key. For a
    customer managed key no recording was found; the mock names the secret's KmsKeyId as
    DescribeSecret shows it.
    moto 5.2 (and the workbook's listing before this): no KmsKeyIds.
    """

    def add_kms_key_ids(secret, version: dict) -> None:
        key = secret.kms_key_id
        default = key in (None, "", models.SecretsManagerBackend.DEFAULT_KMS_KEY_ALIAS)
        version["KmsKeyIds"] = [DEFAULT_ENCRYPTION_KEY if default else key]

    _reshape_listed_versions(add_kms_key_ids)


def deprecated_versions_have_no_version_stages() -> None:
    """A deprecated version is listed without a VersionStages key, not with an empty list.

    AWS: recorded in localstack/localstack, tests/aws/services/secretsmanager/
    test_secretsmanager.snapshot.json, test_deprecated_secret_version_stage (marked aws.validated,
    recorded 2024-03-29): ListSecretVersionIds with IncludeDeprecated=True lists the versions
    without labels as {"CreatedDate", "KmsKeyIds", "VersionId"} only. Code that reads
    version["VersionStages"] gets a KeyError there; version.get("VersionStages", []) works.
    moto 5.2: "VersionStages": [].
    """

    def drop_empty_stages(secret, version: dict) -> None:
        if not version.get("VersionStages"):
            version.pop("VersionStages", None)

    _reshape_listed_versions(drop_empty_stages)


def awscurrent_leaving_takes_awspending_with_it() -> None:
    """A new value that takes AWSCURRENT from a version that also holds AWSPENDING leaves that
    version with AWSPREVIOUS only.

    AWS: recorded in localstack/localstack, tests/aws/services/secretsmanager/
    test_secretsmanager.snapshot.json, test_update_secret_version_stages_current_pending (marked
    aws.validated, recorded 2022-09-28): v2 holds ["AWSCURRENT", "AWSPENDING"] (AWSCURRENT moved
    onto the pending version with UpdateSecretVersionStage, as a rotation's finishSecret does);
    PutSecretValue with a new value then leaves v2 with ["AWSPREVIOUS"] and v3 with ["AWSCURRENT"].
    UpdateSecret with a new value moves the labels the same way (the API reference describes the
    two alike); no recording of UpdateSecret in this state was found.
    moto 5.2 replaces all labels of the old version with ["AWSPREVIOUS"]; labels_move_as_documented
    keeps its other labels, so without this it kept AWSPENDING too: v2 ["AWSPREVIOUS", "AWSPENDING"],
    a pending rotation that is not there.
    """
    original = models.FakeSecret.reset_default_version

    @functools.wraps(original)
    def reset_default_version(self, secret_version, version_id) -> None:
        left = current_version_id(self)
        original(self, secret_version, version_id)
        if left is not None and left != version_id and "AWSPENDING" in self.versions[left]["version_stages"]:
            self.versions[left]["version_stages"].remove("AWSPENDING")

    models.FakeSecret.reset_default_version = reset_default_version


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
            day_ago = clock.now() - 24 * 3600
            removable = [
                version_id
                for version_id, version in secret.versions.items()
                if not version["version_stages"] and version["createdate"] < day_ago
            ]
            for version_id in removable[: len(secret.versions) - MAX_VERSIONS]:
                del secret.versions[version_id]
        return secret, new_version

    models.SecretsManagerBackend._add_secret = _add_secret


def update_secret_ignores_a_repeat_with_the_same_token() -> None:
    """UpdateSecret repeated with the same ClientRequestToken and the same value succeeds and names that version.

    AWS (verified against AWS: getmoto/moto tests/test_secretsmanager/test_secretsmanager.py,
    test_update_same_secret_value_with_same_token, marked aws_verified): CreateSecret with a token and
    "Hello", then UpdateSecret with the same token and "Hello" succeeds, VersionId the token. With another value
    (test_update_different_secret_value_with_same_token) it is ResourceExistsException "You can't use
    ClientRequestToken <token> because that value is already in use for a version of secret <ARN>.", which
    moto answers already. As for CreateSecret and PutSecretValue (ClientRequestToken: "If a version with this
    value already exists and the version SecretString and SecretBinary values are the same as those in the
    request, then the request is ignored."). The API reference's UpdateSecret page says a token that "matches an
    existing version's VersionId" is an error; the calls AWS answered show the rule above.
    moto 5.2: also ignores the repeat, but answers with the AWSCURRENT version's id, not the token's.
    """
    original = models.SecretsManagerBackend.update_secret

    @functools.wraps(original)
    def update_secret(self, secret_id, *args, **kwargs):
        token = kwargs.get("client_request_token")
        secret = self.secrets.get(secret_id) if secret_id in self.secrets else None
        version = getattr(secret, "versions", {}).get(token) if token else None
        if (
            version is not None
            and "AWSPENDING" not in version["version_stages"]
            and version.get("secret_string") == kwargs.get("secret_string")
            and version.get("secret_binary") == kwargs.get("secret_binary")
        ):
            return secret.to_short_dict(version_id=token)
        return original(self, secret_id, *args, **kwargs)

    models.SecretsManagerBackend.update_secret = update_secret


def dates_have_millisecond_precision() -> None:
    """A secret's CreatedDate and LastChangedDate and each version's CreatedDate are kept to the millisecond.

    AWS: dates come back with milliseconds (AWS's examples in botocore/data/secretsmanager/2017-10-17/
    examples-1.json, DescribeSecret: "CreatedDate": 1523477145.713, "LastChangedDate": 1523477145.729), so
    three UpdateSecret calls in a row give three increasing LastChangedDate values.
    moto 5.2: whole seconds (int(time.time())): calls within one second share one date, and versions made in
    the same second tie. A change never gets an earlier or equal LastChangedDate than the one before it.
    """
    original = models.SecretsManagerBackend._add_secret

    @functools.wraps(original)
    def _add_secret(self, secret_id, *args, **kwargs):
        before = self.secrets.get(secret_id) if secret_id in self.secrets else None
        versions = {vid: id(version) for vid, version in before.versions.items()} if before is not None else {}
        last = getattr(before, "last_changed_date", None)
        secret, new_version = original(self, secret_id, *args, **kwargs)
        now = now_in_milliseconds()
        if last is not None and now <= last:
            now = round(last + 0.001, 3)
        secret.last_changed_date = now
        if before is None:
            secret.created_date = now
        for vid, version in secret.versions.items():
            if versions.get(vid) != id(version):  # made (or remade) by this call
                version["createdate"] = now
        return secret, new_version

    models.SecretsManagerBackend._add_secret = _add_secret


BATCH_PAGE = 20  # "Retrieves the contents of ... for up to 20 secrets" (BatchGetSecretValue)


def batch_get_secret_value_filters_as_list_secrets() -> None:
    """BatchGetSecretValue with Filters reads the secrets ListSecrets would list; a secret it can't
    read goes to Errors, not the whole call.

    AWS (API reference, BatchGetSecretValue): Filters are "the filters to choose which secrets to
    retrieve" (the Filter type of ListSecrets, which leaves out secrets scheduled for deletion:
    "Lists the secrets ... not including secrets that are marked for deletion"); "If Secrets
    Manager encounters errors such as AccessDeniedException while attempting to retrieve any of
    the secrets, you can see the errors in Errors in the response"; at most 20 secrets a call.
    moto 5.2: filters every secret, deleted ones too, and one deleted secret that matches makes
    the whole call fail with InvalidRequestException; pages of 100.
    """
    original = models.SecretsManagerBackend.batch_get_secret_value

    @functools.wraps(original)
    def batch_get_secret_value(self, secret_id_list=None, filters=None, max_results=None, next_token=None):
        if not filters:
            return original(self, secret_id_list, filters, max_results, next_token)
        listed, _ = self.list_secrets(filters, len(self.secrets) + 1, None, False)
        values, errors = [], []
        for entry in listed:
            try:
                values.append(self.get_secret_value(entry["ARN"], "", ""))
            except SecretsManagerClientError as error:
                errors.append({"SecretId": entry["Name"], "ErrorCode": error.error_type, "Message": error.message})
        page, token = self._get_secret_values_page_and_next_token(values, max_results or BATCH_PAGE, next_token)
        return page, errors, token

    models.SecretsManagerBackend.batch_get_secret_value = batch_get_secret_value


# GetRandomPassword's character types (API reference, GetRandomPassword: "By default, Secrets
# Manager uses uppercase and lowercase letters, numbers, and the following characters in
# passwords: !"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~").
_TYPES = {
    "ExcludeUppercase": string.ascii_uppercase,
    "ExcludeLowercase": string.ascii_lowercase,
    "ExcludeNumbers": string.digits,
    "ExcludePunctuation": string.punctuation,
}
NO_CHARACTERS_LEFT = "The password can't be generated: every character it could use is excluded."
TOO_SHORT = "Password length is too short based on the required types."


def get_random_password_as_documented() -> None:
    """GetRandomPassword makes passwords of 1 to 4,096 characters from the types not excluded.

    AWS (API reference, GetRandomPassword): PasswordLength "Valid Range: Minimum value of 1.
    Maximum value of 4096." (default 32); RequireEachIncludedType "Specifies whether to include at
    least one upper and lowercase letter, one number, and one punctuation. If you don't include
    this switch, the password contains at least one of every character type." (default true);
    IncludeSpace adds the space; ExcludeCharacters removes characters. A request that leaves no
    character to choose from, or a length shorter than the types it must include, is
    InvalidParameterException.
    moto 5.2: refuses any length under 4 even with RequireEachIncludedType=False (a 3-digit PIN);
    answers HTTP 500 when every type is excluded, or when ExcludeCharacters removes a whole type.
    """
    from moto.secretsmanager.responses import SecretsManagerResponse

    def get_random_password(self) -> str:
        # A member sent as null counts as not sent.
        length = self._get_param("PasswordLength")
        length = 32 if length is None else length
        excluded = set(self._get_param("ExcludeCharacters") or "")
        pools = [
            "".join(c for c in characters if c not in excluded)
            for flag, characters in _TYPES.items()
            if not self._get_param(flag)
        ]
        if self._get_param("IncludeSpace") and " " not in excluded:
            pools.append(" ")
        pools = [pool for pool in pools if pool]
        if not pools:
            raise InvalidParameterException(NO_CHARACTERS_LEFT)
        require_each = self._get_param("RequireEachIncludedType") is not False
        required = [pool for pool in pools if pool != " "] if require_each else []
        if length < len(required):
            raise InvalidParameterException(TOO_SHORT)
        everything = "".join(pools)
        characters = [secrets.choice(pool) for pool in required]
        characters += [secrets.choice(everything) for _ in range(length - len(characters))]
        secrets.SystemRandom().shuffle(characters)
        return json.dumps({"RandomPassword": "".join(characters)})

    SecretsManagerResponse.get_random_password = get_random_password


CORRECTIONS = (
    string_and_binary_together,
    put_secret_value_on_deleted_secret,
    last_accessed_date_is_recorded,
    labels_move_as_documented,
    get_secret_value_reads_awscurrent,
    get_secret_value_names_the_missing_label,
    deprecated_versions_are_not_listed,
    listed_versions_name_their_kms_keys,
    deprecated_versions_have_no_version_stages,
    awscurrent_leaving_takes_awspending_with_it,
    old_deprecated_versions_are_removed,
    update_secret_ignores_a_repeat_with_the_same_token,
    batch_get_secret_value_filters_as_list_secrets,
    get_random_password_as_documented,
    dates_have_millisecond_precision,
)
