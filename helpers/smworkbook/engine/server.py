"""moto's threaded server, bound to loopback, failing fast on a busy port, answering only its owner.

Loopback is shared by every user of the machine (a JupyterHub with local processes, a lab PC, a
grader), and moto's server answers anyone: its /moto-api/ endpoints hand out every secret and
reset the mock, and it accepts any AWS signature. `OwnerOnly` wraps moto's WSGI app so that
every AWS request must carry a SigV4 signature made with this mock's own secret key (or with
the secret of an access key the mock's IAM issued, lesson 5), and every /moto-api/ request this
mock's token. The credentials are made by whoever starts the mock (`Credentials.generate()`).
"""

from __future__ import annotations

import heapq
import hmac
import io
import json
import re
import secrets
import socket
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from threading import Thread
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import HTTPHeaders
from botocore.credentials import Credentials as BotocoreCredentials
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

# The header (or query parameter `token`) that carries the /moto-api/ token.
TOKEN_HEADER = "X-Smworkbook-Token"
# WSGI middleware put around the whole app when a server starts, innermost first: the corrections add theirs
# (corrections/wire.py: what goes over the wire as AWS sends it). This module imports no correction.
MIDDLEWARE: list = []


@dataclass(frozen=True)
class Credentials:
    """One mock's credentials: its administrator's access key, and the token of its /moto-api/ pages."""

    access_key_id: str
    secret_access_key: str
    api_token: str

    @classmethod
    def generate(cls) -> Credentials:
        """Fresh random credentials; never the public `testing` pair that moto's docs use."""
        return cls(
            access_key_id="SMWB" + secrets.token_hex(8).upper(),
            secret_access_key=secrets.token_urlsafe(30),
            api_token=secrets.token_urlsafe(24),
        )

    def __repr__(self) -> str:  # never print the secret or the token
        return f"Credentials(access_key_id={self.access_key_id!r}, secret_access_key=..., api_token=...)"


# The caller of the request this thread is serving, once its signature checked out: werkzeug
# serves each request in its own thread, and moto's handler runs in the thread of the middleware.
caller = threading.local()


def own_endpoint() -> str:
    """This mock's address, http://127.0.0.1:PORT, for code the request being served starts (a Lambda function)."""
    return getattr(caller, "endpoint", "")


def signed_by_owner() -> bool:
    """Whether the request being served was signed with the mock's own (administrator's) key."""
    return getattr(caller, "owner", False)


# What AWS answers when a request's signature does not check out. The Secrets Manager API
# reference, "Common Errors": "IncompleteSignature: The request signature does not conform to AWS
# standards." (400); "InvalidClientTokenId: The X.509 certificate or AWS access key ID provided
# does not exist in our records." (403); "MissingAuthenticationToken: The request must contain
# either a valid (registered) AWS access key ID or X.509 certificate." (403). Over the JSON
# protocol that Secrets Manager speaks, botocore users see these as UnrecognizedClientException
# "The security token included in the request is invalid." for an unknown key and
# InvalidSignatureException "The request signature we calculated does not match the signature you
# provided. Check your AWS Secret Access Key and signing method. Consult the service documentation
# for details." for a wrong secret (HTTP 400, {"__type": ..., "message": ...}): the docs name the
# query protocol's codes, which IAM answers (see _refuse).
_MISSING = ("MissingAuthenticationTokenException", "Missing Authentication Token")
_INCOMPLETE = ("IncompleteSignatureException", "The request signature does not conform to AWS standards.")
_UNKNOWN_KEY = ("UnrecognizedClientException", "The security token included in the request is invalid.")
_BAD_SIGNATURE = (
    "InvalidSignatureException",
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
)
# A signature is good for 5 minutes either side of its X-Amz-Date. Secrets Manager (the JSON protocol) refuses one
# outside that with InvalidSignatureException, HTTP 400, "Signature expired: 20251105T220858Z is now earlier than
# 20251106T132108Z (20251106T132608Z - 5 min.)" (GetSecretValue: boto/botocore#3587, boto/boto3#4716), or, dated
# ahead, "Signature not yet current: 20181120T211543Z is still later than 20181120T211529Z (20181120T211029Z +
# 5 min.)" (serverless/enterprise#11). The query protocol (IAM, STS) answers SignatureDoesNotMatch, HTTP 403, with
# the same text and a 15-minute window (STS GetCallerIdentity: aws/aws-cli#6676). RequestTimeTooSkewed ("The
# difference between the request time and the current time is too large.") is S3's answer (aws/aws-cli#8662), not
# these services'.
_WINDOW_JSON = timedelta(minutes=5)
_WINDOW_QUERY = timedelta(minutes=15)
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
# AWS accepts a signed request again while its date is fresh; this mock does not: every user of the machine
# reaches its port, and a request captured (from a proxy's log, a shared screen, a core dump) must not be sent again.
# But an SDK sends one signature twice by itself: X-Amz-Date counts whole seconds, and botocore signs only
# content-type, host, x-amz-date and x-amz-target (its amz-sdk-invocation-id and amz-sdk-request: attempt=N are
# added after signing), so two equal calls, or a call and its retry, signed within one second are the same bytes.
# A signature is therefore served again for _REPEAT_GRACE seconds after the mock first saw it, never later.
_REPEAT_GRACE = 3.0
_REPLAYED = (
    "InvalidSignatureException",
    "Signature already used: this mock serves each signed request once (AWS serves it again while its date is fresh). "
    "Sign the request again.",
)
_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/,\s]+)/(?P<service>[^/,\s]+)"
    r"/aws4_request,\s*SignedHeaders=(?P<headers>[a-z0-9;\-]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)


class OwnerOnly:
    """WSGI middleware: only requests signed with the mock's keys, or carrying its token, reach moto.

    The signature is recomputed with botocore's own SigV4 signer over the request as received
    (method, path, query, the headers the client signed, the body's SHA-256) and compared in
    constant time. Anything else gets AWS's error for it, and moto never sees the request.
    """

    def __init__(self, app, credentials: Credentials) -> None:
        self._app = app
        self._credentials = credentials

    def __call__(self, environ, start_response):
        caller.owner = False
        caller.endpoint = f"http://127.0.0.1:{environ.get('SERVER_PORT', '')}"
        path = environ.get("PATH_INFO", "")
        if path.startswith("/moto-api"):
            if self._has_token(environ):
                caller.owner = True
                return self._app(environ, start_response)
            return _forbidden(start_response, path)
        body = read_body(environ)
        refusal = self._check_signature(environ, body)
        if refusal is not None:
            return _refuse(environ, start_response, *refusal)
        return self._app(environ, start_response)

    def _has_token(self, environ) -> bool:
        expected = self._credentials.api_token.encode()
        offered = [environ.get("HTTP_" + TOKEN_HEADER.upper().replace("-", "_"), "")]
        offered += parse_qs(environ.get("QUERY_STRING", "")).get("token", [])
        # The dashboard page (opened with ?token=...) fetches its script and data.json from the
        # same mock without the token; the browser names the page, token included, in Referer.
        referer = urlsplit(environ.get("HTTP_REFERER", ""))
        if referer.netloc == environ.get("HTTP_HOST") and referer.path.startswith("/moto-api"):
            offered += parse_qs(referer.query).get("token", [])
        if any(hmac.compare_digest(value.encode(), expected) for value in offered):
            return True
        # A dashboard link's pass (view_pass) reads, for a while: the dashboard, its script, data.json.
        reads = environ.get("REQUEST_METHOD") in ("GET", "HEAD") and environ.get("PATH_INFO") in _VIEWABLE
        return reads and any(is_view_pass(value, self._credentials) for value in offered)

    def _check_signature(self, environ, body: bytes):
        authorization = environ.get("HTTP_AUTHORIZATION")
        if not authorization:
            return _MISSING
        match = _AUTHORIZATION.match(authorization.strip())
        timestamp = environ.get("HTTP_X_AMZ_DATE", "")
        if match is None or timestamp[:8] != match["date"]:
            return _INCOMPLETE
        try:
            signed_at = datetime.strptime(timestamp, _AMZ_DATE).replace(tzinfo=UTC)
        except ValueError:
            return _INCOMPLETE
        window = _WINDOW_JSON if environ.get("HTTP_X_AMZ_TARGET") else _WINDOW_QUERY
        stale = _stale(timestamp, signed_at, window)
        if stale is not None:
            return stale
        key_id = match["key"]
        owner = hmac.compare_digest(key_id.encode(), self._credentials.access_key_id.encode())
        secret = self._credentials.secret_access_key if owner else _issued_secret(key_id)
        if secret is None:
            return _UNKNOWN_KEY
        claimed = environ.get("HTTP_X_AMZ_CONTENT_SHA256")
        if claimed is not None and claimed != sha256(body).hexdigest():
            return _BAD_SIGNATURE
        expected = _signature(environ, body, match, timestamp, key_id, secret)
        if not hmac.compare_digest(expected.encode(), match["signature"].encode()):
            return _BAD_SIGNATURE
        # Remembered until its date has left the window (and a minute more): the date check refuses it after that.
        if not _SEEN.servable(match["signature"], (signed_at + window).timestamp() + 60):
            return _REPLAYED
        caller.owner = owner
        return None


def _stale(timestamp: str, signed_at: datetime, window: timedelta) -> tuple[str, str] | None:
    """AWS's refusal of a signature dated more than `window` from now (see _WINDOW_JSON), else None.

    "Now" is the real time, as botocore signs with it: the mock's clock (engine/clock.py), which a notebook moves
    forward for Secrets Manager's dates and schedules, is never read here (tests/test_clock.py shows both).
    """
    now = datetime.now(UTC).replace(microsecond=0)
    minutes, stamp = int(window.total_seconds() // 60), now.strftime(_AMZ_DATE)
    if signed_at < now - window:
        earliest = (now - window).strftime(_AMZ_DATE)
        message = f"Signature expired: {timestamp} is now earlier than {earliest} ({stamp} - {minutes} min.)"
        return _BAD_SIGNATURE[0], message
    if signed_at > now + window:
        latest = (now + window).strftime(_AMZ_DATE)
        message = f"Signature not yet current: {timestamp} is still later than {latest} ({stamp} + {minutes} min.)"
        return _BAD_SIGNATURE[0], message
    return None


class _SeenSignatures:
    """The signatures of requests already served (when first seen), each kept until its date is out of the window.

    One for the process: a mock restarted in the same kernel (same keys) refuses what the old one served.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._first_seen: dict[str, float] = {}
        self._expiry: list[tuple[float, str]] = []  # a heap: the next signature to forget first

    def servable(self, signature: str, until: float) -> bool:
        """Whether `signature` is new, or was first seen less than _REPEAT_GRACE seconds ago; remembered until
        `until` (a time.time())."""
        now = time.time()
        with self._lock:
            while self._expiry and self._expiry[0][0] < now:
                self._first_seen.pop(heapq.heappop(self._expiry)[1], None)
            first = self._first_seen.get(signature)
            if first is None:
                self._first_seen[signature] = now
                heapq.heappush(self._expiry, (until, signature))
                return True
            return now - first <= _REPEAT_GRACE


_SEEN = _SeenSignatures()


def _issued_secret(key_id: str) -> str | None:
    """The secret of an active access key that the mock's IAM issued (lesson 5's users), in any account.

    moto's STS keeps the temporary keys of an assumed role there too (ASIA...): a Lambda function's execution role.
    """
    from moto.iam.models import PARTITION_NAMES, iam_backends

    for _, account in list(iam_backends.items()):
        for partition in PARTITION_NAMES:
            key = account[partition].access_keys.get(key_id)
            if key is not None:
                # AWS refuses an inactive key as it refuses an unknown one.
                return key.secret_access_key if key.status == "Active" else None
    return None


def _signature(environ, body: bytes, match, timestamp: str, key_id: str, secret: str) -> str:
    """The SigV4 signature botocore would compute for this request, signing the same headers."""
    signer = SigV4Auth(BotocoreCredentials(key_id, secret), match["service"], match["region"])
    headers = HTTPHeaders()
    for name in match["headers"].split(";"):
        if name == "content-type":
            value = environ.get("CONTENT_TYPE")
        elif name == "content-length":
            value = environ.get("CONTENT_LENGTH")
        else:
            value = environ.get("HTTP_" + name.upper().replace("-", "_"))
        if value is None:
            return ""  # a signed header that did not arrive: cannot match
        headers[name] = value
    raw = urlsplit(environ.get("REQUEST_URI") or environ.get("RAW_URI") or environ.get("PATH_INFO", "/"))
    canonical = "\n".join(
        [
            environ["REQUEST_METHOD"].upper(),
            signer._normalize_url_path(raw.path or "/"),
            signer._canonical_query_string_url(raw),
            signer.canonical_headers(headers) + "\n",
            signer.signed_headers(headers),
            sha256(body).hexdigest(),
        ]
    )
    signed = SimpleNamespace(context={"timestamp": timestamp})  # what string_to_sign() and signature() read
    return signer.signature(signer.string_to_sign(signed, canonical), signed)


def read_body(environ) -> bytes:
    """The request's body, read once and put back for moto."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _refuse(environ, start_response, code: str, message: str):
    if environ.get("HTTP_X_AMZ_TARGET"):  # AWS's JSON protocol (Secrets Manager, ...)
        payload = json.dumps({"__type": code, "message": message}).encode()
        content_type = "application/x-amz-json-1.1"
        status = "400 Bad Request"
    else:  # the query protocol (IAM, STS): an XML ErrorResponse, HTTP 403
        code = code.removesuffix("Exception").replace("UnrecognizedClient", "InvalidClientTokenId")
        code = code.replace("InvalidSignature", "SignatureDoesNotMatch")
        payload = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            "</ErrorResponse>"
        ).encode()
        content_type = "text/xml"
        status = "403 Forbidden"
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(payload)))])
    return [payload]


# A dashboard link (instructor.dashboard_link) is shown in a cell's output, and outputs travel: a notebook shared
# with a colleague, a screenshot, a shared screen, a notebook saved where others can read it. So the link never
# carries the mock's token, which opens every /moto-api/ page (reset, config) for as long as the mock runs, but a
# pass: the pages that only show the mock's state, for VIEW_PASS_SECONDS, then refused (run the cell again for a new
# link). It is the token's HMAC of its expiry time, so the kernel makes one without asking the mock.
VIEW_PASS_SECONDS = 600
_VIEWABLE = frozenset({"/moto-api/", "/moto-api/lib.js", "/moto-api/data.json"})
_VIEW_PASS = re.compile(r"^v([0-9a-f]{8,12})-([0-9a-f]{32})$")


def view_pass(credentials: Credentials, now: float | None = None) -> str:
    """A pass for a dashboard link: reads the mock's dashboard and data.json for VIEW_PASS_SECONDS, nothing else."""
    expiry = int((time.time() if now is None else now) + VIEW_PASS_SECONDS)
    return f"v{expiry:x}-{_pass_mac(credentials, expiry)}"


def is_view_pass(offered: str, credentials: Credentials) -> bool:
    """Whether `offered` is an unexpired pass view_pass made with these credentials."""
    match = _VIEW_PASS.match(offered)
    if match is None or int(match[1], 16) < time.time():
        return False
    return hmac.compare_digest(match[2], _pass_mac(credentials, int(match[1], 16)))


def _pass_mac(credentials: Credentials, expiry: int) -> str:
    return hmac.new(credentials.api_token.encode(), f"view-pass:{expiry}".encode(), sha256).hexdigest()[:32]


def _forbidden(start_response, path: str, needed: str = ""):
    needed = needed or (
        f"this mock's token (header {TOKEN_HEADER} or ?token=...); a dashboard link shows the dashboard and "
        f"data.json for {VIEW_PASS_SECONDS // 60} minutes, nothing else. "
        "Its owner's kernel makes a new link: smworkbook.instructor.dashboard_link()"
    )
    payload = f"403 Forbidden: {path} needs {needed}.\n".encode()
    start_response("403 Forbidden", [("Content-Type", "text/plain"), ("Content-Length", str(len(payload)))])
    return [payload]


def has_token(headers, token: str) -> bool:
    """Whether a request carries `token`, as `Authorization: Bearer <token>` or the X-Smworkbook-Token header.

    For any other per-learner server on loopback (lesson 6's service, the hub's per-user servers):
    every user of the machine can reach its port, so it must answer only requests with the token
    its starter made (`secrets.token_urlsafe(24)`) and handed to the learner's kernel. `headers` is
    any mapping with case-insensitive .get() (Flask's request.headers, werkzeug's, http.server's).
    """
    offered = headers.get(TOKEN_HEADER) or ""
    authorization = headers.get("Authorization") or ""
    if authorization.startswith("Bearer "):
        offered = offered or authorization.removeprefix("Bearer ").strip()
    return bool(offered) and hmac.compare_digest(offered.encode(), token.encode())


class TokenOnly:
    """WSGI middleware for a per-learner service: requests without the token get 403 and never reach `app`.

    app.wsgi_app = TokenOnly(app.wsgi_app, token)   # Flask
    """

    def __init__(self, app, token: str) -> None:
        self._app = app
        self._token = token

    def __call__(self, environ, start_response):
        from werkzeug.datastructures import EnvironHeaders

        if has_token(EnvironHeaders(environ), self._token):
            return self._app(environ, start_response)
        return _forbidden(start_response, environ.get("PATH_INFO", "/"), "the service's token (Authorization: Bearer)")


class PortHold:
    """This kernel's mock port on 127.0.0.1, kept while no mock runs on it, so no other user can take it.

    After `aws.stop()`, boto3 clients made before still send their requests to the old port. Were the port free,
    another user of the machine could bind it and receive them (bodies with secret values, signatures made with the
    mock's keys to relay to the restarted mock). The hold is a socket bound to the port that never listens: a
    connection to the port while no mock runs is refused at once, as before; no other user can bind it, whatever
    SO_REUSEADDR or SO_REUSEPORT they set, on 127.0.0.1 or a wildcard address (Linux lets a socket join a
    SO_REUSEPORT group only with the same effective user id, socket(7)); and the next mock listens on the same port,
    so old clients reach it. Linux only: on macOS and the BSDs SO_REUSEPORT has no user check, and Windows has none.
    """

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Never SO_REUSEADDR: two sockets that both set it may share a port while neither listens (socket(7)).
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]

    @staticmethod
    def possible() -> bool:
        return sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")

    def close(self) -> None:
        self._socket.close()


class LoopbackMotoServer(ThreadedMotoServer):
    """ThreadedMotoServer on 127.0.0.1 that binds its port in start() and answers only its owner.

    moto's own start() binds inside the server thread, and werkzeug answers a busy port by
    printing to stderr and calling sys.exit, so that thread dies and start() waits forever.
    Binding the socket here raises OSError at once instead, with nothing printed.
    """

    def __init__(self, credentials: Credentials, port: int = 0, hold: PortHold | None = None) -> None:
        super().__init__(ip_address="127.0.0.1", port=hold.port if hold else port, verbose=False)
        self.credentials = credentials
        self._hold = hold

    def start(self) -> None:
        app = OwnerOnly(DomainDispatcherApplication(create_backend_app), self.credentials)
        for middleware in MIDDLEWARE:
            app = middleware(app)
        # On a held port (PortHold), the listening socket joins the hold's SO_REUSEPORT group, which only this
        # OS user's sockets can join.
        with socket.create_server((self._ip_address, self._port), reuse_port=self._hold is not None) as listening:
            # werkzeug takes its own copy of the socket from the descriptor.
            self._server = make_server(
                self._ip_address, self._port, app, True, request_handler=MotoRequestHandler, fd=listening.fileno()
            )
        self._thread = Thread(target=self._server.serve_forever, daemon=True, name="moto-server")
        self._thread.start()
        self._server_ready_event.set()

    def stop(self) -> None:
        super().stop()
        # Free the port now, so a fresh server can take it.
        self._server.server_close()
