"""Helpers to run the real firmware on the unix port: node dirs, runs, MQTT peers, panel.png."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from PIL import Image

from renderer.planes import PALETTE_RGB, unpack_planes
from tests.mqttready import connect_subscribed

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE = ROOT / "firmware"
MAIN = FIRMWARE / "main.py"


def make_node_dir(tmp: Path, node_id: str, port: int, profile: str = "4.2-bwr",
                  **extra) -> Path:
    node_dir = tmp / node_id
    node_dir.mkdir(parents=True, exist_ok=True)
    cfg = {"node_id": node_id, "broker_host": "127.0.0.1", "broker_port": port,
           "profile": profile, "max_awake_s": 8, "max_sleep_s": 3600, **extra}
    (node_dir / "config.json").write_text(json.dumps(cfg))
    return node_dir


def start_node(micropython: str, node_dir: Path, heap: str | None = None) -> subprocess.Popen:
    args = [micropython]
    if heap:
        args += ["-X", f"heapsize={heap}"]
    args += [str(MAIN), str(node_dir)]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(proc: subprocess.Popen, timeout: float = 30) -> str:
    out, _ = proc.communicate(timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"node exited {proc.returncode}:\n{out}")
    return out


class Hub:
    """A minimal hub stand-in: a paho client recording everything under roomink/v1/NODE/#."""

    def __init__(self, port: int, node_id: str) -> None:
        self.node = node_id
        self.log: list[tuple[str, bytes, bool]] = []
        self.cursor: dict[str, int] = {}
        self.cond = threading.Condition()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"test-{node_id}")
        self.client.on_message = self._on_message
        connect_subscribed(self.client, port, [(f"roomink/v1/{node_id}/#", 1)])

    def _on_message(self, _client, _userdata, msg) -> None:
        with self.cond:
            self.log.append((msg.topic.rsplit("/", 1)[-1], msg.payload, bool(msg.retain)))
            self.cond.notify_all()

    def topic(self, leaf: str) -> str:
        return f"roomink/v1/{self.node}/{leaf}"

    def publish(self, leaf: str, payload: bytes, retain: bool = False) -> None:
        self.client.publish(self.topic(leaf), payload, qos=1, retain=retain).wait_for_publish(5)

    def wait(self, leaf: str, timeout: float = 15) -> bytes:
        """The next message on a leaf topic not returned before (any order across leaves)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                start = self.cursor.get(leaf, 0)
                for i in range(start, len(self.log)):
                    if self.log[i][0] == leaf:
                        self.cursor[leaf] = i + 1
                        return self.log[i][1]
                self.cursor[leaf] = len(self.log)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no {leaf} message within {timeout}s")
                self.cond.wait(left)

    def wait_json(self, leaf: str, timeout: float = 15) -> dict:
        return json.loads(self.wait(leaf, timeout))

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def panel_rgb(node_dir: Path) -> Image.Image:
    image = Image.open(node_dir / "panel.png")
    image.load()
    return image.convert("RGB")


def expected_rgb(planes: bytes, width: int, height: int, colors: tuple[int, ...]) -> Image.Image:
    return unpack_planes(planes, width, height, colors)


def assert_same_image(a: Image.Image, b: Image.Image) -> None:
    assert a.size == b.size
    if a.tobytes() != b.tobytes():
        diff = sum(1 for p, q in zip(a.getdata(), b.getdata(), strict=True) if p != q)
        raise AssertionError(f"{diff} pixels differ")


__all__ = ["PALETTE_RGB", "Hub", "make_node_dir", "start_node", "finish", "panel_rgb",
           "expected_rgb", "assert_same_image"]
