"""A web service from the notebook: a Flask app served on 127.0.0.1 and a free port, in this kernel.

    service = smworkbook.service.serve(app)      # app = flask.Flask(...) with its routes
    service.url                                  # http://127.0.0.1:PORT
    service.stop()

The server is werkzeug's (Flask's own development server, `make_server`), one thread per request,
in a daemon thread of this kernel. It listens on loopback only, never on 0.0.0.0. It stops when
`stop()` is called, when a service of the same name is served again (so the cell can be re-run), or
when the kernel exits; a killed kernel takes its threads and its listening socket with it.
"""

from __future__ import annotations

import atexit
import collections
import logging
import secrets
import threading

from .errors import WorkbookError
from .server import TokenOnly

_lock = threading.Lock()
_running: dict[str, Service] = {}


class Service:
    """A Flask app answering on `url` (http://127.0.0.1:PORT) until `stop()`."""

    def __init__(self, name: str, server, thread: threading.Thread, token: str) -> None:
        self.name = name
        self._server = server
        self._thread = thread
        self.url = f"http://127.0.0.1:{server.server_port}"
        # Every user of this machine can reach the port: the service answers only requests that carry
        # this token (server.TokenOnly); smworkbook.load sends it. Other users get HTTP 403.
        self.headers = {"Authorization": f"Bearer {token}"}
        # The last errors the app's handlers raised (each answered HTTP 500), newest last.
        self.errors: collections.deque[str] = collections.deque(maxlen=20)

    def __repr__(self) -> str:
        state = "running" if self.is_running() else "stopped"
        # No port: a notebook stores this, and a past run's port means nothing to the next reader (see url).
        return f"<Service {self.name!r} {state} on this machine>"

    def is_running(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        """Stop answering and close the port (safe to call twice)."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=10)
        self._server.server_close()
        with _lock:
            if _running.get(self.name) is self:
                del _running[self.name]


def serve(app, name: str | None = None) -> Service:
    """Serve the WSGI app `app` (a Flask app) on 127.0.0.1 and a free port, in a thread of this kernel.

    A service already running under the same `name` (default: the app's name) is stopped first.
    """
    from werkzeug.serving import make_server

    if not callable(app):
        raise WorkbookError(f"serve() takes a Flask app (flask.Flask(...)), not {app!r:.60}.")
    name = name or getattr(app, "name", None) or "service"
    with _lock:
        previous = _running.get(name)
    if previous is not None:
        previous.stop()
    # werkzeug logs every request to stderr, which would land under the notebook's cells.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # Port 0: the OS picks a free port; 127.0.0.1: nothing beyond this machine can connect.
    token = secrets.token_urlsafe(24)
    server = make_server("127.0.0.1", 0, TokenOnly(app, token), threaded=True)
    server.daemon_threads = True  # a request still running never keeps the kernel from exiting
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.name = f"smworkbook-service-{name}"
    thread.start()
    service = Service(name, server, thread, token)
    _keep_errors_off_stderr(app, service)
    with _lock:
        _running[name] = service
    return service


def _keep_errors_off_stderr(app, service: Service) -> None:
    # Flask logs a handler's exception ("Exception on /orders [GET]" and its traceback) through
    # app.log_exception to stderr, which would land under whichever cell is running; the request
    # already answers HTTP 500, which the lesson counts. This app's message goes to service.errors
    # instead (its logger, which may be the notebook's own "__main__" logger, is left alone).
    if not callable(getattr(app, "log_exception", None)):
        return

    def keep(exc_info) -> None:
        error = exc_info[1]
        service.errors.append(f"{type(error).__name__}: {error}")

    app.log_exception = keep


def headers_for(host: str, port: int) -> dict[str, str]:
    """The headers a request to this kernel's service at host:port must carry (none for another server)."""
    for service in running():
        if service.url.endswith(f":{port}") and host in ("127.0.0.1", "localhost"):
            return dict(service.headers)
    return {}


def running() -> list[Service]:
    """The services this kernel is serving now."""
    with _lock:
        return list(_running.values())


def stop_all() -> None:
    """Stop every service this kernel serves (also done when the kernel exits)."""
    for service in running():
        service.stop()


atexit.register(stop_all)
