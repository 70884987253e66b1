"""Loaded by every Python process (pytest, each notebook kernel) when this folder is on
PYTHONPATH and SMW_GUARD_LOG is set: a socket-layer guard that refuses any connection beyond
loopback, and a record of every HTTP request botocore sends (where to, and with which access key).

Used by tests/test_no_network.py only; never installed for learners.
"""

import json
import os
import socket

LOG = os.environ.get("SMW_GUARD_LOG")


def _record(entry: dict) -> None:
    with open(LOG, "a", encoding="utf-8") as log:
        log.write(json.dumps(entry) + "\n")


def _loopback(sock, address) -> bool:
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return True  # Unix sockets and the like stay on this machine
    host = str(address[0])
    return host == "localhost" or host.startswith("127.") or host in ("::1", "::ffff:127.0.0.1")


def _guarded(original):
    def connect(self, address):
        if not _loopback(self, address):
            _record({"blocked": str(address[0]), "pid": os.getpid()})
            # Refused here, before the system call: nothing leaves the machine.
            raise ConnectionRefusedError(f"workbook network guard: {address[0]} is not loopback")
        return original(self, address)

    return connect


if LOG:
    socket.socket.connect = _guarded(socket.socket.connect)
    socket.socket.connect_ex = _guarded(socket.socket.connect_ex)

    import botocore.httpsession

    _send = botocore.httpsession.URLLib3Session.send

    def send(self, request):
        authorization = request.headers.get("Authorization", b"")
        if isinstance(authorization, bytes):
            authorization = authorization.decode()
        _record({"url": request.url, "authorization": authorization, "pid": os.getpid()})
        return _send(self, request)

    botocore.httpsession.URLLib3Session.send = send
