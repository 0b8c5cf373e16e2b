"""Test harness: a Hub wired to a real broker, with a fixed clock, in a background thread."""

from __future__ import annotations

import signal
import subprocess
import sys
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
EMPTY_ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//roomink//tests//EN\r\nEND:VCALENDAR\r\n"


def config_text(rooms: dict[str, str], nodes: dict[str, str], display: str = "4.2-bwr") -> str:
    """A hub config: rooms {id: ics path}, nodes {node id: room id}."""
    parts = ['[hub]\ntimezone = "Europe/Berlin"\n']
    for room_id, path in rooms.items():
        parts.append(f'[[rooms]]\nid = "{room_id}"\nname = "{room_id.title()}"\n'
                     f'display = "{display}"\ncalendar = "{path}"\n')
    for node_id, room_id in nodes.items():
        parts.append(f'[[nodes]]\nid = "{node_id}"\nroom = "{room_id}"\n')
    return "\n".join(parts)


def quiet_calendar(folder: Path) -> Path:
    """An empty room calendar: with the hub on the real clock, no meeting starts or ends
    while a test counts a node's frames."""
    path = folder / "atlas.ics"
    path.write_bytes(EMPTY_ICS)
    return path


class Clock:
    """A hub clock the test moves by hand: `clock.now` is the time the hub sees."""

    def __init__(self, when: datetime) -> None:
        self.now = when.timestamp()

    def __call__(self) -> float:
        return self.now


def wait_until(predicate, timeout: float = 15.0) -> bool:
    """Poll `predicate` until it holds (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


class HubProcess:
    """`roomink run -c CONFIG` as a real process, its output in a log file.

    `start()` returns once the hub logged "hub running", which it does after the broker
    confirmed its subscriptions: a node's retained hello sent before that would reach the
    hub as a stored copy only, and get no screen.
    """

    def __init__(self, config: Path, log_path: Path) -> None:
        self.config = config
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    def start(self, timeout: float = 30.0) -> HubProcess:
        with open(self.log_path, "w") as log_file:
            self.proc = subprocess.Popen([sys.executable, "-m", "hub", "run", "-c",
                                          str(self.config)],
                                         stdout=log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while "hub running" not in self.log:
            assert self.proc.poll() is None, f"the hub exited:\n{self.log}"
            assert time.monotonic() < deadline, f"the hub did not start:\n{self.log}"
            time.sleep(0.05)
        return self

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, as systemd stops it; the exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise


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
