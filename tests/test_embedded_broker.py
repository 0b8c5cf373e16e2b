"""The embedded broker delivers every message even when a client subscribes mid-broadcast."""

from __future__ import annotations

from hub.broker import EmbeddedBroker
from tests.security_clients import Client


def test_subscribe_during_broadcast_loses_nothing():
    broker = EmbeddedBroker("127.0.0.1")
    broker.start()
    clients = [Client(broker.port, f"sub-{i}", None, None) for i in range(3)]
    publisher = Client(broker.port, "pub", None, None)
    try:
        for i, c in enumerate(clients):
            c.subscribe("room/#" if i == 0 else f"room/{i}/+" if i == 1 else "room/+/frame")
        amqtt = broker._broker
        original = amqtt._topic_filtering
        calls = []

        async def filtering_while_someone_subscribes(*args, **kwargs):
            # What a node's SUBSCRIBE does between two awaits of the broadcast loop.
            calls.append(1)
            amqtt._subscriptions.setdefault(f"late/{len(calls)}", [])
            return await original(*args, **kwargs)

        amqtt._topic_filtering = filtering_while_someone_subscribes
        publisher.publish("room/1/frame", b"x")
        for c in clients:
            c.wait_for("room/1/frame", timeout=5)
        assert len(calls) >= len(clients)  # the hook really ran inside the broadcast
    finally:
        for c in [*clients, publisher]:
            c.close()
        broker.stop()


def test_a_taken_port_is_one_clear_error_without_amqtt_traceback(caplog):
    import logging
    import socket

    import pytest

    from hub.errors import UserError

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    broker = EmbeddedBroker("127.0.0.1", port)
    try:
        with caplog.at_level(logging.DEBUG), pytest.raises(UserError) as raised:
            broker.start()
    finally:
        taken.close()
        broker.stop()
    assert str(raised.value).startswith(f"embedded MQTT broker cannot listen on 127.0.0.1:{port} "
                                        "(Address already in use); is another broker")
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    # Only that start was quieted: the next broker's errors reach the log again.
    assert not logging.getLogger("amqtt.broker").filters
