"""Whether a flashed node talks TLS to its broker: as the hub does unless --tls/--no-tls says
otherwise, and never dropped silently because --broker names the node's address."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import HubConfig, parse_config
from hub.flashing.checks import node_broker, node_ca
from hub.flashing.errors import FlashError


def hub(tmp_path: Path, broker: str, ca: bool = True) -> HubConfig:
    config = parse_config(f'[hub]\nbroker = "{broker}"\nstate_dir = "{tmp_path / "state"}"\n',
                          tmp_path / "roomink.toml")
    if ca:
        path = tmp_path / "state" / "tls" / "ca.pem"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("-----BEGIN CERTIFICATE-----\n")
    return config


def test_a_tls_hub_keeps_tls_for_the_node_with_or_without_broker(tmp_path):
    tls = hub(tmp_path, "mqtts://mqtt.office.lan:8883")
    ca = tmp_path / "state" / "tls" / "ca.pem"
    assert node_ca(tls, None) == ca
    assert node_ca(tls, "10.0.0.5:8883") == ca
    assert node_ca(tls, "10.0.0.5", tls=True) == ca
    # --broker without a port: the TLS port for a TLS node, MQTT's for a plain one
    assert node_broker(tls, "10.0.0.5", tls=True) == ("10.0.0.5", 8883)
    assert node_broker(tls, "10.0.0.5") == ("10.0.0.5", 1883)


def test_no_tls_is_an_explicit_choice_that_needs_a_plain_listener(tmp_path):
    tls = hub(tmp_path, "mqtts://mqtt.office.lan:8883")
    assert node_ca(tls, "10.0.0.5:1883", tls=False) is None
    with pytest.raises(FlashError, match="--no-tls: .*add --broker HOST:PORT"):
        node_ca(tls, None, tls=False)


def test_tls_on_a_plain_hub_needs_the_tls_listener_and_the_ca(tmp_path):
    plain = hub(tmp_path, "mqtt://127.0.0.1:1883")
    assert node_ca(plain, None) is None and node_ca(plain, "10.0.0.5") is None
    assert node_ca(plain, "hub.office.lan:8883", tls=True) == (
        tmp_path / "state" / "tls" / "ca.pem")
    with pytest.raises(FlashError, match="--tls: .*add --broker HOST:PORT .*8883"):
        node_ca(plain, None, tls=True)
    (tmp_path / "state" / "tls" / "ca.pem").unlink()
    with pytest.raises(FlashError, match="--tls was given but .*ca.pem is missing: run "
                                         "`roomink tls-ca`"):
        node_ca(plain, "hub.office.lan:8883", tls=True)


def test_the_embedded_broker_has_no_tls(tmp_path):
    embedded = hub(tmp_path, "embedded")
    assert node_ca(embedded, None) is None
    with pytest.raises(FlashError, match="--tls: the hub's broker is not mqtts://"):
        node_ca(embedded, None, tls=True)
