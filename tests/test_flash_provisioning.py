"""The node credential registry (hub/provisioning.py) and the small pieces of the flasher that
need no board: broker address for the node, netcheck answers, output redaction, error table."""

from __future__ import annotations

import stat

import pytest

from hub.config import parse_config
from hub.errors import UserError
from hub.flashing.board import parse_netcheck, parse_probe
from hub.flashing.checks import node_broker, node_ca
from hub.flashing.errors import FlashError
from hub.flashing.tools import Redactor, ToolResult, classify
from hub.provisioning import HMAC_KEY_BYTES, ProvisioningStore, generate_node_id
from hub.topics import valid_node_id


def test_register_list_get_revoke(tmp_path):
    store = ProvisioningStore(tmp_path / "state")
    a = store.register()
    b = store.register("lobby")
    assert valid_node_id(a.node_id) and a.node_id.startswith("node-")
    assert b.username == "roomink-lobby" and len(b.hmac_key) == HMAC_KEY_BYTES
    assert len(b.password) >= 24 and a.password != b.password
    assert [r.node_id for r in store.list()] == sorted([a.node_id, "lobby"])
    assert store.get("lobby") == b
    again = store.register("lobby")  # re-flash: rotated secrets
    assert again.password != b.password and again.hmac_key != b.hmac_key
    assert store.revoke("lobby") and not store.revoke("lobby")
    assert store.get("lobby") is None and [r.node_id for r in store.list()] == [a.node_id]


def test_secrets_stay_private(tmp_path):
    store = ProvisioningStore(tmp_path)
    creds = store.register("lobby")
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert creds.password not in repr(creds) and creds.hmac_key.hex() not in repr(creds)
    assert creds.password not in repr(store.list())
    assert not list(tmp_path.glob(".node_credentials.*"))  # no temp file left behind


def test_bad_ids_and_damaged_file(tmp_path):
    store = ProvisioningStore(tmp_path)
    with pytest.raises(UserError, match="not a node id"):
        store.register("Lobby 1")
    store.path.write_text("{not json")
    with pytest.raises(UserError, match="damaged"):
        store.list()


def test_generated_ids_are_valid_and_differ():
    ids = {generate_node_id() for _ in range(50)}
    assert len(ids) > 45 and all(valid_node_id(i) for i in ids)


def _hub(text: str, tmp_path):
    return parse_config(text, tmp_path / "roomink.toml")


def test_node_broker_address(tmp_path, monkeypatch):
    monkeypatch.setattr("hub.flashing.checks.lan_ip", lambda: "192.168.1.10")
    embedded = _hub('[hub]\nlisten = "0.0.0.0:1884"\n', tmp_path)
    assert node_broker(embedded, None) == ("192.168.1.10", 1884)
    named = _hub('[hub]\naddress = "hub.office.lan"\n', tmp_path)
    assert node_broker(named, None) == ("hub.office.lan", 1883)
    natted = _hub('[hub]\naddress = "hub.office.lan:11883"\n', tmp_path)
    assert node_broker(natted, None) == ("hub.office.lan", 11883)
    external = _hub('[hub]\nbroker = "mqtt://mqtt.office.lan:1885"\n', tmp_path)
    assert node_broker(external, None) == ("mqtt.office.lan", 1885)
    local = _hub('[hub]\nbroker = "mqtt://127.0.0.1:1883"\n', tmp_path)
    assert node_broker(local, None) == ("192.168.1.10", 1883)  # a node cannot use loopback
    assert node_broker(local, "10.0.0.5:1999") == ("10.0.0.5", 1999)
    assert node_broker(local, "10.0.0.5") == ("10.0.0.5", 1883)
    with pytest.raises(FlashError, match="HOST:PORT"):
        node_broker(local, "10.0.0.5:x")
    tls = _hub('[hub]\nbroker = "mqtts://mqtt.office.lan"\n', tmp_path)
    assert node_broker(tls, None) == ("mqtt.office.lan", 8883)
    # TLS: the node is given the hub's CA, which must exist first.
    with pytest.raises(FlashError, match="roomink tls-ca"):
        node_ca(tls, None)
    ca = tmp_path / "roomink-state" / "tls" / "ca.pem"
    ca.parent.mkdir(parents=True)
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    assert node_ca(tls, None) == ca
    assert node_ca(local, None) is None
    assert node_ca(tls, "10.0.0.5:8883") == ca  # --broker moves the node, it keeps TLS


def test_netcheck_answers():
    assert parse_netcheck("roomink-wifi ok 10.0.0.7\nroomink-broker ok\n", "Office",
                          "h:1883") == "10.0.0.7"
    for code, kind in ((202, "wifi-password"), (15, "wifi-password"), (201, "wifi-ssid"),
                       (203, "wifi"), (1001, "wifi")):
        with pytest.raises(FlashError) as err:
            parse_netcheck(f"roomink-wifi fail {code}\n", "Office", "h:1883")
        assert err.value.kind == kind
    with pytest.raises(FlashError) as err:
        parse_netcheck("roomink-wifi ok 10.0.0.7\nroomink-broker fail [Errno 113] "
                       "EHOSTUNREACH\n", "Office", "h:1883")
    assert err.value.kind == "broker" and "EHOSTUNREACH" in str(err.value)
    with pytest.raises(FlashError, match="did not report"):
        parse_netcheck("Traceback ...", "Office", "h:1883")


def test_probe_answers():
    info = parse_probe(">>> roomink-board esp32 11014 1900544 1.24.1\n", "/dev/ttyUSB0")
    assert info.mpy.arch == "xtensawin" and info.free_bytes == 1900544
    with pytest.raises(FlashError, match="ESP32 boards"):
        parse_probe("roomink-board rp2 11014 1 1.24.1", "/dev/ttyACM0")


def test_redaction_and_unknown_tool_errors():
    redact = Redactor(["hunter22", "x"])  # too short to redact safely: ignored
    result = ToolResult(["mpremote"], 1, "line one\nconnect failed: hunter22 rejected\n")
    error = classify(result, "mpremote", {"port": "/dev/ttyUSB0"}, redact)
    assert error.kind == "tool" and "hunter22" not in str(error) and "***" in str(error)
    assert "exit 1" in str(error)
