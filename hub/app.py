"""Wires a hub together from its config: broker (embedded or external), transport, state, loop."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from hub.broker import EmbeddedBroker
from hub.config import HubConfig
from hub.errors import UserError
from hub.features import load_features
from hub.security.hubaccount import with_hub_account
from hub.service import Hub
from hub.state import StateStore
from hub.transport import BrokerAddress, MqttTransport

log = logging.getLogger(__name__)


class BrokerUnavailable(UserError):
    """The hub could not reach its MQTT broker at start. Unlike a config mistake, this may
    heal by itself (a broker still booting, the network not up yet): worth a retry."""


class HubApp:
    """The running service: `start()`, then `wait()` until `stop()` (e.g. from SIGTERM)."""

    def __init__(self, config: HubConfig, *, broker_url: str | None = None,
                 client_id: str = "roomink-hub") -> None:
        self.config = config
        self.broker: EmbeddedBroker | None = None
        url = broker_url or config.broker
        if url == "embedded":
            host, port = config.listen.rsplit(":", 1)
            # With the state folder it enforces per-node accounts and topic rules once nodes
            # are registered (docs/security.md).
            self.broker = EmbeddedBroker(host or "0.0.0.0", int(port),
                                         state_dir=config.state_dir, prefix=config.prefix)
            self.address = None
        else:
            # The hub's own broker password stays in the 0600 state file, not in the config.
            self.address = with_hub_account(BrokerAddress.parse(url), config.state_dir)
        self.store = StateStore(Path(config.state_dir) / "hub.sqlite")
        self.hub = Hub(config, store=self.store)
        self.client_id = client_id
        self.transport: MqttTransport | None = None
        self.stopping = threading.Event()
        self._worker = threading.Thread(target=self.hub.run, args=(self.stopping,),
                                        name="hub", daemon=True)
        # Features that live beside the hub (web dashboard, booking): objects with
        # start(app) and stop(), started after the hub is connected, stopped before it.
        self.features: list = load_features(self)

    def start(self) -> None:
        if self.broker:
            self.broker.start()
            self.address = self.broker.hub_address()
        assert self.address is not None
        self.transport = MqttTransport(self.address, self.hub.on_uplink,
                                       prefix=self.config.prefix, client_id=self.client_id)
        self.transport.extra_subscriptions.append(f"{self.config.prefix}/hub/cmd")
        self.transport.on_other = self._on_command
        try:
            self.transport.start()
        except UserError as exc:
            raise BrokerUnavailable(str(exc)) from None
        self.hub.publisher = self.transport
        self.hub.start_polling()
        self._worker.start()
        for feature in self.features:
            feature.start(self)
        log.info("hub running: %d rooms, %d configured nodes, broker %s:%s",
                 len(self.config.rooms), len(self.config.nodes), self.address.host,
                 self.address.port)

    def _on_command(self, topic: str, payload: bytes) -> None:
        """Admin commands from `roomink draw` and friends, run on the hub's worker thread."""
        try:
            command = json.loads(payload)
        except (ValueError, RecursionError):
            log.warning("ignoring malformed hub command")
            return
        if isinstance(command, dict):
            self.hub.submit_command(command)

    def wait(self) -> None:
        self.stopping.wait()

    def stop(self) -> None:
        for feature in reversed(self.features):
            try:
                feature.stop()
            except Exception:
                log.exception("error stopping %s", type(feature).__name__)
        self.stopping.set()
        self._worker.join(timeout=10)
        if self.transport:
            self.transport.stop()
        if self.broker:
            self.broker.stop()
        self.store.close()
        log.info("hub stopped")
