"""/healthz over a real broker link: losing mosquitto pages only after `broker_failing_after`."""

from __future__ import annotations

import uuid

from starlette.testclient import TestClient

from hub.transport import BrokerAddress, MqttTransport
from hub.web import Context, build_app
from hub.web.config import WebConfig
from tests.test_web_helpers import HubUnderTest, wait_until


def test_healthz_fails_once_the_lost_broker_stays_away_past_the_threshold(tmp_path,
                                                                           private_mosquitto):
    web = WebConfig(broker_failing_after=120, calendar_failing_after=10**9)
    transport = MqttTransport(BrokerAddress("127.0.0.1", private_mosquitto.port),
                              lambda *message: None, client_id=f"health-{uuid.uuid4().hex[:8]}")
    with HubUnderTest(tmp_path, web) as running:
        transport.start()
        try:
            ctx = Context(running.hub, web, broker_up=transport.connected.is_set)
            client = TestClient(build_app(ctx), client=("127.0.0.1", 40000))
            assert client.get("/healthz").text == "ok\n"

            private_mosquitto.stop()
            assert wait_until(lambda: not transport.connected.is_set()), "still connected"
            assert client.get("/healthz").text == "ok\n"  # down, but not for long
            assert client.get("/api/status").json()["broker_connected"] is False
            running.now += 119
            assert client.get("/healthz").status_code == 200
            running.now += 1
            response = client.get("/healthz")
            assert response.status_code == 503
            assert response.text == ("broker: the hub is not connected to the MQTT broker "
                                     "(for 2m)\n")

            private_mosquitto.start()  # back on the same port: paho reconnects by itself
            assert wait_until(transport.connected.is_set, 40), "did not reconnect"
            assert client.get("/healthz").text == "ok\n"
        finally:
            transport.stop()
