"""Replication to other Regions: ReplicateSecretToRegions, RemoveRegionsFromReplication, the replicas' keys,
and deleting a primary secret that has replicas.

Follows the API reference pages of those operations, the User Guide's "Replicate an AWS Secrets Manager secret
to other AWS Regions" and "Promote a replica secret to a standalone secret", and AWS's answers quoted in public
issue threads (named in each docstring). StopReplicationToReplica is in lifecycle.py
(replication_operations_answer).
"""

from __future__ import annotations

import functools
import json

from moto.secretsmanager import models
from moto.secretsmanager.exceptions import InvalidParameterException

from smworkbook.engine.corrections.kms import key_problem

AWS_MANAGED_KEY = "alias/aws/secretsmanager"


def replication_answers_the_primary_secret_s_arn() -> None:
    """ReplicateSecretToRegions and RemoveRegionsFromReplication answer the primary secret's ARN.

    AWS (API reference, ReplicateSecretToRegions and RemoveRegionsFromReplication, Response Elements): "ARN: The
    ARN of the primary secret."
    moto 5.2: echoes the SecretId as it was passed (a name stays a name).
    """
    from moto.secretsmanager.responses import SecretsManagerResponse

    for name in ("replicate_secret_to_regions", "remove_regions_from_replication"):
        original = getattr(SecretsManagerResponse, name)

        def with_the_arn(self, _original=original) -> str:
            answer = json.loads(_original(self))
            secret = self.backend.secrets.get(self._get_param("SecretId"))
            if secret is not None:
                answer["ARN"] = secret.arn
            return json.dumps(answer)

        functools.update_wrapper(with_the_arn, original)
        setattr(SecretsManagerResponse, name, with_the_arn)


def replicas_are_encrypted_with_a_key_of_their_own_region() -> None:
    """A replica is encrypted with the KmsKeyId given for its Region (a key of that Region), or aws/secretsmanager;
    a key that Region does not have fails that replica only.

    AWS (API reference, ReplicaRegionType): "KmsKeyId: The ARN, key ID, or alias of the KMS key to encrypt the
    secret. If you don't include this field, Secrets Manager uses aws/secretsmanager."; ReplicationStatusType
    "KmsKeyId: Can be an ARN, Key ID, or Alias." and "Status: The status can be InProgress, Failed, or InSync.";
    User Guide ("Promote a replica secret"): a replica "has the same secret value and metadata as the primary, but
    it can be encrypted with a different KMS key". A KMS key belongs to one Region (AWS KMS Developer Guide,
    "Multi-Region keys": a single-Region key is usable only in its Region), and a replica given a key its Region
    does not have is not created while the call itself succeeds (aws-cloudformation/cloudformation-coverage-roadmap
    #1459: "the Secret fails to replicate in a given region if the ReplicaRegion property is provided with an
    Invalid KMS Key ID in the targeted Region", and the stack completes). The replica's DescribeSecret shows its own
    KmsKeyId. No recording of AWS's StatusMessage for that failure was found: the mock's says "Replication failed: "
    and KMS's own words for the missing key (kms.key_problem).
    moto 5.2: ignores each replica's KmsKeyId (every replica shows alias/aws/secretsmanager), and a replica's
    DescribeSecret shows the primary's key; its message for a name taken in the Region always names "simple".
    """

    def create_replicas(self, replica_regions, force_overwrite):
        for config in replica_regions or []:
            if config["Region"] == self.region:
                raise InvalidParameterException("Invalid replica region.")
        replicas = []
        for config in replica_regions or []:
            region = config["Region"]
            backend = models.secretsmanager_backends[self.account_id][region]
            key = config.get("KmsKeyId") or AWS_MANAGED_KEY
            problem = key_problem(key, self.account_id, region)
            if problem is not None:
                replica = models.ReplicaSecret(self, region, "Failed", f"Replication failed: {problem}")
            elif self.name in backend.secrets and not force_overwrite:
                message = f"Replication failed: Secret name {self.name} already exists in region {region}."
                replica = models.ReplicaSecret(self, region, "Failed", message)
            else:
                if self.name in backend.secrets:
                    backend.secrets.pop(self.name)
                replica = models.ReplicaSecret(self, region)
                backend.secrets[replica.arn] = replica
            replica.kms_key_id = key
            replica.config["KmsKeyId"] = key
            replicas.append(replica)
        return replicas

    original_to_dict = models.ReplicaSecret.to_dict

    @functools.wraps(original_to_dict)
    def to_dict(self):
        answer = original_to_dict(self)
        answer.pop("KmsKeyId", None)
        key = getattr(self, "kms_key_id", AWS_MANAGED_KEY)
        if key != AWS_MANAGED_KEY:
            answer["KmsKeyId"] = key
        return answer

    models.FakeSecret.create_replicas = create_replicas
    models.ReplicaSecret.to_dict = to_dict


def deleting_a_primary_with_replicas_names_their_regions() -> None:
    """DeleteSecret of a primary secret that still has replicas is InvalidParameterException naming their Regions.

    AWS (quoted in gruntwork-io/cloud-nuke#435): "InvalidParameterException: You can't delete secret
    arn:aws:secretsmanager:ap-southeast-1:XXXXXXXXXXXX:secret:test-0405-12342-wwCwfj that still has replica regions
    [ap-northeast-2, us-east-1, us-west-2]." Remove the Regions first (RemoveRegionsFromReplication), or promote
    the replicas. The secret is named as the caller named it (cloud-nuke passed the ARN).
    moto 5.2: the same code, the Regions joined by "," with no space and no full stop.
    """
    original = models.SecretsManagerBackend.delete_secret

    @functools.wraps(original)
    def delete_secret(self, secret_id, *args, **kwargs):
        secret = self.secrets.get(secret_id) if secret_id in self.secrets else None
        if isinstance(secret, models.FakeSecret) and secret.replicas:
            regions = ", ".join(replica.region for replica in secret.replicas)
            raise InvalidParameterException(
                f"You can't delete secret {secret_id} that still has replica regions [{regions}]."
            )
        return original(self, secret_id, *args, **kwargs)

    models.SecretsManagerBackend.delete_secret = delete_secret


CORRECTIONS = (
    replication_answers_the_primary_secret_s_arn,
    replicas_are_encrypted_with_a_key_of_their_own_region,
    deleting_a_primary_with_replicas_names_their_regions,
)
