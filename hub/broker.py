"""The zero-setup embedded MQTT broker (amqtt), run in a background thread.

Small sites and the demo need no separate mosquitto; larger ones point `broker` at one.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from pathlib import Path

from hub.errors import UserError
from hub.ports import free_port

log = logging.getLogger(__name__)


class _SnapshotSubscriptions(dict):
    """amqtt's subscription table, iterated over a copy.

    amqtt 0.12 walks this dict with `await`s inside the loop (broadcast, retained replay); a
    node subscribing meanwhile raised "dictionary changed size during iteration" and dropped
    the message for every subscriber not yet reached: a lost frame or ack.
    """

    def __iter__(self):
        return iter(list(super().keys()))

    def items(self):  # type: ignore[override]
        return list(super().items())


class _QuietThread(logging.Filter):
    """Drops log records made on one thread.

    amqtt logs a failed start ("Broker startup failed") with a traceback before `start()` can
    raise its one-line error; an admin whose mosquitto already has port 1883 should see only
    that line.
    """

    def __init__(self) -> None:
        super().__init__()
        self.thread = threading.get_ident()

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread != self.thread


def _reason(exc: BaseException) -> str:
    """The OS's words for why the listener failed ("Address already in use"), else the text."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno:
            return os.strerror(seen.errno)
        seen = seen.__cause__ or seen.__context__
    return str(exc)


class EmbeddedBroker:
    """An in-process amqtt broker listening on `host:port` until `stop()`.

    With `state_dir`, it enforces the accounts and topic rules of docs/security.md once a node
    is registered there (hub.security.amqtt_plugins); the hub then connects with
    `hub_address()`.
    """

    def __init__(self, host: str = "127.0.0.1", port: int | None = None, *,
                 state_dir: str | Path | None = None, prefix: str = "roomink") -> None:
        self.host = host
        self.port = port or free_port(host)
        self.state_dir = state_dir
        self.prefix = prefix
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._broker = None  # the amqtt Broker while running

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        self._thread = threading.Thread(target=self._run, name="embedded-broker", daemon=True)
        self._thread.start()
        if not self._started.wait(timeout):
            raise UserError("embedded MQTT broker did not start in time")
        if self._error:
            raise UserError(f"embedded MQTT broker cannot listen on {self.host}:{self.port} "
                            f"({_reason(self._error)}); is another broker (mosquitto?) using "
                            "the port? Set [hub] listen to a free port, or broker = "
                            f"\"mqtt://127.0.0.1:{self.port}\" to use that broker")
        log.info("embedded MQTT broker listening on %s", self.url)

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        from amqtt.broker import Broker

        for name in ("amqtt", "transitions"):
            # amqtt warns about routine events (a duplicate PUBACK after a QoS 1 redelivery);
            # its errors still reach the log.
            logging.getLogger(name).setLevel(logging.ERROR)
        plugins: dict[str, dict] = {
            "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True},
        }
        if self.state_dir is not None:
            state = {"state_dir": str(self.state_dir)}
            plugins = {"hub.security.amqtt_plugins.RoominkAuthPlugin": state,
                       "hub.security.amqtt_plugins.RoominkTopicPlugin":
                           {**state, "prefix": self.prefix}}
        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
            "plugins": plugins,
        }
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        broker = Broker(config)
        broker._subscriptions = _SnapshotSubscriptions()
        self._broker = broker
        quiet = _QuietThread()
        amqtt_log = logging.getLogger("amqtt.broker")
        amqtt_log.addFilter(quiet)
        try:
            await broker.start()
        except BaseException as exc:  # reported to start()'s caller, in one line
            self._error = exc
            self._started.set()
            return
        finally:
            amqtt_log.removeFilter(quiet)
        self._started.set()
        await self._stop.wait()
        await broker.shutdown()

    def hub_address(self):
        """Where and as whom the hub connects: its own account when the broker enforces."""
        from hub.security.hubaccount import hub_account
        from hub.transport import BrokerAddress

        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        if self.state_dir is None:
            return BrokerAddress(host, self.port)
        account = hub_account(self.state_dir)
        return BrokerAddress(host, self.port, username=account.username,
                             password=account.password)

    def stop(self) -> None:
        if self._loop and self._stop:
            try:
                self._loop.call_soon_threadsafe(self._stop.set)
            except RuntimeError:  # the loop already ended: a failed start, or stopped twice
                pass
        if self._thread:
            self._thread.join(timeout=10)
