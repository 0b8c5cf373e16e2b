"""The hub's MQTT transport is ready only once the broker holds its subscriptions.

Between CONNACK and SUBACK a node's live hello is stored by the broker but not routed to the
hub; it later reaches the hub as a retained replay, which the hub treats as registry
information only, so the node waited for a screen that never came. A proxy that holds the
hub's SUBSCRIBE packet back for a second makes that window wide and the test deterministic.
"""

from __future__ import annotations

import socket
import threading
import time

import paho.mqtt.client as mqtt

from hub.transport import BrokerAddress, MqttTransport
from tests.hubharness import unique_node

SUBSCRIBE = 0x82
HOLD_S = 1.0


def _read_packet(sock: socket.socket) -> bytes:
    """One whole MQTT control packet: fixed header, variable remaining length, body."""
    head = sock.recv(1)
    if not head:
        return b""
    length, shift, header = 0, 0, bytearray(head)
    while True:
        byte = sock.recv(1)
        if not byte:
            return b""
        header += byte
        length |= (byte[0] & 0x7F) << shift
        shift += 7
        if not byte[0] & 0x80:
            break
    body = b""
    while len(body) < length:
        more = sock.recv(length - len(body))
        if not more:
            return b""
        body += more
    return bytes(header) + body


class SlowSubscribeProxy:
    """Forwards one client to the broker, holding each SUBSCRIBE back for HOLD_S seconds."""

    def __init__(self, broker_port: int) -> None:
        self.broker_port = broker_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.held = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        client, _ = self.listener.accept()
        upstream = socket.create_connection(("127.0.0.1", self.broker_port))
        threading.Thread(target=self._down, args=(upstream, client), daemon=True).start()
        try:
            while packet := _read_packet(client):
                if packet[0] == SUBSCRIBE:
                    self.held.set()
                    time.sleep(HOLD_S)
                upstream.sendall(packet)
        except OSError:  # the test is over and the other side closed first
            pass
        upstream.close()

    @staticmethod
    def _down(upstream: socket.socket, client: socket.socket) -> None:
        try:
            while data := upstream.recv(4096):
                client.sendall(data)
        except OSError:  # the test is over and the other side closed first
            pass
        client.close()

    def close(self) -> None:
        self.listener.close()


def test_start_returns_after_suback_so_a_hello_right_after_is_live(mosquitto):
    proxy = SlowSubscribeProxy(mosquitto.port)
    got: list[tuple[str, str, bool]] = []
    transport = MqttTransport(BrokerAddress("127.0.0.1", proxy.port),
                              lambda node, kind, payload, retained: got.append(
                                  (node, kind, retained)),
                              client_id=f"roomink-hub-{unique_node('ready')}")
    node_id = unique_node("ready")
    node = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"peer-{node_id}")
    node.connect("127.0.0.1", mosquitto.port)
    node.loop_start()
    try:
        transport.start()
        assert proxy.held.wait(5), "the proxy never saw the hub's SUBSCRIBE"
        # The node wakes right as the hub comes up: its hello is live and must arrive so.
        node.publish(f"roomink/v1/{node_id}/hello", b'{"profile": "2.9-bw"}', qos=1,
                     retain=True).wait_for_publish(5)
        deadline = time.monotonic() + 5
        while (node_id, "hello", False) not in got and time.monotonic() < deadline:
            time.sleep(0.02)
        assert (node_id, "hello", False) in got, f"hello arrived as {got}"
    finally:
        node.publish(f"roomink/v1/{node_id}/hello", b"", qos=1, retain=True).wait_for_publish(5)
        node.loop_stop()
        node.disconnect()
        transport.stop()
        proxy.close()
