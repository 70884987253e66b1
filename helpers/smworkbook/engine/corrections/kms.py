"""KMS keys named by a secret: a KmsKeyId must name a key of the secret's Region; in the browser edition, a
symmetric key is made without the key pair moto makes for every key.

Follows the API reference's KmsKeyId of CreateSecret and UpdateSecret, its EncryptionFailure error, CreateKey's
KeySpec, and the answers of AWS quoted in public issue threads (named in each docstring).
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


def symmetric_keys_have_no_key_pair_in_the_page() -> None:
    """Browser edition only (corrections.PAGE_ONLY): a symmetric KMS key (SYMMETRIC_DEFAULT, HMAC_*) is created
    without a key pair; moto's is made only if moto ever reaches for it.

    AWS (API reference, CreateKey, KeySpec): "The default value, SYMMETRIC_DEFAULT, creates a KMS key with a
    256-bit AES-GCM key that is used for encryption and decryption"; an HMAC key spec makes an HMAC key; only the
    asymmetric specs (RSA_*, ECC_*, SM2) have a key pair (GetPublicKey: "Returns the public key of an asymmetric
    KMS key").
    moto 5.2 (moto/kms/utils.py, generate_private_key, called by Key.__init__): every key spec that is not RSA or
    ECC, SYMMETRIC_DEFAULT included, gets an RSA 2048 key pair, generated with `cryptography` when the key is
    created. The page has no build of `cryptography`, only a stub that raises on use (tools/build_lite.py), so
    lesson 3's `create_key(Description=...)` failed there. Now a symmetric key's pair is generated on first use,
    which only moto's GetPublicKey, Sign and Verify of a symmetric key would reach (AWS refuses them): in the page
    that use raises the stub's "not available in the browser edition" error. Asymmetric keys are made as before:
    they need real RSA or elliptic curves, so in the page their create_key raises that error at once. Nothing
    here does cryptography of its own. Not applied on the desktop, where `cryptography` is installed.
    """
    from moto.kms import models, utils

    original = models.generate_private_key
    if getattr(original, "_page_correction", False):
        return
    symmetric = {utils.KeySpec.SYMMETRIC_DEFAULT.value, *utils.KeySpec.hmac_key_specs()}

    class KeyPairOnFirstUse:
        """moto's key pair for a symmetric key, generated the first time an attribute of it is read."""

        def __init__(self, key_spec: str) -> None:
            self._key_spec = key_spec
            self._pair = None

        def __getattr__(self, name: str):
            if name.startswith("__"):
                raise AttributeError(name)
            if self._pair is None:
                self._pair = original(self._key_spec)
            return getattr(self._pair, name)

    @functools.wraps(original)
    def generate_private_key(key_spec: str):
        if key_spec in symmetric:
            return KeyPairOnFirstUse(key_spec)
        return original(key_spec)

    generate_private_key._page_correction = True
    models.generate_private_key = generate_private_key


CORRECTIONS = (a_kms_key_id_must_name_a_key_of_the_secret_s_region,)
