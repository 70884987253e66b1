"""The browser edition's mock (`make lite`): moto in this process, for a kernel that runs in a web page (Pyodide).

A page has no sockets to serve on, so moto answers boto3 inside the kernel (`moto.mock_aws`), with the
workbook's corrections applied (smworkbook.engine.corrections) except those that change what its HTTP server
sends (corrections.SERVER_ONLY), and those for a page without `cryptography` (corrections.PAGE_ONLY: a symmetric
KMS key without moto's RSA key pair). What the desktop mock adds on top of moto, and the page cannot have:
no server on loopback (no endpoint_url, no /moto-api/ dashboard), no check that requests are signed with this
kernel's keys (server.OwnerOnly), no database (lesson 4). Lessons 1-3 need none of them.
"""

from __future__ import annotations

import boto3
from botocore.config import Config

from smworkbook.engine import corrections, isolation
from smworkbook.engine.errors import WorkbookError
from smworkbook.toolkit.backend import Backend

# As the desktop mock: errors reach the learner at once, not after botocore's retries.
_CLIENT_CONFIG = Config(retries={"max_attempts": 1, "mode": "standard"})


class PageMock(Backend):
    """moto in this kernel's process (the browser edition); `smworkbook.start()` returns it in a page."""

    kind = "moto"
    # No server: clients use AWS's endpoints, which moto's hooks in botocore answer before anything is sent.
    endpoint_url = None

    def __init__(self) -> None:
        from moto import mock_aws

        corrections.apply(server=False)
        self.region = isolation.REGION
        self._mock = mock_aws()
        self._mock.start()
        self._session = boto3.session.Session(
            aws_access_key_id=isolation.FAKE_ACCESS_KEY_ID,
            aws_secret_access_key=isolation.FAKE_SECRET_ACCESS_KEY,
            region_name=self.region,
        )
        self._clients: dict[str, object] = {}
        self._client_args = {"config": _CLIENT_CONFIG}
        self._running = True

    def __repr__(self) -> str:
        state = "running" if self._running else "stopped"
        return f"<MockAWS {state} in this page, region {self.region}, fake credentials>"

    def describe_backend(self) -> str:
        return "the mock in this page"

    def after_environment(self) -> None:
        boto3.DEFAULT_SESSION = self._session

    def is_running(self) -> bool:
        return self._running

    def reset(self) -> None:
        """Forget everything the mock holds: every secret, in every region and account."""
        self._require_running()
        self._mock.reset()

    def stop(self) -> None:
        """Stop answering: boto3 calls made afterwards fail instead of reaching AWS (a page allows no other host)."""
        if self._running:
            self._mock.stop()
            self._running = False

    stop_quietly = stop

    def client_as(self, identity, service: str = "secretsmanager"):
        raise WorkbookError("client_as() needs IAM users, lesson 5's: run the workbook on your machine (make lab).")

    def _require_running(self) -> None:
        if not self._running:
            raise WorkbookError("The mock AWS in this page has stopped. Run the set-up cell (smworkbook.start()).")
