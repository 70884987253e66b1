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
import json
import re
import time
import uuid

from moto.secretsmanager import models
from moto.secretsmanager.exceptions import (
    InvalidParameterException,
    InvalidRequestException,
    ResourceNotFoundException,
    SecretNotFoundException,
    SecretsManagerClientError,
)

from . import enforcement, policies, rotation
from .enforcement import KMS_NOT_ALLOWED  # noqa: F401  (the message, for tests)

_BOTOCORE_PREFIX = re.compile(r"^An error occurred \(\w+\) when calling the \w+ operation: ")

# The message AWS returns for any operation on a secret that is scheduled for deletion.
MARKED_FOR_DELETION = "You can't perform this operation on the secret because it was marked for deletion."
# The message AWS returns for CreateSecret with the name of a secret scheduled for deletion.
NAME_SCHEDULED_FOR_DELETION = (
    "You can't create this secret because a secret with this name is already scheduled for deletion."
)
# AWS keeps at most this many versions of a secret (deprecated ones older than 24 h are removed).
MAX_VERSIONS = 100
BOTH_STRING_AND_BINARY = "You can't specify both a binary secret value and a string secret value in the same secret."


def error_messages_as_aws_words_them() -> None:
    """Error messages read as AWS's do.

    AWS: the message of an error is one sentence, e.g. InvalidRequestException on a secret
    scheduled for deletion says "You can't perform this operation on the secret because it was
    marked for deletion." (API reference, Common Errors and each action's Errors section).
    moto 5.2: several messages start with botocore's own prefix ("An error occurred
    (InvalidRequestException) when calling the GetSecretValue operation: "), so the learner sees
    it twice, followed by a run of spaces from a line continuation; on a deleted secret some
    say "You tried to perform the operation on a secret that's currently marked deleted."
    """
    original = SecretsManagerClientError.__init__

    @functools.wraps(original)
    def __init__(self, error_type: str, message: str, *args, **kwargs) -> None:
        message = " ".join(_BOTOCORE_PREFIX.sub("", message).split())
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


# RotateSecret's InvalidRequestException messages (API reference, RotateSecret and Common Errors).
NO_ROTATION_FUNCTION = (
    "You tried to enable rotation on a secret that doesn't already have a Lambda function ARN configured "
    "and you didn't include such an ARN as a parameter in this call."
)
ROTATION_IN_PROGRESS = "A previous rotation isn't complete. That rotation will be reattempted."
DAY = 24 * 60 * 60


def rotate_secret_runs_the_rotation_function() -> None:
    """RotateSecret runs the rotation function's four steps and leaves the labels as the function set them.

    AWS (API reference, RotateSecret; User Guide, "Rotation by Lambda function"):
    - RotateSecret "configures and starts the asynchronous process of rotating the secret". With
      RotationLambdaARN / RotationRules it stores them first; without them it "starts a rotation
      with the values already stored in the secret"; with none stored it is InvalidRequestException.
    - Secrets Manager attaches AWSPENDING to a new, empty version whose VersionId is the
      ClientRequestToken (returned as VersionId), then invokes the function with {"SecretId": ARN,
      "ClientRequestToken", "Step"} for createSecret, setSecret, testSecret, finishSecret. The
      function moves the labels; Secrets Manager does not. "When rotation is unsuccessful, the
      AWSPENDING staging label might be attached to an empty secret version."
    - "If the AWSPENDING staging label is present but not attached to the same version as
      AWSCURRENT, then any later invocation of RotateSecret assumes that a previous rotation request
      is still in progress and returns an error." The ClientRequestToken exists so that "if there
      are failures and retries during rotation" no duplicate version is made: a retry with the
      pending version's token resumes that rotation.
    - RotateImmediately=False: "Secrets Manager tests the rotation configuration by running the
      testSecret step of the Lambda rotation function. The test creates an AWSPENDING version of
      the secret and then removes it." The rotation itself waits for the schedule.
    moto 5.2: runs Lambda code only in Docker (its "simple" backend runs nothing); a nonexistent
    function still changes the secret; without any ARN it moves AWSCURRENT onto an empty version
    (the secret can no longer be read); after the steps it makes the pending version the default
    for GetSecretValue without moving the labels; it refuses to rotate when AWSPENDING sits on the
    AWSCURRENT version (AWS allows that) and allows it when AWSPENDING is stale (AWS refuses).

    Here the function is a Python `lambda_handler` registered with
    smworkbook.register_rotation_function(); the steps run in the kernel, in order, and stop at the
    first step that raises (see helpers/smworkbook/rotation.py for how that is shown).
    """
    models.SecretsManagerBackend.rotate_secret = _rotate_secret


def _rotate_secret(
    self,
    secret_id: str,
    client_request_token: str | None = None,
    rotation_lambda_arn: str | None = None,
    rotation_rules: dict | None = None,
    rotate_immediately: bool = True,
) -> str:
    if not self._is_valid_identifier(secret_id):
        raise SecretNotFoundException()
    secret = self.secrets[secret_id]
    if secret.is_deleted():
        raise InvalidRequestException(MARKED_FOR_DELETION)
    arn = rotation_lambda_arn or secret.rotation_lambda_arn
    if not arn:
        raise InvalidRequestException(NO_ROTATION_FUNCTION)
    if not rotation.is_registered(arn):
        raise ResourceNotFoundException(
            f"Secrets Manager can't find the rotation function {arn}. In this workbook, register it first: "
            "arn = smworkbook.register_rotation_function(name, lambda_handler)."
        )
    days = (rotation_rules or {}).get("AutomaticallyAfterDays")
    if days is not None and not 1 <= int(days) <= 1000:
        raise InvalidParameterException("RotationRules.AutomaticallyAfterDays must be within 1-1000.")
    if client_request_token:
        self._client_request_token_validator(client_request_token)
    current_id = _version_with(secret, "AWSCURRENT")
    pending_id = _version_with(secret, "AWSPENDING")
    if current_id is None:
        raise InvalidRequestException("The secret has no AWSCURRENT version to rotate. Give it a value first.")
    stale = pending_id is not None and pending_id != current_id
    if stale and client_request_token != pending_id:
        raise InvalidRequestException(ROTATION_IN_PROGRESS)

    # The configuration is stored before the rotation starts, and rotation is turned on.
    secret.rotation_requested = True
    secret.rotation_lambda_arn = arn
    secret.rotation_enabled = True
    if days is not None:
        secret.auto_rotate_after_days = int(days)

    token = client_request_token or str(uuid.uuid4())
    if not rotate_immediately:
        return _test_rotation(self, secret, arn, token, current_id)
    if token not in secret.versions:
        secret.remove_version_stages_from_old_versions(["AWSPENDING"])
        secret.versions[token] = {"createdate": int(time.time()), "version_id": token, "version_stages": ["AWSPENDING"]}
    for step in rotation.STEPS:
        if not rotation.invoke(arn, {"SecretId": secret.arn, "ClientRequestToken": token, "Step": step}):
            break
    else:
        if _version_with(secret, "AWSCURRENT") == token:
            secret.last_rotation_date = int(time.time())
    if secret.auto_rotate_after_days:
        start = secret.last_rotation_date or int(time.time())
        secret.next_rotation_date = start + secret.auto_rotate_after_days * DAY
    return secret.to_short_dict(version_id=token)


def _test_rotation(backend, secret, arn: str, token: str, current_id: str) -> str:
    # RotateImmediately=False: only testSecret runs, against a temporary AWSPENDING copy of the
    # current value; the copy is removed afterwards and the next rotation waits for the schedule.
    value = {k: v for k, v in secret.versions[current_id].items() if k in ("secret_string", "secret_binary")}
    secret.remove_version_stages_from_old_versions(["AWSPENDING"])
    secret.versions[token] = {"createdate": int(time.time()), "version_id": token, "version_stages": ["AWSPENDING"]}
    secret.versions[token].update(value)
    try:
        rotation.invoke(arn, {"SecretId": secret.arn, "ClientRequestToken": token, "Step": "testSecret"})
    finally:
        secret.versions.pop(token, None)
    start = secret.last_rotation_date or int(time.time())
    if secret.auto_rotate_after_days:
        secret.next_rotation_date = start + secret.auto_rotate_after_days * DAY
    return secret.to_short_dict(version_id=current_id)


def _version_with(secret, label: str) -> str | None:
    return next((vid for vid, v in secret.versions.items() if label in v["version_stages"]), None)


def cancel_rotate_secret_names_the_pending_version() -> None:
    """CancelRotateSecret turns rotation off and names the version of an unfinished rotation.

    AWS (API reference, CancelRotateSecret): "Turns off automatic rotation, and if a rotation is
    currently in progress, cancels the rotation." Its VersionId is "the unique identifier of the
    version of the secret created during the rotation", which still carries AWSPENDING and must be
    cleaned up, or it blocks later rotations. NextRotationDate no longer applies.
    moto 5.2: returns the AWSCURRENT version's id and keeps NextRotationDate.
    """
    original = models.SecretsManagerBackend.cancel_rotate_secret

    @functools.wraps(original)
    def cancel_rotate_secret(self, secret_id):
        answer = original(self, secret_id)
        secret = self.secrets[secret_id]
        secret.next_rotation_date = None
        pending_id = _version_with(secret, "AWSPENDING")
        if pending_id is not None and pending_id != _version_with(secret, "AWSCURRENT"):
            return secret.to_short_dict(version_id=pending_id)
        return answer

    models.SecretsManagerBackend.cancel_rotate_secret = cancel_rotate_secret


# --- Access control ------------------------------------------------------------------------------

BROAD_ACCESS = 'The policy allows access to everyone ("Principal": "*") with no condition to narrow it.'
# As AWS words it (seen in a CloudFormation error for a Secrets Manager resource policy).
MALFORMED_POLICY = "This policy has invalid syntax."
PUBLIC_POLICY = (
    "This resource policy grants access to everyone (a wildcard principal) and BlockPublicPolicy is set, "
    "so it was not attached."
)


def reading_a_secret_needs_kms_decrypt_on_its_key() -> None:
    """With policy enforcement on, reading a secret encrypted with a customer managed KMS key
    needs kms:Decrypt on that key.

    AWS: Secrets Manager decrypts the secret with its KMS key on the caller's behalf; for a
    customer managed key the caller needs kms:Decrypt on it, allowed by the key policy and (when
    the key policy delegates to the account) by the caller's IAM policies, often narrowed with
    the condition kms:ViaService = secretsmanager.<region>.amazonaws.com (Secrets Manager user
    guide, "Secret encryption and decryption"). Without it GetSecretValue fails with
    AccessDeniedException "Access to KMS is not allowed". The AWS managed key aws/secretsmanager
    needs no extra permission.
    moto 5.2: never consults KMS when a secret is read.
    """
    enforcement.AFTER_ALLOW.append(enforcement.kms_decrypt_allowed)


def secrets_manager_authorizes_each_secret() -> None:
    """With policy enforcement on, Secrets Manager checks the action AND the secret, and a denial
    is an AccessDeniedException in JSON.

    AWS: Secrets Manager evaluates the identity's policies and the secret's resource policy for the
    action and the secret's ARN (Resource), with conditions on its tags
    (secretsmanager:ResourceTag/<key>); an explicit Deny wins, then an Allow, else an implicit
    deny. A denial is HTTP 400 AccessDeniedException: "User: <arn> is not authorized to perform:
    secretsmanager:GetSecretValue on resource: <secret id as given> because no identity-based
    policy allows the secretsmanager:GetSecretValue action" (or "with an explicit deny in an
    identity-based policy" / "... resource-based policy"). An unknown access key is
    UnrecognizedClientException.
    moto 5.2: authorizes the action only (every statement's Resource is compared with "*"),
    treats an Allow whose Condition does not hold as a Deny, ignores resource policies, and
    answers with an XML 403 "AccessDenied" that botocore cannot parse (the learner sees "An error
    occurred (403)"). Requests signed with the workbook's own keys (the account's administrator)
    are always allowed, so set-up cells keep working while enforcement is on.
    """
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    from .isolation import FAKE_ACCESS_KEY_ID

    original = ActionAuthenticatorMixin._authenticate_and_authorize_normal_action

    @functools.wraps(original)
    def _authenticate_and_authorize_normal_action(self, resource: str = "*") -> None:
        enforcement.caller.identity = None  # this request's caller, once authorized (see BatchGetSecretValue)
        enforcing = ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT
        if not enforcing:
            return original(self, resource)
        key = enforcement.access_key_id(self.headers)
        if key == FAKE_ACCESS_KEY_ID:
            return None
        if getattr(self, "service_name", None) != "secretsmanager" or key is None:
            return original(self, resource)
        return enforcement.authorize(self)

    ActionAuthenticatorMixin._authenticate_and_authorize_normal_action = _authenticate_and_authorize_normal_action


def batch_get_secret_value_checks_each_secret() -> None:
    """With policy enforcement on, BatchGetSecretValue returns only the secrets the caller may read.

    AWS: "Required permissions: secretsmanager:BatchGetSecretValue, and you must have
    secretsmanager:GetSecretValue for each secret. If you use filters, you must also have
    secretsmanager:ListSecrets" (and kms:Decrypt for a customer managed key); a secret the caller
    may not read is reported in Errors (ErrorCode AccessDeniedException), not returned.
    moto 5.2: checks only secretsmanager:BatchGetSecretValue and returns every secret asked for.
    """
    from moto.secretsmanager.responses import SecretsManagerResponse

    original = SecretsManagerResponse.batch_get_secret_value

    @functools.wraps(original)
    def batch_get_secret_value(self) -> str:
        if self._get_param("Filters") and enforcement.caller_may(self, "secretsmanager:ListSecrets") is False:
            principal = enforcement.caller.identity[0]
            request = policies.Request(principal, "secretsmanager:ListSecrets", "*")
            raise SecretsManagerClientError(
                "AccessDeniedException", policies.denial_message(request, policies.IMPLICIT_DENY, None)
            )
        return enforcement.filter_batch(original(self), self.region, self.current_account)

    SecretsManagerResponse.batch_get_secret_value = batch_get_secret_value


def _parse_resource_policy(policy_text):
    """The policy as a dict, or MalformedPolicyDocumentException (moto's IAM syntax checks)."""
    import json

    from moto.iam.exceptions import MalformedPolicyDocument
    from moto.iam.policy_validation import BaseIAMPolicyValidator

    try:
        parsed = json.loads(policy_text)
        BaseIAMPolicyValidator(policy_text).validate()
    except (ValueError, TypeError, MalformedPolicyDocument) as error:
        detail = getattr(error, "message", None) or str(error)
        raise SecretsManagerClientError("MalformedPolicyDocumentException", f"{MALFORMED_POLICY} {detail}") from None
    if not isinstance(parsed, dict):
        raise SecretsManagerClientError("MalformedPolicyDocumentException", MALFORMED_POLICY)
    return parsed


def put_resource_policy_checks_the_policy() -> None:
    """PutResourcePolicy refuses a malformed policy, and a public one when BlockPublicPolicy is set.

    AWS: a policy with syntax errors is MalformedPolicyDocumentException; with
    BlockPublicPolicy=True a policy that allows broad access ("Principal": "*" with no
    condition) is PublicPolicyException ("The BlockPublicPolicy parameter is set to true, and the
    resource policy did not prevent broad access to the secret"); nothing is attached.
    moto 5.2: stores any text, ignores BlockPublicPolicy ("not yet implemented").
    """
    from moto.secretsmanager.responses import SecretsManagerResponse

    original = SecretsManagerResponse.put_resource_policy

    @functools.wraps(original)
    def put_resource_policy(self) -> str:
        parsed = _parse_resource_policy(self._get_param("ResourcePolicy"))
        if self._get_param("BlockPublicPolicy") and policies.is_public(parsed):
            raise SecretsManagerClientError("PublicPolicyException", PUBLIC_POLICY)
        return original(self)

    SecretsManagerResponse.put_resource_policy = put_resource_policy


def validate_resource_policy_answers() -> None:
    """ValidateResourcePolicy says whether a policy is well-formed and not public.

    AWS: returns PolicyValidationPassed and a list of ValidationErrors (CheckName, ErrorMessage);
    it checks the syntax and whether the policy allows broad access (e.g. a wildcard principal).
    A policy that is not JSON at all is MalformedPolicyDocumentException.
    moto 5.2: not implemented (HTTP 500, which botocore retries, then a bare 500 error).
    The check names here are the workbook's own wording; AWS's may differ.
    """
    import json

    from moto.secretsmanager.responses import SecretsManagerResponse

    def validate_resource_policy(self) -> str:
        text = self._get_param("ResourcePolicy")
        try:
            json.loads(text)
        except (ValueError, TypeError):
            message = f"{MALFORMED_POLICY} It is not JSON."
            raise SecretsManagerClientError("MalformedPolicyDocumentException", message) from None
        errors = []
        try:
            parsed = _parse_resource_policy(text)
        except SecretsManagerClientError as error:
            errors.append({"CheckName": "SYNTAX", "ErrorMessage": error.message})
        else:
            if policies.is_public(parsed):
                errors.append({"CheckName": "BROAD_ACCESS", "ErrorMessage": BROAD_ACCESS})
        return json.dumps({"PolicyValidationPassed": not errors, "ValidationErrors": errors})

    SecretsManagerResponse.validate_resource_policy = validate_resource_policy


# Versions and staging labels -------------------------------------------------------------------


def _current_version_id(secret) -> str | None:
    for version_id, version in secret.versions.items():
        if "AWSCURRENT" in version["version_stages"]:
            return version_id
    return None


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
        previous_current = _current_version_id(self)
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
        secret.default_version_id = _current_version_id(secret)
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
            if _current_version_id(self.secrets[secret_id]) is not None:
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
        if not next_token.isdigit() or not 1 <= max_results <= 100:
            raise InvalidParameterException("Invalid NextToken or MaxResults.")
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


ALL = (
    error_messages_as_aws_words_them,
    string_and_binary_together,
    create_with_name_scheduled_for_deletion,
    put_secret_value_on_deleted_secret,
    labels_move_as_documented,
    get_secret_value_reads_awscurrent,
    deprecated_versions_are_not_listed,
    old_deprecated_versions_are_removed,
    rotate_secret_runs_the_rotation_function,
    cancel_rotate_secret_names_the_pending_version,
    secrets_manager_authorizes_each_secret,
    reading_a_secret_needs_kms_decrypt_on_its_key,
    batch_get_secret_value_checks_each_secret,
    put_resource_policy_checks_the_policy,
    validate_resource_policy_answers,
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
