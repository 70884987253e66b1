"""KMS keys named by a secret: a KmsKeyId must name a key of the secret's Region.

Follows the API reference's KmsKeyId of CreateSecret and UpdateSecret, its EncryptionFailure error, and the
answers of AWS quoted in public issue threads (named in each docstring).
"""

from __future__ import annotations

import functools
import uuid

from moto.secretsmanager.exceptions import SecretsManagerClientError

AWS_MANAGED_KEY = "alias/aws/secretsmanager"


def key_problem(key_id: str, account: str, region: str) -> str | None:
    """KMS's own words for a key id, key ARN, alias or alias ARN that names no key in `region`, else None.

    AWS KMS's NotFoundException: "Key 'arn:aws:kms:us-east-1:<account>:key/12345' does not exist" for a key
    (hashicorp/terraform-provider-aws#30273, quoting Secrets Manager), "Alias arn:aws:kms:us-west-2:<account>:
    alias/parameter_store_key is not found." for an alias (cloudposse/docs#152).
    """
    from moto.kms.models import kms_backends

    if key_id in ("", AWS_MANAGED_KEY) or key_id.endswith(f":{AWS_MANAGED_KEY}"):
        return None  # the AWS managed key: Secrets Manager makes it when it is first needed
    kms = kms_backends[account][region]
    try:
        kms.describe_key(key_id)
        return None
    except Exception:  # moto raises KeyError or its NotFoundException for a key it does not have
        pass
    prefix = f"arn:aws:kms:{region}:{account}:"
    if "alias/" in key_id:
        name = key_id if key_id.startswith("arn:") else prefix + key_id
        return f"Alias {name} is not found."
    name = key_id if key_id.startswith("arn:") else f"{prefix}key/{key_id}"
    return f"Key '{name}' does not exist"


def _refuse(problem: str):
    return SecretsManagerClientError(
        "EncryptionFailure",
        f"Secrets Manager can't encrypt the secret value: {problem} (Service: AWSKMS; Status Code: 400; "
        f"Error Code: NotFoundException; Request ID: {uuid.uuid4()})",
    )


def a_kms_key_id_must_name_a_key_of_the_secret_s_region() -> None:
    """A value encrypted under a KmsKeyId that names no key in the secret's Region is EncryptionFailure.

    AWS (API reference, CreateSecret, PutSecretValue and UpdateSecret, Errors): "EncryptionFailure: Secrets
    Manager can't encrypt the protected secret text using the provided KMS key. Check that the KMS key is
    available, enabled, and not in an invalid state." (HTTP 400); KmsKeyId: "The ARN, key ID, or alias of the KMS
    key that Secrets Manager uses to encrypt the secret value"; the message carries KMS's NotFoundException, as AWS
    answered PutSecretValue in hashicorp/terraform-provider-aws#30273: "Secrets Manager can't encrypt the secret
    value: Key 'arn:aws:kms:us-east-1:acc-b:key/12345' does not exist (Service: AWSKMS; Status Code: 400; Error
    Code: NotFoundException; Request ID: ....". Checked when a value is encrypted: CreateSecret with a value,
    UpdateSecret with a value or a new key (it re-encrypts the current versions), PutSecretValue under the
    secret's key. Nothing is created or changed.
    moto 5.2: stores any KmsKeyId, and the value reads back.
    """
    from moto.secretsmanager.responses import SecretsManagerResponse

    def check(response, key_id) -> None:
        if isinstance(key_id, str):
            problem = key_problem(key_id, response.current_account, response.region)
            if problem is not None:
                raise _refuse(problem)

    def has_value(response) -> bool:
        return response._get_param("SecretString") is not None or response._get_param("SecretBinary") is not None

    def stored_key(response):
        secret = response.backend.secrets.get(response._get_param("SecretId") or "")
        return getattr(secret, "kms_key_id", None) if secret is not None else None

    original_create = SecretsManagerResponse.create_secret
    original_update = SecretsManagerResponse.update_secret
    original_put = SecretsManagerResponse.put_secret_value

    @functools.wraps(original_create)
    def create_secret(self) -> str:
        if has_value(self):
            check(self, self._get_param("KmsKeyId"))
        return original_create(self)

    @functools.wraps(original_update)
    def update_secret(self) -> str:
        key_id = self._get_param("KmsKeyId")
        check(self, key_id if key_id is not None else stored_key(self) if has_value(self) else None)
        return original_update(self)

    @functools.wraps(original_put)
    def put_secret_value(self) -> str:
        check(self, stored_key(self))
        return original_put(self)

    SecretsManagerResponse.create_secret = create_secret
    SecretsManagerResponse.update_secret = update_secret
    SecretsManagerResponse.put_secret_value = put_secret_value


CORRECTIONS = (a_kms_key_id_must_name_a_key_of_the_secret_s_region,)
