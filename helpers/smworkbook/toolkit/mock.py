"""This kernel's mock AWS: moto's own server, on loopback, on a port nobody else uses."""

from __future__ import annotations

import logging
import sys
import threading
import urllib.request
from collections.abc import Callable

import boto3
import botocore.exceptions
from botocore.config import Config

from smworkbook.engine import corrections, isolation
from smworkbook.engine.errors import WorkbookError, install_short_errors, require_secret_name
from smworkbook.toolkit import other_backends as backends
from smworkbook.toolkit.backend import Backend

_lock = threading.Lock()
_current = None  # MockAWS, or backends.ScopedAWS when SMWORKBOOK_BACKEND chooses another backend
# The address of the last mock this kernel ran: to say what happened when it stops, and to
# bring a fresh one up on the same port so boto3 clients made before still reach it.
_last_endpoint: str | None = None
# This kernel's mock credentials, made with its first mock and kept for the ones after, so that
# boto3 clients made before a restart still sign with the right key (see server.Credentials).
_credentials = None
# This kernel's mock port, held between mocks so that no other user can take it (server.PortHold; Linux).
_hold = None

# urlopen would send a loopback request through a proxy named in HTTP_PROXY: never.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
# Errors from the mock should reach the learner at once, not after botocore's retries.
_CLIENT_CONFIG = Config(retries={"max_attempts": 1, "mode": "standard"})


class MockAWS(Backend):
    """A running mock of AWS for this kernel. Get it with `smworkbook.start()`.

    - `endpoint_url`: where the mock listens (127.0.0.1 and a free port).
    - `client("secretsmanager")`: a boto3 client for the mock (any service moto knows).
    - `client_as(identity, "secretsmanager")`: a client that signs as an IAM user of the mock
      (see smworkbook.access).
    - `reset()`: forget every secret (and everything else) the mock holds.
    - `stop()`: shut the mock down.
    - `ensure_absent(name)` / `ensure_secret(name, ...)`: put one secret in a known state, so
      that a lesson cell can be run again.
    """

    kind = "moto"

    def __init__(self, server) -> None:
        self._server = server
        host, port = server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        self.region = isolation.REGION
        # The mock answers only requests signed with these (and keys its IAM issued).
        self.credentials = server.credentials
        self._session = boto3.session.Session(
            aws_access_key_id=self.credentials.access_key_id,
            aws_secret_access_key=self.credentials.secret_access_key,
            region_name=self.region,
        )
        self._clients: dict[str, object] = {}
        self._client_args = {"endpoint_url": self.endpoint_url, "config": _CLIENT_CONFIG}

    def __repr__(self) -> str:
        # No port: a notebook stores this, and a past run's port means nothing to the next reader
        # (endpoint_url has it).
        state = "running" if self.is_running() else "stopped"
        return f"<MockAWS {state} on this machine, region {self.region}, fake credentials>"

    def describe_backend(self) -> str:
        return f"the embedded mock at {self.endpoint_url}"

    def after_environment(self) -> None:
        """boto3.client() uses the mock's own session: the same keys and region as the environment,
        and botocore's data files, already read, are not read again (about 0.1 s of the set-up cell)."""
        boto3.DEFAULT_SESSION = self._session

    def stop_quietly(self) -> None:
        self.stop()

    def is_running(self) -> bool:
        thread = getattr(self._server, "_thread", None)
        return thread is not None and thread.is_alive()

    def client_as(self, identity, service: str = "secretsmanager", region: str | None = None):
        """A boto3 client for `service` that signs its requests with `identity`'s access key.

        `identity` comes from `smworkbook.access.create_user(...)`. Its calls are checked against
        its IAM policies once `access.enforce_policies()` is on. `region`: another Region than
        the mock's us-east-1 (e.g. "eu-west-1", where a replica is).
        """
        self._require_running()
        key_id = getattr(identity, "access_key_id", None)
        secret = getattr(identity, "secret_access_key", None)
        if not (isinstance(key_id, str) and isinstance(secret, str)):
            raise WorkbookError(f"client_as() takes an identity made by access.create_user(...), not {identity!r:.60}.")
        self.client(service, region)  # a clear error for an unknown service name or a bad region
        # The mock's own session, with the identity's keys for this client only: a new session
        # would read botocore's data files again (about 0.15 s a client).
        return self._session.client(
            service,
            endpoint_url=self.endpoint_url,
            config=_CLIENT_CONFIG,
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            **({} if region is None else {"region_name": region}),
        )

    def reset(self) -> None:
        """Forget everything the mock holds: every secret, in every region and account.

        Policy enforcement (smworkbook.access.enforce_policies) is switched off too; the check
        that every request is signed with this mock's keys (server.OwnerOnly) never is.
        """
        self._require_running()
        from moto import settings

        from smworkbook.engine.server import TOKEN_HEADER

        settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf")
        request = urllib.request.Request(
            f"{self.endpoint_url}/moto-api/reset",
            method="POST",
            headers={TOKEN_HEADER: self.credentials.api_token},
        )
        with _NO_PROXY.open(request, timeout=10):
            pass
        # An empty mock: its clock goes back to the real time (engine/clock.py).
        from smworkbook.engine import clock

        clock.reset()

    def stop(self) -> None:
        """Shut the mock down. The environment keeps pointing at it, so nothing reaches real AWS."""
        global _current
        with _lock:
            if self.is_running():
                self._server.stop()
            if _current is self:
                _current = None

    def ensure_absent(self, name: str, region: str | None = None) -> None:
        """Make sure no secret called `name` exists (deleting it at once if it does, and its replicas).

        `region`: in another Region than the mock's (e.g. a replica promoted to a standalone secret there).
        """
        require_secret_name(name)
        sm = self.client("secretsmanager", region)
        try:
            sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
        except botocore.exceptions.ClientError as error:
            code = error.response["Error"]["Code"]
            if code == "ResourceNotFoundException":
                return
            if code != "InvalidParameterException" or "replica regions" not in str(error):
                raise
            # AWS refuses to delete a primary secret that still has replicas: remove its Regions first.
            regions = [status["Region"] for status in sm.describe_secret(SecretId=name).get("ReplicationStatus", [])]
            sm.remove_regions_from_replication(SecretId=name, RemoveReplicaRegions=regions)
            sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)

    def _require_running(self) -> None:
        if not self.is_running():
            raise WorkbookError(_stopped_message(self.endpoint_url))


# How a kernel being graded reaches the grader's mock instead of starting one: set by smworkbook.toolkit.graded,
# which sits above this module (it builds on MockAWS), when the package is imported. None: not graded.
_graded_mock: Callable[[], MockAWS | None] | None = None


def use_graded_mock(connect: Callable[[], MockAWS | None]) -> None:
    """Let start() ask `connect` for the grader's mock (it returns None when this kernel is not graded)."""
    global _graded_mock
    _graded_mock = connect


def start():
    """Start this kernel's mock AWS, or return the one already running.

    Afterwards every boto3 client created in this kernel, including a plain
    `boto3.client("secretsmanager")`, talks to the mock in us-east-1 with keys made for this
    kernel's mock alone (other users of the machine cannot use it).
    Your real AWS credentials and profiles are never read.

    The environment variable SMWORKBOOK_BACKEND can choose another backend (an endpoint such as
    LocalStack, or real AWS with guard rails): see smworkbook.toolkit.other_backends.
    """
    global _current
    kind, target = backends.choose()
    with _lock:
        if _current is not None and not (_current.is_running() and _current.kind == kind and _current.target == target):
            if _current.is_running():
                _current.stop_quietly()
            _current = None
        if _current is None:
            if kind == "moto":
                backends.unguard()
                # A graded kernel uses the grader's mock, which runs in the grader's own process.
                graded = _graded_mock() if _graded_mock is not None else None
                _current = graded if graded is not None else _start_mock()
            else:
                _current = backends.start_scoped(kind, target)
        # Before any boto3 client is made, and again on every call: a cell may have changed the
        # environment since.
        if kind == "moto" and _current.endpoint_url is None:  # in the page: no endpoint, moto answers in-process
            isolation.point_environment_at(None, isolation.FAKE_ACCESS_KEY_ID, isolation.FAKE_SECRET_ACCESS_KEY)
        elif kind == "moto":
            keys = _current.credentials
            isolation.point_environment_at(
                _current.endpoint_url, keys.access_key_id, keys.secret_access_key, keys.api_token
            )
        elif kind != "aws":
            isolation.point_environment_at(_current.endpoint_url, *backends.endpoint_keys())
        _current.after_environment()
        install_short_errors()
        return _current


def current():
    """The running mock, for helpers that need it; a clear error if the set-up cell was not run."""
    mock = _current
    if mock is None or not mock.is_running():
        if _last_endpoint is not None:
            raise WorkbookError(_stopped_message(_last_endpoint))
        raise WorkbookError("The mock AWS is not running. Run the set-up cell (smworkbook.start()) first.")
    return mock


def require_mock(feature: str) -> MockAWS:
    """The running embedded mock; a clear error when SMWORKBOOK_BACKEND chose another backend."""
    aws = current()
    if aws.kind != "moto":
        raise WorkbookError(
            f"{feature}: only the workbook's embedded mock can do this, and this kernel uses {aws.describe_backend()}. "
            "Unset SMWORKBOOK_BACKEND and restart the kernel to use it."
        )
    return aws


def refuse_other_backends(feature: str) -> None:
    """A clear error if SMWORKBOOK_BACKEND chose a backend that cannot do `feature` (the mock's own features)."""
    if _current is not None and _current.kind != "moto":
        require_mock(feature)


def _stopped_message(endpoint_url: str) -> str:
    return (
        f"The mock AWS at {endpoint_url} has stopped (shut down, or its thread died), and the secrets it "
        "held are gone. Run the set-up cell (aws = smworkbook.start()) to start a fresh one."
    )


def _start_mock():
    """moto's server on loopback; in a browser (Pyodide, the browser edition), moto in this process."""
    if sys.platform == "emscripten":
        from smworkbook.toolkit import inpage

        return inpage.PageMock()
    return _start_server()


def _start_server() -> MockAWS:
    global _last_endpoint
    corrections.apply()
    # werkzeug logs every request to stderr, which would land in the notebook's cells.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    mock = MockAWS(_bind(_last_endpoint))
    _last_endpoint = mock.endpoint_url
    # moto keeps its state in this process, not in the server: a new server after stop() must
    # not show the secrets of the old one.
    mock.reset()
    return mock


def _bind(previous_endpoint: str | None):
    """A started moto server on 127.0.0.1: on this kernel's own port, the same after every restart.

    Never moto's default 0.0.0.0:5000: that is reachable from other machines and shared by
    every kernel. Port 0 lets the OS pick a free port, so each kernel gets its own server.
    Loopback is shared by every user of the machine: the server answers only requests signed
    with this kernel's credentials (server.OwnerOnly), and the port stays this kernel's while
    the mock is stopped (server.PortHold), so clients made before a restart reach the fresh
    mock, never another user's listener on the old port.
    """
    from smworkbook.engine import server

    global _credentials, _hold
    if _credentials is None:
        _credentials = server.Credentials.generate()
    if _hold is None and server.PortHold.possible():
        _hold = server.PortHold()
    if _hold is not None:
        started = server.LoopbackMotoServer(_credentials, hold=_hold)
        started.start()
        return started
    port = int(previous_endpoint.rsplit(":", 1)[1]) if previous_endpoint else 0
    started = server.LoopbackMotoServer(_credentials, port=port)
    try:
        started.start()
    except OSError:
        if not previous_endpoint:
            raise
        # Not Linux (no PortHold): another program took the port while the mock was stopped. A fresh mock elsewhere
        # would leave the clients made before sending their requests, signed with these keys, to that program.
        raise WorkbookError(
            f"The mock cannot start again on its port {port}: another program took it while the mock was stopped, "
            "and clients made before would send their requests to it. Restart the kernel (Kernel > Restart Kernel), "
            "then run the set-up cell."
        ) from None
    return started
