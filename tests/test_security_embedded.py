"""The embedded amqtt broker with a node registry enforces the same accounts and topic rules as
the generated mosquitto files; with an empty registry it stays open (demo, bench)."""

from __future__ import annotations

import time

import pytest

from hub.broker import EmbeddedBroker
from hub.provisioning import ProvisioningStore
from tests.security_clients import Client


@pytest.fixture
def embedded(tmp_path):
    state = tmp_path / "state"
    broker = EmbeddedBroker("127.0.0.1", state_dir=state)
    broker.start()
    clients: list[Client] = []

    def connect(name, user=None, pw=None):
        client = Client(broker.port, name, user, pw)
        clients.append(client)
        return client

    yield broker, ProvisioningStore(state), connect
    for c in clients:
        c.close()
    broker.stop()


def test_open_until_a_node_is_registered_then_enforced(embedded):
    broker, store, connect = embedded
    assert connect("anon-open").ok  # empty registry: open, as before
    a, b = store.register("emb-a"), store.register("emb-b")
    assert not connect("anon").ok
    assert not connect("roomink-emb-a", a.username, b.password).ok
    hub_addr = broker.hub_address()
    hub = connect("roomink-hub", hub_addr.username, hub_addr.password)
    node_a = connect("roomink-emb-a", a.username, a.password)
    node_b = connect("roomink-emb-b", b.username, b.password)
    assert hub.ok and node_a.ok and node_b.ok

    hub.subscribe("roomink/v1/#")
    node_a.subscribe("roomink/v1/emb-b/frame")
    node_a.subscribe("roomink/v1/+/frame")
    node_a.subscribe("roomink/v1/emb-a/frame")
    node_b.subscribe("roomink/v1/emb-b/frame")
    assert [rc.is_failure for rc in node_a.granted] == [True, True, False]
    hub.publish("roomink/v1/emb-b/frame", b"b's meetings")
    hub.publish("roomink/v1/emb-a/frame", b"a's meetings")
    node_b.wait_for("roomink/v1/emb-b/frame")
    node_a.wait_for("roomink/v1/emb-a/frame")
    assert node_a.got == [("roomink/v1/emb-a/frame", b"a's meetings")]

    for topic in ("roomink/v1/emb-b/hello", "roomink/v1/emb-b/button", "roomink/v1/emb-a/frame",
                  "roomink/hub/cmd"):
        node_a.publish(topic, b"forged")
    node_a.publish("roomink/v1/emb-a/hello", b"mine")
    hub.wait_for("roomink/v1/emb-a/hello")
    time.sleep(0.2)
    assert [t for t, p in hub.got if p == b"forged"] == []

    store.revoke("emb-b")
    assert not connect("roomink-emb-b2", b.username, b.password).ok
    hub.publish("roomink/v1/emb-b/frame", b"after revoke")  # the old connection gets nothing
    hub.publish("roomink/v1/emb-a/frame", b"marker")
    node_a.wait_for("roomink/v1/emb-a/frame")
    with node_a.cond:
        node_a.cond.wait_for(lambda: len(node_a.got) == 2, 5)
    time.sleep(0.2)
    assert [p for _, p in node_b.got] == [b"b's meetings"]
