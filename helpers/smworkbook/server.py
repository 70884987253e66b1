"""moto's threaded server, bound to loopback, failing fast on a busy port."""

from __future__ import annotations

import socket
from threading import Thread

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server


class LoopbackMotoServer(ThreadedMotoServer):
    """ThreadedMotoServer on 127.0.0.1 that binds its port in start().

    moto's own start() binds inside the server thread, and werkzeug answers a busy port by
    printing to stderr and calling sys.exit, so that thread dies and start() waits forever.
    Binding the socket here raises OSError at once instead, with nothing printed.
    """

    def __init__(self, port: int = 0) -> None:
        super().__init__(ip_address="127.0.0.1", port=port, verbose=False)

    def start(self) -> None:
        app = DomainDispatcherApplication(create_backend_app)
        with socket.create_server((self._ip_address, self._port)) as listening:
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
