"""Make AWS's transient errors happen on purpose, so that retry code can be seen working.

The mock never throttles and never fails on its own. On AWS, a busy account gets
ThrottlingException ("Rate exceeded", HTTP 400) and a bad moment InternalServiceError (HTTP 500);
botocore retries both by itself. `throttled(client, times=2)` answers the next two requests of
one client with that error before they reach the mock, exactly as AWS would word it.
"""

from __future__ import annotations

import json
import uuid
from contextlib import contextmanager

from botocore.awsrequest import AWSResponse

from smworkbook.engine.errors import WorkbookError

# What AWS sends back for each error (status code and message), as botocore reads it.
TRANSIENT = {
    "ThrottlingException": (400, "Rate exceeded"),
    "InternalServiceError": (500, "An error occurred on the server side."),
}


class _Headers(dict):
    """Response headers; botocore reads them case-insensitively."""

    def get(self, key, default=None):
        return super().get(key.lower(), default)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_):
        yield self._body


@contextmanager
def throttled(client, times: int = 2, code: str = "ThrottlingException"):
    """Inside the `with` block, the next `times` requests of `client` fail with `code`.

    `code` is "ThrottlingException" (HTTP 400, "Rate exceeded") or "InternalServiceError"
    (HTTP 500). Later requests reach the mock as usual. Yields a list that records each
    failed attempt's operation name, so you can count the retries.
    """
    if not hasattr(client, "meta") or not hasattr(client.meta, "events"):
        raise WorkbookError(f"throttled() needs a boto3 client, e.g. boto3.client('secretsmanager'), not {client!r}.")
    if isinstance(times, bool) or not isinstance(times, int) or times < 0:
        raise WorkbookError(f"times is how many requests should fail: a whole number 0 or more, not {times!r}.")
    if code not in TRANSIENT:
        raise WorkbookError(f"code must be one of {', '.join(TRANSIENT)}, not {code!r}.")
    status, message = TRANSIENT[code]
    failed: list[str] = []

    def fail(request, **kwargs):
        if len(failed) >= times:
            return None  # let the request through to the mock
        operation = kwargs["event_name"].rsplit(".", 1)[-1]
        failed.append(operation)
        # As AWS sends it: an error Secrets Manager models (InternalServiceError) says "Message", a common one
        # (ThrottlingException) "message"; every response has a UUID request id (corrections/wire.py).
        key = "Message" if code == "InternalServiceError" else "message"
        body = json.dumps({"__type": code, key: message}).encode()
        headers = _Headers({"content-type": "application/x-amz-json-1.1", "x-amzn-requestid": str(uuid.uuid4())})
        return AWSResponse(request.url, status, headers, _Raw(body))

    # before-send: the request is signed and about to leave; a response returned here is used
    # as if it had come from the network, so botocore's retry logic sees a real AWS error.
    client.meta.events.register_first("before-send", fail, unique_id="smworkbook-throttled")
    try:
        yield failed
    finally:
        client.meta.events.unregister("before-send", unique_id="smworkbook-throttled")
