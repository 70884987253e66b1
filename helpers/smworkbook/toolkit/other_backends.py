"""Other backends than the embedded mock, chosen by one environment variable, with guard rails.

    SMWORKBOOK_BACKEND unset, "" or "moto"   the embedded moto server (the default; free, offline)
    SMWORKBOOK_BACKEND=http://localhost:4566  an endpoint you already run, e.g. LocalStack (loopback only);
                                              keys: SMWORKBOOK_ENDPOINT_ACCESS_KEY_ID and
                                              SMWORKBOOK_ENDPOINT_SECRET_ACCESS_KEY if it checks
                                              them (another workbook mock), else `testing`
    SMWORKBOOK_BACKEND=aws                    real AWS, with your own credentials: the explicit opt-in

Set it before starting JupyterLab (`SMWORKBOOK_BACKEND=aws make lab`); the set-up cell reads it.

Guard rails, so that a workbook run can only ever touch what it created itself (they hold for every
client made in the kernel: boto3.client, boto3.Session().client, aws.client, botocore sessions):
- Every secret created is tagged smworkbook-run=<run id>.
- Real AWS: every secret name gets the prefix smw-<run id>- (the lesson's "TestSecret" becomes
  "smw-1a2b3c4d-TestSecret"), an ARN of another secret is refused, list_secrets and
  batch_get_secret_value show only this run's secrets, only Secrets Manager is called (no KMS
  keys, IAM users or Lambda functions), and a cost warning is printed before anything is created.
- reset(), ensure_absent() and ensure_secret() delete only secrets tagged with this run's id, and
  the run's secrets are force-deleted when the kernel exits.
Rotation with an in-kernel function, IAM enforcement and fault injection need the embedded mock.
These backends run lessons 1-3; lesson 7 (replicas in other Regions, KMS, IAM, CloudTrail) needs the embedded mock.
"""

from __future__ import annotations

import atexit
import ipaddress
import os
import secrets
import urllib.parse

import boto3
import botocore.exceptions
import botocore.session

from smworkbook.engine import isolation
from smworkbook.engine.errors import WorkbookError, require_secret_name
from smworkbook.toolkit.backend import Backend

VARIABLE = "SMWORKBOOK_BACKEND"
# The keys for an endpoint that checks signatures (e.g. a workbook mock someone else started).
KEY_VARIABLES = ("SMWORKBOOK_ENDPOINT_ACCESS_KEY_ID", "SMWORKBOOK_ENDPOINT_SECRET_ACCESS_KEY")
TAG_KEY = "smworkbook-run"
PRICING_URL = "https://aws.amazon.com/secrets-manager/pricing/"
# Calls real AWS mode lets through: Secrets Manager, and STS to say whose account it is.
_ALLOWED_SERVICES = {"secretsmanager", "sts"}
# Replicas live in other regions, where this run's clean-up would not find them.
_REFUSED_PARAMETERS = ("AddReplicaRegions", "ForceOverwriteReplicaSecret")
_REFUSED_OPERATIONS = {"ReplicateSecretToRegions", "RemoveRegionsFromReplication", "StopReplicationToReplica"}


def choose() -> tuple[str, str | None]:
    """Read SMWORKBOOK_BACKEND: ("moto", None), ("endpoint", url) or ("aws", None)."""
    value = os.environ.get(VARIABLE, "").strip()
    if value in ("", "moto"):
        return "moto", None
    if value == "aws":
        return "aws", None
    url = urllib.parse.urlsplit(value)
    if url.scheme in ("http", "https") and url.hostname:
        if not _is_loopback(url.hostname):
            raise WorkbookError(
                f"{VARIABLE}={value!r}: the workbook only talks to endpoints on this machine "
                "(localhost, 127.0.0.1 or [::1]), so nothing leaves it by accident."
            )
        return "endpoint", value.rstrip("/")
    raise WorkbookError(
        f"{VARIABLE}={value!r} is not a backend: leave it unset (the embedded mock), "
        "set an endpoint such as http://localhost:4566, or set it to aws (real AWS, costs money)."
    )


def endpoint_keys() -> tuple[str, str]:
    """The keys to sign with for an endpoint: SMWORKBOOK_ENDPOINT_* if both are set, else the fake `testing` pair.

    LocalStack accepts any key; a workbook mock accepts only its owner's (server.OwnerOnly).
    """
    key_id, secret = (os.environ.get(name, "") for name in KEY_VARIABLES)
    if key_id and secret:
        return key_id, secret
    return isolation.FAKE_ACCESS_KEY_ID, isolation.FAKE_SECRET_ACCESS_KEY


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# The backend whose guard rails every new client gets (None: the embedded mock, no guard rails).
_guarding: ScopedAWS | None = None
_original_create_client = botocore.session.Session.create_client


def _create_guarded_client(session, *args, **kwargs):
    client = _original_create_client(session, *args, **kwargs)
    if _guarding is not None:
        _guarding.guard(client.meta.events)
    return client


def unguard() -> None:
    """Back to the embedded mock: new clients get no guard rails."""
    global _guarding
    _guarding = None


def start_scoped(kind: str, target: str | None) -> ScopedAWS:
    """Connect to an endpoint or to real AWS, with this run's guard rails installed."""
    if kind == "endpoint":
        # Keys made for the endpoint, or fake ones, here and in the environment start() sets:
        # the learner's real keys are never sent to it.
        key_id, secret = endpoint_keys()
        session = boto3.session.Session(
            aws_access_key_id=key_id, aws_secret_access_key=secret, region_name=isolation.REGION
        )
        aws = ScopedAWS(kind, target, session, prefix=False)
    else:
        # The learner's own configuration: they opted in. A default session made before may
        # have come from the mock's environment; the next boto3.client() makes a new one.
        boto3.DEFAULT_SESSION = None
        session = boto3.session.Session()
        if session.region_name is None:
            raise WorkbookError(f"{VARIABLE}=aws needs a region: set AWS_DEFAULT_REGION (e.g. us-east-1).")
        aws = ScopedAWS(kind, None, session, prefix=True)
    global _guarding
    # Every client created from now on in this process, whichever session it comes from, gets
    # the guard rails: botocore's Session.create_client is where they are all made.
    botocore.session.Session.create_client = _create_guarded_client
    _guarding = aws
    if kind == "aws":
        aws.warn_about_costs()
    else:
        print(
            f"Using the endpoint {target} ({VARIABLE}), with fake keys. This run's secrets are tagged "
            f"{TAG_KEY}={aws.run_id}; aws.reset() and the end of this kernel delete those and nothing else. "
            "Lessons 4 and 5 need the embedded mock."
        )
    atexit.register(aws.stop_quietly)
    return aws


class ScopedAWS(Backend):
    """A backend other than the embedded mock; its helpers touch only what this run created.

    Same helpers as MockAWS (client, reset, stop, ensure_absent, ensure_secret), scoped to the
    secrets tagged with `run_id`. `client_as` and the mock's own features are not available.
    """

    def __init__(self, kind: str, target: str | None, session: boto3.session.Session, prefix: bool) -> None:
        self.kind = kind
        self.target = target
        self.endpoint_url = target
        self.region = session.region_name
        self.run_id = secrets.token_hex(4)
        self.prefix = f"smw-{self.run_id}-" if prefix else ""
        self._session = session
        self._clients: dict[str, object] = {}
        self._client_args = {"endpoint_url": target}
        self._running = True

    def __repr__(self) -> str:
        return f"<ScopedAWS {self.describe_backend()}, run {self.run_id}>"

    def describe_backend(self) -> str:
        if self.kind == "aws":
            return f"real AWS in {self.region} (SMWORKBOOK_BACKEND=aws)"
        return f"the endpoint {self.endpoint_url} (SMWORKBOOK_BACKEND)"

    def is_running(self) -> bool:
        return self._running

    def after_environment(self) -> None:
        """Nothing to do: every client gets the guard rails when it is created."""

    def warn_about_costs(self) -> None:
        """Say whose account this is and what it costs, before anything is created."""
        try:
            account = self.client("sts").get_caller_identity()["Account"]
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
            raise WorkbookError(f"{VARIABLE}=aws, but your AWS credentials did not work: {error}") from None
        print(
            f"⚠ REAL AWS: account {account}, region {self.region}. Secrets Manager bills per secret per month "
            f"and per 10,000 API calls ({PRICING_URL}).\n"
            f"  This run's secrets are named {self.prefix}… and tagged {TAG_KEY}={self.run_id}; aws.reset() and "
            "the end of this kernel delete them, and nothing else. Only Secrets Manager is called.\n"
            f"  Unset {VARIABLE} and restart the kernel to go back to the free, offline mock."
        )

    # -- the helpers every backend has ---------------------------------------------------------

    def client_as(self, identity, service: str = "secretsmanager"):
        raise WorkbookError(f"client_as() needs the embedded mock; this kernel uses {self.describe_backend()}.")

    def reset(self) -> None:
        """Force-delete every secret this run created (tagged with its run id), and nothing else."""
        self._require_running()
        sm = self.client("secretsmanager")
        filters = [{"Key": "tag-key", "Values": [TAG_KEY]}, {"Key": "tag-value", "Values": [self.run_id]}]
        for page in sm.get_paginator("list_secrets").paginate(Filters=filters, IncludePlannedDeletion=True):
            for entry in page["SecretList"]:
                if self._tagged(entry):  # filters match prefixes: check the tag exactly
                    sm.delete_secret(SecretId=entry["ARN"], ForceDeleteWithoutRecovery=True)

    def stop(self) -> None:
        """Delete this run's secrets and stop using this backend."""
        if self._running:
            self.reset()
            self._running = False

    def stop_quietly(self) -> None:
        try:
            self.stop()
        except Exception:  # at kernel exit there is nobody to tell; the secrets carry the run's tag
            self._running = False

    def ensure_absent(self, name: str) -> None:
        """Make sure this run has no secret called `name`; refuses to delete one it did not create."""
        require_secret_name(name)
        sm = self.client("secretsmanager")
        try:
            entry = sm.describe_secret(SecretId=name)
        except botocore.exceptions.ClientError as error:
            if error.response["Error"]["Code"] == "ResourceNotFoundException":
                return
            raise
        if not self._tagged(entry):
            raise WorkbookError(
                f"{entry['Name']!r} was not created by this workbook run (no tag {TAG_KEY}={self.run_id}), "
                "so the workbook will not delete it. Use another name."
            )
        sm.delete_secret(SecretId=entry["ARN"], ForceDeleteWithoutRecovery=True)

    # -- guard rails ---------------------------------------------------------------------------

    def guard(self, events) -> None:
        """Install this run's guard rails on a client's event hooks."""
        events.register("before-parameter-build", self._before_call, unique_id=f"smw-guard-{id(self)}")
        events.register("after-call.secrets-manager", self._after_call, unique_id=f"smw-scope-{id(self)}")

    def _before_call(self, params, model, **_):
        self._require_running()
        service = model.service_model.service_name
        if service != "secretsmanager":
            if self.kind == "aws" and service not in _ALLOWED_SERVICES:
                raise WorkbookError(
                    f"{model.name} ({service}) refused: with {VARIABLE}=aws the workbook calls only Secrets Manager, "
                    f"so nothing else in your account is created or billed. This part needs the embedded mock."
                )
            return
        if self.kind == "aws":
            self._scope_names(model.name, params)
        if model.name == "CreateSecret":
            tags = params.setdefault("Tags", [])
            if isinstance(tags, list) and not any(isinstance(t, dict) and t.get("Key") == TAG_KEY for t in tags):
                tags.append({"Key": TAG_KEY, "Value": self.run_id})

    def _scope_names(self, operation: str, params: dict) -> None:
        if operation in _REFUSED_OPERATIONS or any(name in params for name in _REFUSED_PARAMETERS):
            raise WorkbookError(
                f"{operation} with replicas refused in real AWS mode: replicas in other regions would escape "
                "this run's clean-up."
            )
        if isinstance(params.get("Name"), str) and operation == "CreateSecret":
            params["Name"] = self._scoped(params["Name"])
        if isinstance(params.get("SecretId"), str):
            params["SecretId"] = self._scoped(params["SecretId"])
        if isinstance(params.get("SecretIdList"), list):
            params["SecretIdList"] = [self._scoped(s) if isinstance(s, str) else s for s in params["SecretIdList"]]

    def _scoped(self, secret_id: str) -> str:
        """This run's name for `secret_id`; an ARN of a secret outside the run is refused."""
        if secret_id.startswith("arn:"):
            name = secret_id.split(":", 6)[-1]
            if not name.startswith(self.prefix):
                raise WorkbookError(
                    f"{secret_id} is not a secret of this workbook run (names start with {self.prefix}): "
                    "in real AWS mode the workbook touches nothing else."
                )
            return secret_id
        return secret_id if secret_id.startswith(self.prefix) else self.prefix + secret_id

    def _after_call(self, parsed, model, **_):
        # Reads that list many secrets show only this run's: other secrets of a real account are
        # none of the workbook's business.
        if self.kind != "aws" or not isinstance(parsed, dict):
            return
        for key in ("SecretList", "SecretValues"):
            if isinstance(parsed.get(key), list):
                parsed[key] = [entry for entry in parsed[key] if str(entry.get("Name", "")).startswith(self.prefix)]

    def _tagged(self, entry: dict) -> bool:
        tags = entry.get("Tags") or []
        return any(tag.get("Key") == TAG_KEY and tag.get("Value") == self.run_id for tag in tags) and entry.get(
            "Name", ""
        ).startswith(self.prefix)

    def _require_running(self) -> None:
        if not self._running:
            raise WorkbookError("This run's backend was stopped. Run the set-up cell (smworkbook.start()) again.")
