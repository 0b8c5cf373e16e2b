"""The hub with a node registry, against real mosquitto: frames and ctl go out signed with the
node's key, forged/replayed/unsigned button events are ignored, unregistered node ids are
ignored and logged once, and no secret ever appears in the log."""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import cbor2
import paho.mqtt.client as mqtt

from hub.provisioning import ProvisioningStore
from hub.security.mac import button_mac, verify_message
from renderer.frame import K_SEQ
from tests.hubharness import (
    EXAMPLES,
    RunningHub,
    config_text,
    wait_until,
)
from tests.mqttready import connect_subscribed

WHEN = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
HELLO = {"v": 1, "fw": "0.1.0", "profile": "2.9-bw", "ctrl": "ssd1680", "w": 128, "h": 296,
         "colors": ["black"], "max_msg": 16384, "wbits": 10, "heap": 20000, "seq": None}


class Peer:
    """A paho client standing in for a node: publishes uplinks, records downlinks."""

    def __init__(self, port: int, node: str) -> None:
        self.node = node
        self.got: list[tuple[str, bytes]] = []
        self.cond = threading.Condition()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"peer-{node}")
        self.client.on_message = self._on_message
        connect_subscribed(self.client, port, [(f"roomink/v1/{node}/+", 1)])

    def _on_message(self, _c, _u, msg) -> None:
        with self.cond:
            self.got.append((msg.topic.rsplit("/", 1)[-1], msg.payload))
            self.cond.notify_all()

    def send(self, kind: str, body, retain: bool = False) -> None:
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.client.publish(f"roomink/v1/{self.node}/{kind}", payload, qos=1,
                            retain=retain).wait_for_publish(5)

    def wait(self, kind: str, timeout: float = 10) -> bytes:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for k, p in self.got:
                    if k == kind:
                        return p
                if not self.cond.wait(max(0.0, deadline - time.monotonic())):
                    raise TimeoutError(kind)

    def close(self) -> None:
        self.client.publish(f"roomink/v1/{self.node}/hello", b"", qos=1,
                            retain=True).wait_for_publish(5)
        self.client.loop_stop()
        self.client.disconnect()




def test_frames_signed_buttons_verified_unknown_ignored(mosquitto, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    node, stranger = "sec-hub-a", "sec-hub-stranger"
    creds = ProvisioningStore(tmp_path / "roomink-state").register(node)
    text = config_text({"atlas": str(EXAMPLES / "atlas.ics")}, {node: "atlas"})
    presses: list[dict] = []
    peer, other = Peer(mosquitto.port, node), Peer(mosquitto.port, stranger)
    try:
        with RunningHub(mosquitto.port, text, tmp_path, WHEN) as running:
            running.hub.button_handler = lambda n, m: presses.append(m)
            peer.send("online", b"1", retain=True)
            peer.send("hello", {**HELLO, "wake_id": 42}, retain=True)
            frame, ctl = peer.wait("frame"), peer.wait("ctl")
            assert verify_message(frame, creds.hmac_key, "frame")
            assert verify_message(ctl, creds.hmac_key, "ctl")

            good = {"mask": 1, "seq": None, "wake_id": 42,
                    "mac": button_mac(creds.hmac_key, node, 42, 1, None)}
            forged = {**good, "mac": button_mac(bytes(32), node, 42, 1, None)}
            tampered = {**good, "mask": 2}
            stale = {**good, "wake_id": 41, "mac": button_mac(creds.hmac_key, node, 41, 1, None)}
            for event in (forged, {"mask": 1, "seq": None}, tampered, stale, good, good):
                peer.send("button", event)
            other.send("hello", {**HELLO, "wake_id": 1})
            other.send("status", {"seq": 1})
            peer.send("status", {"seq": None, "err": None})  # a marker: everything before is in
            assert wait_until(lambda: running.hub.nodes[node].status == {"seq": None,
                                                                          "err": None})
            assert presses == [good]  # once: the replay of the good press is ignored too
            assert stranger not in running.hub.nodes
            assert not any(k == "frame" for k, _ in other.got)
    finally:
        peer.close()
        other.close()
    log = caplog.text
    assert log.count(f"ignoring messages from node {stranger}") == 1
    assert "missing or wrong MAC" in log and "current wake" in log
    for secret in (creds.password, creds.hmac_key.hex(), good["mac"]):
        assert secret not in log


def test_hub_that_lost_its_state_continues_above_the_nodes_mac_seq(mosquitto, tmp_path):
    """A keyed node rejects frames older than its newest authentic one (`mac_seq`, in its
    hello): a hub starting from scratch must number its first frame above it."""
    node = "sec-hub-macseq"
    ProvisioningStore(tmp_path / "roomink-state").register(node)
    text = config_text({"atlas": str(EXAMPLES / "atlas.ics")}, {node: "atlas"})
    peer = Peer(mosquitto.port, node)
    try:
        with RunningHub(mosquitto.port, text, tmp_path, WHEN):
            peer.send("online", b"1", retain=True)
            peer.send("hello", {**HELLO, "wake_id": 5, "seq": 3, "mac_seq": 50}, retain=True)
            frame = cbor2.loads(peer.wait("frame"))
            assert frame[K_SEQ] == 51
    finally:
        peer.close()
