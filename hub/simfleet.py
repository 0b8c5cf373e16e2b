"""Many simulated display nodes over one MQTT connection, for load tests and benchmarks.

`SimNode` gives each fake node its own client and thread; past a few dozen nodes that
measures the simulator, not the hub. A fleet subscribes to every node's frame topic with one
wildcard and answers for each node, so a thousand nodes cost one socket. Frames are fully
decoded (CBOR, inflate, CRC) before the ack, like a real node.
"""

from __future__ import annotations

import json
import threading
import time

import paho.mqtt.client as mqtt

from hub import topics
from renderer.frame import K_CHUNK, K_SEQ, decode_message
from renderer.profiles import COLOR_NAMES, DisplayProfile


class SimFleet:
    def __init__(self, node_ids: list[str], profile: DisplayProfile, host: str, port: int, *,
                 prefix: str = topics.DEFAULT_PREFIX, client_id: str = "roomink-simfleet") -> None:
        self.node_ids, self.profile, self.prefix = node_ids, profile, prefix
        self.host, self.port = host, port
        self.shown: dict[str, int] = {n: 0 for n in node_ids}
        self.acked_at: dict[str, float] = {}
        self.frames = 0
        self.bytes_received = 0
        self.errors = 0
        self._chunks: dict[tuple[str, int], set[int]] = {}
        self._lock = threading.Lock()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id,
                                  clean_session=False)
        self.client.max_inflight_messages_set(1000)
        self.client.on_message = self._on_message
        self._subscribed = threading.Event()
        self.client.on_subscribe = lambda *a: self._subscribed.set()

    def start(self, hello: bool = True) -> None:
        self.client.connect(self.host, self.port, 60)
        self.client.loop_start()
        self.client.subscribe(f"{self.prefix}/v1/+/frame", qos=1)
        self._subscribed.wait(10)
        if hello:
            self.say_hello()

    def say_hello(self) -> None:
        hello = json.dumps({"v": 1, "fw": "simfleet", "profile": self.profile.name,
                            "ctrl": self.profile.controller, "w": self.profile.width,
                            "h": self.profile.height,
                            "colors": [COLOR_NAMES[c] for c in self.profile.colors],
                            "max_msg": 16384, "wbits": 10, "layouts": [0, 1], "heap": 0})
        for node_id in self.node_ids:
            self.client.publish(topics.topic(self.prefix, node_id, "hello"), hello, qos=1,
                                retain=True)

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def _on_message(self, client, userdata, message) -> None:
        parsed = topics.parse(self.prefix, message.topic)
        if parsed is None or parsed.node_id not in self.shown:
            return
        node_id = parsed.node_id
        self.bytes_received += len(message.payload)
        try:
            body = decode_message(message.payload)  # checked as a node would; never shown
        except Exception:
            self.errors += 1
            return
        seq = body[K_SEQ]
        index, count = body.get(K_CHUNK, [0, 1])
        with self._lock:
            got = self._chunks.setdefault((node_id, seq), set())
            got.add(index)
            if len(got) < count:
                return
            del self._chunks[(node_id, seq)]
            if seq > self.shown[node_id]:
                self.shown[node_id] = seq
                self.frames += 1
            self.acked_at[node_id] = time.monotonic()
        client.publish(topics.topic(self.prefix, node_id, "ack"),
                       json.dumps({"seq": seq, "ok": True}), qos=1)

    def wait_all(self, min_seq: int = 1, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(s >= min_seq for s in self.shown.values()):
                return True
            time.sleep(0.05)
        return False
