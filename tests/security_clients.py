"""A paho client for security tests: remembers its CONNACK, SUBACKs and messages."""

from __future__ import annotations

import threading

import paho.mqtt.client as mqtt


class Client:
    def __init__(self, port: int, name: str, username: str | None, password: str | None) -> None:
        self.got: list[tuple[str, bytes]] = []
        self.cond = threading.Condition()
        self.result: object = None
        self.granted: list = []
        self.c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=name)
        if username:
            self.c.username_pw_set(username, password)
        self.c.on_connect = self._on_connect
        self.c.on_message = self._on_message
        self.c.on_subscribe = self._on_subscribe
        self.c.connect("127.0.0.1", port)
        self.c.loop_start()
        with self.cond:
            self.cond.wait_for(lambda: self.result is not None, 10)

    def _on_connect(self, _c, _u, _f, reason_code, _p) -> None:
        with self.cond:
            self.result = reason_code
            self.cond.notify_all()

    def _on_subscribe(self, _c, _u, _mid, reason_codes, _p) -> None:
        with self.cond:
            self.granted.extend(reason_codes)
            self.cond.notify_all()

    def _on_message(self, _c, _u, msg) -> None:
        with self.cond:
            self.got.append((msg.topic, msg.payload))
            self.cond.notify_all()

    @property
    def ok(self) -> bool:
        return self.result is not None and not self.result.is_failure

    def subscribe(self, topic: str) -> None:
        n = len(self.granted)
        self.c.subscribe(topic, qos=1)
        with self.cond:
            self.cond.wait_for(lambda: len(self.granted) > n, 10)

    def publish(self, topic: str, payload: bytes) -> None:
        self.c.publish(topic, payload, qos=1).wait_for_publish(5)

    def wait_for(self, topic: str, timeout: float = 10) -> None:
        with self.cond:
            assert self.cond.wait_for(lambda: any(t == topic for t, _ in self.got), timeout), topic

    def close(self) -> None:
        self.c.loop_stop()
        self.c.disconnect()
