"""A lightweight display node in CPython, for load tests and `roomink simulate`.

It speaks protocol v1 like the firmware (persistent session, hello, acks) but decodes frames
with the hub's own codec, so thousands fit in one process. Behaviour of the real node is
tested with the real firmware under MicroPython; this fake only has to be protocol-correct.
"""

from __future__ import annotations

import json
import threading
import zlib

import paho.mqtt.client as mqtt

from hub import topics
from renderer.frame import K_CHUNK, K_DATA, K_PANEL, K_RECT, K_SEQ, decode_message
from renderer.profiles import COLOR_NAMES, DisplayProfile


class SimNode:
    """Connects, says hello, acks every complete frame; keeps the panel's planes in memory."""

    def __init__(self, node_id: str, profile: DisplayProfile, host: str, port: int, *,
                 prefix: str = topics.DEFAULT_PREFIX, max_msg: int = 16384,
                 wbits: int = 10) -> None:
        self.node_id, self.profile, self.prefix = node_id, profile, prefix
        self.host, self.port = host, port
        self.max_msg, self.wbits = max_msg, wbits
        plane = profile.width * profile.height // 8
        self.planes = bytearray(plane * len(profile.colors))
        self.shown_seq = 0
        self.frames = 0
        self.bytes_received = 0
        self.acked = threading.Event()
        self._chunks: dict[int, set[int]] = {}
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                  client_id=f"roomink-{node_id}", clean_session=False)
        self.client.will_set(self._topic("online"), b"0", qos=1, retain=True)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message

    def _topic(self, kind: str) -> str:
        return topics.topic(self.prefix, self.node_id, kind)

    def start(self) -> None:
        self.client.connect(self.host, self.port, 60)
        self.client.loop_start()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def sleep(self) -> None:
        """Go to sleep the way the firmware does: say offline, then disconnect cleanly."""
        self.client.publish(self._topic("online"), b"0", qos=1, retain=True).wait_for_publish(5)
        self.stop()

    def wake(self) -> None:
        """Reconnect to the same persistent session; queued frames arrive, then hello."""
        self.acked.clear()
        self.start()

    def hello(self) -> dict:
        return {"v": 1, "fw": "sim", "profile": self.profile.name,
                "ctrl": self.profile.controller, "w": self.profile.width,
                "h": self.profile.height,
                "colors": [COLOR_NAMES[c] for c in self.profile.colors],
                "max_msg": self.max_msg, "wbits": self.wbits, "layouts": [0, 1], "heap": 0}

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        client.subscribe([(self._topic("frame"), 1), (self._topic("ctl"), 1)])
        client.publish(self._topic("online"), b"1", qos=1, retain=True)
        client.publish(self._topic("hello"), json.dumps(self.hello()), qos=1, retain=True)

    def _on_message(self, client, userdata, message) -> None:
        if not message.topic.endswith("/frame"):
            return
        self.bytes_received += len(message.payload)
        try:
            body = decode_message(message.payload)
        except Exception as exc:  # report like the firmware would
            client.publish(self._topic("ack"), json.dumps({"seq": None, "ok": False,
                                                           "err": "cbor", "msg": str(exc)}), qos=1)
            return
        seq = body[K_SEQ]
        if seq <= self.shown_seq:
            client.publish(self._topic("ack"), json.dumps({"seq": seq, "ok": True}), qos=1)
            return
        self._write(body)
        index, count = body.get(K_CHUNK, [0, 1])
        got = self._chunks.setdefault(seq, set())
        got.add(index)
        if len(got) == count:
            del self._chunks[seq]
            self.shown_seq = seq
            self.frames += 1
            client.publish(self._topic("ack"), json.dumps({"seq": seq, "ok": True}), qos=1)
            self.acked.set()

    def _write(self, body: dict) -> None:
        width, height = body[K_PANEL]
        x, y, w, h = body[K_RECT]
        data = body[K_DATA]
        row, plane_in = w // 8, w // 8 * h
        plane_out = width * height // 8
        for p in range(len(self.profile.colors)):
            for r in range(h):
                src = p * plane_in + r * row
                dst = p * plane_out + (y + r) * (width // 8) + x // 8
                self.planes[dst:dst + row] = data[src:src + row]

    @property
    def crc(self) -> int:
        return zlib.crc32(self.planes)
