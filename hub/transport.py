"""MQTT transport for the hub: paho-mqtt, QoS 1, persistent session.

This layer only moves bytes: it delivers uplink messages to one callback and publishes what
it is given. Reconnects are paho's (`reconnect_delay_set`); what to send is the hub's business.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlparse

import paho.mqtt.client as mqtt

from hub import topics
from hub.errors import UserError

log = logging.getLogger(__name__)

# (node_id, kind, payload, retained): `retained` marks a stored copy replayed by the broker
# on subscribe, not a message the node just sent.
UplinkHandler = Callable[[str, str, bytes, bool], None]


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    tls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    # mqtts: the CA that signed the broker's certificate (`roomink tls-ca`); None = system CAs
    cafile: str | None = None

    @classmethod
    def parse(cls, url: str) -> BrokerAddress:
        parsed = urlparse(url)
        if parsed.scheme not in ("mqtt", "mqtts") or not parsed.hostname:
            raise UserError(f"broker URL {url!r} must look like mqtt://host:1883 or mqtts://host:8883")
        tls = parsed.scheme == "mqtts"
        try:
            port = parsed.port or (8883 if tls else 1883)
        except ValueError as exc:
            raise UserError(f"broker URL {url!r}: bad port") from exc
        cafile = parse_qs(parsed.query).get("cafile", [None])[-1]
        return cls(parsed.hostname, port, tls, parsed.username, parsed.password, cafile)


class MqttTransport:
    """Connects the hub to the broker and hands every uplink message to `on_uplink`."""

    def __init__(self, address: BrokerAddress, on_uplink: UplinkHandler, *,
                 prefix: str = topics.DEFAULT_PREFIX, client_id: str = "roomink-hub",
                 clean_session: bool = False, keepalive: int = 30) -> None:
        self.address = address
        self.prefix = prefix
        self.on_uplink = on_uplink
        self.keepalive = keepalive
        self.connected = threading.Event()
        # Non-node topics (hub commands) and where their messages go.
        self.extra_subscriptions: list[str] = []
        self.on_other: Callable[[str, bytes], None] | None = None
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id,
                                   clean_session=clean_session)
        # Without this, paho queues only 20 in-flight QoS 1 messages; a hub serves many nodes.
        self._client.max_inflight_messages_set(200)
        self._client.max_queued_messages_set(0)
        self._client.reconnect_delay_set(min_delay=1, max_delay=30)
        if address.username:
            self._client.username_pw_set(address.username, address.password)
        if address.tls:
            if address.cafile and not os.path.isfile(address.cafile):
                raise UserError(f"broker CA file {address.cafile} not found (roomink tls-ca "
                                "writes it to <state_dir>/tls/ca.pem)")
            self._client.tls_set(ca_certs=address.cafile)
        self._client.on_connect = self._on_connect
        self._client.on_subscribe = self._on_subscribe
        self._subscribe_mid: int | None = None
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message

    def start(self, timeout: float = 10.0) -> None:
        try:
            self._client.connect(self.address.host, self.address.port, self.keepalive)
        except OSError as exc:
            raise UserError(
                f"cannot reach MQTT broker {self.address.host}:{self.address.port} ({exc})"
            ) from exc
        self._client.loop_start()
        if not self.connected.wait(timeout):
            self.stop()
            raise UserError(f"MQTT broker {self.address.host}:{self.address.port} did not "
                            f"accept the connection and subscriptions within {timeout:.0f}s")

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.error("MQTT broker refused the hub: %s", reason_code)
            return
        filters = topics.uplink_filters(self.prefix) + self.extra_subscriptions
        _, self._subscribe_mid = client.subscribe([(f, 1) for f in filters])

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        # Ready only once the broker has the subscriptions: a node's live hello published
        # between CONNACK and SUBACK would otherwise reach the hub as a retained replay, which
        # is registry information only, and the node would wait for its screen.
        if mid != self._subscribe_mid:
            return
        refused = [code for code in reason_codes if code.is_failure]
        if refused:
            log.error("MQTT broker %s:%s refused the hub's subscriptions (%s): check the "
                      "broker's ACL for the roomink topics", self.address.host,
                      self.address.port, refused[0])
            return
        log.info("connected to MQTT broker %s:%s", self.address.host, self.address.port)
        self.connected.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.connected.clear()
        if reason_code != 0:
            log.warning("lost MQTT broker connection (%s); reconnecting", reason_code)

    def _on_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        if message.topic in self.extra_subscriptions and self.on_other:
            try:
                self.on_other(message.topic, message.payload)
            except Exception:  # an exception here would end paho's thread: the hub goes deaf
                log.exception("error handling a message on %s", message.topic)
            return
        parsed = topics.parse(self.prefix, message.topic)
        if parsed is None or parsed.kind not in topics.UPLINK:
            log.debug("ignoring message on %s", message.topic)
            return
        try:
            self.on_uplink(parsed.node_id, parsed.kind, message.payload, bool(message.retain))
        except Exception:  # a bug in a handler must not kill paho's network thread
            log.exception("error handling %s from node %s", parsed.kind, parsed.node_id)

    def publish(self, node_id: str, kind: str, payload: bytes, *, retain: bool = False,
                qos: int = 1) -> mqtt.MQTTMessageInfo:
        return self._client.publish(topics.topic(self.prefix, node_id, kind), payload,
                                    qos=qos, retain=retain)
