"""uvicorn in a thread of its own, with a socket bound up front and a clean stop.

Binding before the thread starts turns "port in use" into one clear error at hub start
(and lets tests listen on port 0). uvicorn does not touch signal handlers outside the main
thread, so SIGTERM stays the hub's.
"""

from __future__ import annotations

import logging
import socket
import threading
import time

import uvicorn

from hub.errors import UserError

log = logging.getLogger(__name__)


class WebServer:
    def __init__(self, app, host: str, port: int) -> None:
        self.app, self.host, self.port = app, host, port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, timeout: float = 10.0) -> None:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # proto must say TCP: asyncio sets TCP_NODELAY on accepted connections only then,
        # and without it every keep-alive request waits ~40 ms for a delayed ACK.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            raise UserError(f"web dashboard cannot listen on {self.host}:{self.port} "
                            f"({exc.strerror}); change [web] listen") from None
        sock.listen(128)
        sock.set_inheritable(True)
        self.port = sock.getsockname()[1]
        self._socket = sock
        logging.getLogger("uvicorn.error").setLevel(logging.WARNING)  # no start/stop chatter
        config = uvicorn.Config(self.app, log_config=None, access_log=False, lifespan="off",
                                timeout_graceful_shutdown=2, server_header=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name="web", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise UserError(f"web dashboard on {self.host}:{self.port} did not start")
            time.sleep(0.01)
        log.info("web dashboard on %s", self.url)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            if self._thread.is_alive():
                log.warning("web dashboard did not stop within 10 s")
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None
