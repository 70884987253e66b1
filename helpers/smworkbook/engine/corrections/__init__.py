"""Every way the workbook's mock differs from stock moto, in one package.

moto (pinned in pyproject.toml) is a very good mock, but in places it answers differently from
AWS. A learner must leave with AWS's behaviour, so each correction makes the mock answer as the
AWS Secrets Manager API reference and User Guide document, or, where they are silent, as AWS was
recorded answering (tests run against AWS: moto's `aws_verified` tests, LocalStack's snapshots). Each
is one named function whose docstring quotes the AWS text or recording it follows and names the moto
behaviour it replaces; each has its own test (tests/test_corrections.py, tests/test_validation.py).

The modules follow the API reference's groups of operations:
- validation: every request checked against the service model's limits and the documented rules
  before moto sees it; error messages as AWS words them.
- values: secret values and versions (GetSecretValue, PutSecretValue, ListSecretVersionIds, ...).
- lifecycle: create, describe, list, delete, restore, tags, promoting a replica.
- replication: replicas in other Regions, their keys, deleting a primary that has replicas.
- kms: a KmsKeyId must name a key of the secret's Region.
- rotation: RotateSecret and CancelRotateSecret, running the learner's rotation function, and the
  rotation schedules, run on the mock's clock (engine/clock.py) when a notebook moves it.
- functions: Lambda functions deployed with create_function: run without Docker, logged, invoked as AWS does.
- access: IAM and resource policies, KMS.
- trail: CloudTrail's record of every Secrets Manager call, and LookupEvents.
- wire: what goes over the wire: HTTP status codes, error bodies and response headers.

`apply()` runs when the mock starts (smworkbook.start()); it patches moto's classes in this
process only, once. Layers: server <- corrections <- mock <- the learner's helpers; nothing here
imports the mock or the helpers.
"""

from __future__ import annotations

from smworkbook.engine.corrections import (
    access,
    functions,
    kms,
    lifecycle,
    replication,
    rotation,
    trail,
    validation,
    values,
    wire,
)
from smworkbook.engine.corrections.access import BROAD_ACCESS, KMS_NOT_ALLOWED, MALFORMED_POLICY, PUBLIC_POLICY
from smworkbook.engine.corrections.common import (
    BOTH_STRING_AND_BINARY,
    MARKED_FOR_DELETION,
    MAX_VERSIONS,
    NAME_SCHEDULED_FOR_DELETION,
)
from smworkbook.engine.corrections.rotation import NO_ROTATION_FUNCTION, ROTATION_IN_PROGRESS

MODULES = (validation, values, lifecycle, replication, kms, rotation, functions, access, trail, wire)
# In the order they are applied (a later one may wrap what an earlier one patched).
ALL = tuple(correction for module in MODULES for correction in module.CORRECTIONS)
# The corrections that change what moto's HTTP server sends: the browser edition has no server (moto answers in
# the page's own process, smworkbook.toolkit.inpage), so they cannot apply there; every other one does.
SERVER_ONLY = (wire.responses_carry_aws_metadata,)
# And the ones for the page only: moto there has no `cryptography` to make key pairs with (tools/build_lite.py).
PAGE_ONLY = (kms.symmetric_keys_have_no_key_pair_in_the_page,)

__all__ = [
    "ALL",
    "BOTH_STRING_AND_BINARY",
    "BROAD_ACCESS",
    "KMS_NOT_ALLOWED",
    "MALFORMED_POLICY",
    "MARKED_FOR_DELETION",
    "MAX_VERSIONS",
    "MODULES",
    "NAME_SCHEDULED_FOR_DELETION",
    "NO_ROTATION_FUNCTION",
    "PAGE_ONLY",
    "PUBLIC_POLICY",
    "SERVER_ONLY",
    "ROTATION_IN_PROGRESS",
    "apply",
]

_applied = False


def apply(server: bool = True) -> None:
    """Apply every correction in ALL to moto, once per process; `server=False` (moto in this process, no
    HTTP server: the browser edition) leaves out SERVER_ONLY and adds PAGE_ONLY."""
    global _applied
    if _applied:
        return
    for correction in ALL if server else (*(c for c in ALL if c not in SERVER_ONLY), *PAGE_ONLY):
        correction()
    _applied = True
