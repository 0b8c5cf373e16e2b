"""End to end with keys: the real hub signs, the real firmware (MicroPython) verifies — also
when the frame is chunked to a small max_msg, where the MAC entry must still fit — and the
node's signed button press reaches the hub's button handler exactly once."""

from __future__ import annotations

import json
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from hub.hostnode import HostNode
from hub.mosquitto import Mosquitto
from hub.provisioning import ProvisioningStore
from hub.security.hubaccount import with_hub_account
from hub.security.mosquitto_files import ACL, PASSWD, write_mosquitto_files
from hub.transport import BrokerAddress, MqttTransport
from tests.hubharness import EXAMPLES, RunningHub, config_text

WHEN = datetime(2026, 11, 25, 10, 15, tzinfo=ZoneInfo("Europe/Berlin"))


def test_signed_chunked_frames_and_button_end_to_end(mosquitto, micropython, tmp_path):
    node_id = "sec-e2e"
    creds = ProvisioningStore(tmp_path / "roomink-state").register(node_id)
    text = config_text({"atlas": str(EXAMPLES / "atlas.ics")}, {node_id: "atlas"})
    presses: list[tuple[str, dict]] = []
    with RunningHub(mosquitto.port, text, tmp_path, WHEN) as running:
        def on_press(node: str, message: dict) -> None:
            presses.append((node, message))
            running.hub.draw_test_screen(node, "pressed")  # the answer ends the node's wake

        running.hub.button_handler = on_press
        node = HostNode(node_id, tmp_path / "node", "4.2-bwr", "127.0.0.1", mosquitto.port)
        node.write_config(hmac_key=creds.hmac_key.hex(), max_msg=1024)  # the smallest allowed
        assert node.run_cycle(timeout=60) == 0, node.log_text
        assert running.hub.wait_for_ack(node_id, timeout=5), node.log_text
        link = running.hub.links[node_id]
        assert link.acked_seq == link.seq == 1
        assert "chunk 1/" in node.log_text and "rejected" not in node.log_text
        assert "larger than max_msg" not in node.log_text

        (node.directory / "buttons").write_text("1")
        assert node.run_cycle(timeout=60) == 0, node.log_text
        deadline = time.monotonic() + 10
        while not presses and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)  # a second (replayed) press would arrive right behind the first
    assert json.loads((node.directory / "rtc.json").read_text())["mac_seq"] == 2
    assert [(n, m["mask"], m["seq"]) for n, m in presses] == [(node_id, 1, 1)]


def test_whole_system_behind_mosquitto_acl(micropython, tmp_path):
    """Everything on: mosquitto with the generated password file and ACL, the hub logged in as
    roomink-hub, the real firmware with its own account and key. The node gets its signed
    screen and its press reaches the hub; none of its messages is refused by the ACL."""
    state = tmp_path / "roomink-state"
    node_id = "sec-acl-e2e"
    creds = ProvisioningStore(state).register(node_id)
    out = write_mosquitto_files(state, tmp_path / "mosq", "roomink")
    broker = Mosquitto(tmp_path, extra_conf=(
        f"allow_anonymous false\npassword_file {out.directory / PASSWD}\n"
        f"acl_file {out.directory / ACL}\n"))
    broker.start()
    presses: list[dict] = []
    try:
        text = config_text({"atlas": str(EXAMPLES / "atlas.ics")}, {node_id: "atlas"})
        running = RunningHub(broker.port, text, tmp_path, WHEN)
        running.transport = MqttTransport(
            with_hub_account(BrokerAddress("127.0.0.1", broker.port), state),
            running.hub.on_uplink, client_id="roomink-hub")

        with running:
            def on_press(node: str, message: dict) -> None:
                presses.append(message)
                running.hub.draw_test_screen(node, "pressed")

            running.hub.button_handler = on_press
            node = HostNode(node_id, tmp_path / "node", "2.9-bw", "127.0.0.1", broker.port)
            node.write_config(hmac_key=creds.hmac_key.hex(), username=creds.username,
                              password=creds.password)
            assert node.run_cycle(timeout=60) == 0, node.log_text
            assert running.hub.wait_for_ack(node_id, timeout=5), node.log_text
            (node.directory / "buttons").write_text("2")
            assert node.run_cycle(timeout=60) == 0, node.log_text
            assert running.hub.wait_for_ack(node_id, timeout=10), node.log_text
            status = running.hub.nodes[node_id].status
        assert [p["mask"] for p in presses] == [2]
        assert status.get("err") is None
        assert "refused" not in node.log_text and "rejected" not in node.log_text
        mosquitto_log = (tmp_path / "mosquitto.log").read_text()
        assert "not authorised" not in mosquitto_log.lower()
        assert creds.password not in mosquitto_log
    finally:
        broker.stop()
