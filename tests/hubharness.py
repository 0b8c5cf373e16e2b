"""Test harness: a Hub wired to a real broker, with a fixed clock, in a background thread."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

from hub.config import parse_config
from hub.service import Hub
from hub.state import StateStore
from hub.transport import BrokerAddress, MqttTransport

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def config_text(rooms: dict[str, str], nodes: dict[str, str], display: str = "4.2-bwr") -> str:
    """A hub config: rooms {id: ics path}, nodes {node id: room id}."""
    parts = ['[hub]\ntimezone = "Europe/Berlin"\n']
    for room_id, path in rooms.items():
        parts.append(f'[[rooms]]\nid = "{room_id}"\nname = "{room_id.title()}"\n'
                     f'display = "{display}"\ncalendar = "{path}"\n')
    for node_id, room_id in nodes.items():
        parts.append(f'[[nodes]]\nid = "{node_id}"\nroom = "{room_id}"\n')
    return "\n".join(parts)


def wait_until(predicate, timeout: float = 15.0) -> bool:
    """Poll `predicate` until it holds (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def unique_node(prefix: str = "n") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class RunningHub:
    def __init__(self, broker_port: int, text: str, base: Path, when: datetime,
                 client_id: str | None = None, store: Path | None = None) -> None:
        self.config = parse_config(text, base / "hub.toml")
        self.clock_value = when.timestamp()
        self.hub = Hub(self.config, clock=lambda: self.clock_value,
                       store=StateStore(store) if store else None)
        self.transport = MqttTransport(BrokerAddress("127.0.0.1", broker_port), self.hub.on_uplink,
                                       client_id=client_id or f"roomink-hub-{uuid.uuid4().hex[:8]}")
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.hub.run, args=(self.stop_event,), daemon=True)

    def __enter__(self) -> RunningHub:
        self.transport.start()
        self.hub.publisher = self.transport
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop_event.set()
        self.thread.join(timeout=5)
        self.transport.stop()
        if self.hub.store:
            self.hub.store.close()

    def advance(self, when: datetime) -> None:
        """Move the hub's clock; its timers for passed moments fire within half a second."""
        self.clock_value = when.timestamp()
