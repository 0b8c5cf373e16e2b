"""Wait on the hub's broker for a freshly flashed node's first hello.

The watcher subscribes *before* the board is reset, so the hello cannot slip past. Only a
live hello counts: the broker replays a retained hello from an earlier life of the same node
id with the retain flag set, and that one proves nothing about this flash.
"""

from __future__ import annotations

import json
import queue

import paho.mqtt.client as mqtt

from hub import topics
from hub.flashing.errors import FlashError
from hub.transport import BrokerAddress


class HelloWatcher:
    def __init__(self, address: BrokerAddress | str, prefix: str, node_id: str) -> None:
        self.address = BrokerAddress.parse(address) if isinstance(address, str) else address
        self.topic = topics.topic(prefix, node_id, "hello")
        self._hellos: queue.Queue[dict] = queue.Queue()
        self._subscribed: queue.Queue[bool] = queue.Queue()
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="")
        if self.address.username:
            self._client.username_pw_set(self.address.username, self.address.password)
        if self.address.tls:
            self._client.tls_set(ca_certs=self.address.cafile)
        self._client.on_connect = self._on_connect
        self._client.on_subscribe = lambda *a: self._subscribed.put(True)
        self._client.on_message = self._on_message

    @property
    def where(self) -> str:
        return f"{self.address.host}:{self.address.port}"

    def start(self, timeout: float = 10.0) -> None:
        try:
            self._client.connect(self.address.host, self.address.port, 30)
        except OSError as exc:
            raise FlashError("hub-broker", f"cannot reach the hub's broker at {self.where} "
                             f"({exc.strerror or exc}): start the hub (`roomink run`) or pass "
                             "--no-wait") from exc
        self._client.loop_start()
        try:
            self._subscribed.get(timeout=timeout)
        except queue.Empty:
            self.stop()
            raise FlashError("hub-broker", f"the hub's broker at {self.where} did not accept "
                             "the connection (credentials in [hub] broker?)") from None

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if not reason_code.is_failure:
            client.subscribe(self.topic, qos=1)

    def _on_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        if message.retain:
            return
        try:
            hello = json.loads(message.payload)
        except ValueError:
            return
        if isinstance(hello, dict):
            self._hellos.put(hello)

    def wait(self, timeout: float) -> dict | None:
        try:
            return self._hellos.get(timeout=timeout)
        except queue.Empty:
            return None

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()
