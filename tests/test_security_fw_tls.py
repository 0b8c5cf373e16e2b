"""The node side of TLS under real MicroPython (mbedTLS, as on the ESP32): firmware/tls.py
trusts the CA `roomink tls-ca` makes, logs in to a real mosquitto TLS listener with its node
account, and refuses a broker signed by another CA or named differently."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from hub.mosquitto import Mosquitto, free_port, wait_port
from hub.provisioning import ProvisioningStore
from hub.security.mosquitto_files import ACL, PASSWD, write_mosquitto_files
from hub.security.tls import make_tls, mosquitto_listener

ROOT = Path(__file__).resolve().parent.parent


def run(micropython, ca, host, port, user, pw) -> dict:
    out = subprocess.run([micropython, str(ROOT / "tests" / "fw_tls.py"), str(ROOT / "firmware"),
                          str(ca), host, str(port), user, pw],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def tls_broker(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fwtls")
    state = tmp / "state"
    creds = ProvisioningStore(state).register("fw-tls")
    write_mosquitto_files(state, tmp / "m", "roomink")
    files = make_tls(state / "tls", ["broker.lan", "127.0.0.1"])
    port = free_port()
    broker = Mosquitto(tmp, extra_conf=(
        f"allow_anonymous false\npassword_file {tmp / 'm' / PASSWD}\n"
        f"acl_file {tmp / 'm' / ACL}\n" + mosquitto_listener(files, port, "127.0.0.1")))
    broker.start()
    wait_port(port)
    yield tmp, files, port, creds
    broker.stop()


def test_node_logs_in_over_tls(micropython, tls_broker):
    _, files, port, creds = tls_broker
    for host in ("broker.lan", "127.0.0.1"):  # a DNS name and an IP address in the SAN
        assert run(micropython, files.ca, host, port, creds.username, creds.password) == {
            "connack": 0}
    assert run(micropython, files.ca, "broker.lan", port, creds.username, "wrong") == {
        "connack": 5}  # not authorized: TLS is not a substitute for the node's password


def test_node_refuses_untrusted_brokers(micropython, tls_broker):
    tmp, files, port, creds = tls_broker
    other = make_tls(tmp / "other-ca", ["broker.lan"])
    got = run(micropython, other.ca, "broker.lan", port, creds.username, creds.password)
    assert got["error"].startswith("tls:")
    got = run(micropython, files.ca, "evil.example", port, creds.username, creds.password)
    assert got["error"].startswith("tls:")


def test_node_wake_cycle_over_tls_with_its_account(micropython, tls_broker, tmp_path):
    """The whole wake cycle of the real firmware over TLS: the hub (its own account, trusting
    the generated CA) sends a signed screen, the node (its account, `tls`, ca.pem beside its
    config) verifies, shows and acks it."""
    import shutil
    import threading
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from hub.config import parse_config
    from hub.hostnode import HostNode
    from hub.security.hubaccount import with_hub_account
    from hub.service import Hub
    from hub.transport import BrokerAddress, MqttTransport
    from tests.hubharness import EXAMPLES, config_text

    tmp, files, port, creds = tls_broker
    state = tmp / "state"
    text = config_text({"atlas": str(EXAMPLES / "atlas.ics")}, {"fw-tls": "atlas"})
    text = text.replace('[hub]\n', f'[hub]\nstate_dir = "{state}"\n', 1)
    config = parse_config(text, tmp_path / "hub.toml")
    when = datetime(2026, 11, 25, 10, 15, tzinfo=ZoneInfo("Europe/Berlin"))
    hub = Hub(config, clock=lambda: when.timestamp())
    address = with_hub_account(BrokerAddress("127.0.0.1", port, tls=True, cafile=str(files.ca)),
                               state)
    transport = MqttTransport(address, hub.on_uplink, client_id="roomink-hub-tls-test")
    stop = threading.Event()
    worker = threading.Thread(target=hub.run, args=(stop,), daemon=True)
    transport.start()
    hub.publisher = transport
    worker.start()
    try:
        node = HostNode("fw-tls", tmp_path / "node", "4.2-bwr", "127.0.0.1", port)
        node.write_config(tls=True, username=creds.username, password=creds.password,
                          hmac_key=creds.hmac_key.hex())
        shutil.copyfile(files.ca, node.directory / "ca.pem")
        assert node.run_cycle(timeout=60) == 0, node.log_text
        assert hub.wait_for_ack("fw-tls", timeout=10), node.log_text
        assert node.panel_png.exists()
    finally:
        stop.set()
        worker.join(timeout=5)
        transport.stop()
