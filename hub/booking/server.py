"""Serves an ASGI app with uvicorn in a background thread, stoppable from the hub's thread.

The booking page uses it until the web dashboard can mount the booking routes on its own
server; then the same `Router` moves there unchanged.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import uvicorn

from hub.errors import UserError

log = logging.getLogger(__name__)


class ThreadedServer:
    def __init__(self, app, host: str, port: int, name: str = "booking page") -> None:
        self.name = name
        config = uvicorn.Config(app, host=host, port=port, log_level="warning",
                                access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        try:
            asyncio.run(self.server.serve())
        except BaseException as exc:  # noqa: BLE001 - reported by start()
            self.error = exc

    @property
    def port(self) -> int:
        """The bound port (useful with port 0)."""
        servers = getattr(self.server, "servers", None) or []
        for server in servers:
            for sock in server.sockets:
                return sock.getsockname()[1]
        return self.server.config.port

    def start(self, timeout: float = 10.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                where = f"{self.server.config.host}:{self.server.config.port}"
                # uvicorn exits (SystemExit) when it cannot bind, after logging why
                why = "address in use, or not allowed" if self.error is None or \
                    isinstance(self.error, SystemExit) else str(self.error)
                raise UserError(f"{self.name}: cannot listen on {where} ({why})")
            time.sleep(0.02)
        log.info("%s served on %s:%s", self.name, self.server.config.host, self.port)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
