"""TLS: the CA and broker certificate `roomink tls-ca` makes work in a real mosquitto TLS
listener, the hub's transport connects through it trusting that CA (with its account), and
refuses a broker it cannot verify."""

from __future__ import annotations

import os
import ssl
import stat
import threading

import pytest
from cryptography import x509

from hub.cli import main
from hub.errors import UserError
from hub.mosquitto import Mosquitto, free_port, wait_port
from hub.provisioning import ProvisioningStore
from hub.security.hubaccount import hub_account
from hub.security.mosquitto_files import ACL, PASSWD, write_mosquitto_files
from hub.security.tls import make_tls, mosquitto_listener
from hub.transport import BrokerAddress, MqttTransport


@pytest.fixture
def tls_broker(tmp_path):
    state = tmp_path / "state"
    ProvisioningStore(state).register("tls-a")
    out = tmp_path / "mosq"
    write_mosquitto_files(state, out, "roomink")
    files = make_tls(state / "tls", ["localhost", "127.0.0.1"])
    port = free_port()
    broker = Mosquitto(tmp_path, extra_conf=(
        f"allow_anonymous false\npassword_file {out / PASSWD}\nacl_file {out / ACL}\n"
        + mosquitto_listener(files, port, "127.0.0.1")))
    broker.start()
    wait_port(port)
    yield state, files, port
    broker.stop()


def test_hub_connects_over_tls_trusting_the_generated_ca(tls_broker):
    state, files, port = tls_broker
    account = hub_account(state)
    url = (f"mqtts://{account.username}:{account.password}@localhost:{port}"
           f"?cafile={files.ca}")
    address = BrokerAddress.parse(url)
    assert address.tls and address.cafile == str(files.ca)
    assert account.password not in repr(address)
    got = threading.Event()
    transport = MqttTransport(address, lambda n, k, p, r: got.set() if p == b"1" else None,
                              client_id="tls-hub")
    transport.start(timeout=10)
    try:
        # the hub hears its own publish on a node's uplink topic: a full round trip over TLS
        transport._client.publish("roomink/v1/tls-a/online", b"1", qos=1).wait_for_publish(5)
        assert got.wait(10)
    finally:
        transport.stop()


def test_hub_refuses_a_broker_it_cannot_verify(tls_broker, tmp_path):
    state, files, port = tls_broker
    account = hub_account(state)
    base = f"mqtts://{account.username}:{account.password}@"
    # system CAs only: the private CA is not among them
    with pytest.raises(UserError) as err:
        MqttTransport(BrokerAddress.parse(f"{base}localhost:{port}"),
                      lambda *a: None).start(timeout=5)
    assert account.password not in str(err.value)
    # a name the certificate does not carry
    other = make_tls(tmp_path / "other", ["broker.example"])
    with pytest.raises(UserError):
        MqttTransport(BrokerAddress.parse(f"{base}localhost:{port}?cafile={other.ca}"),
                      lambda *a: None).start(timeout=5)
    with pytest.raises(UserError, match="not found"):
        MqttTransport(BrokerAddress.parse(f"{base}localhost:{port}?cafile=/nonexistent.pem"),
                      lambda *a: None)


def test_generated_files(tmp_path):
    files = make_tls(tmp_path / "tls", ["hub.lan", "192.168.1.10"])
    assert stat.S_IMODE(os.stat(files.key).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(files.ca_key).st_mode) == 0o600
    cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["hub.lan"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["192.168.1.10"]
    ca_before = files.ca.read_bytes()
    cert_before = files.cert.read_bytes()
    assert make_tls(files.directory, ["hub.lan"]).cert.read_bytes() == cert_before
    renewed = make_tls(files.directory, ["hub.lan"], renew=True)
    assert renewed.cert.read_bytes() != cert_before
    assert renewed.ca.read_bytes() == ca_before  # nodes keep trusting the same CA
    # Python's own verifier accepts the chain
    ctx = ssl.create_default_context(cafile=str(files.ca))
    assert ctx.cert_store_stats()["x509_ca"] == 1


def test_relative_config_gives_mosquitto_a_tls_listener_it_can_load(tmp_path, monkeypatch):
    """`roomink tls-ca` and `roomink acl -c roomink.toml` run in the config's folder; mosquitto
    runs elsewhere and must still find the CA, certificate and key named in roomink.conf."""
    (tmp_path / "roomink.toml").write_text('[hub]\nstate_dir = "state"\n\n[[rooms]]\n'
                                           'id = "a"\nname = "A"\ncalendar = "a.ics"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["tls-ca", "--host", "localhost", "-c", "roomink.toml"]) == 0
    assert main(["acl", "-c", "roomink.toml"]) == 0
    generated = (tmp_path / "state" / "mosquitto" / "roomink.conf").read_text()
    port = free_port()
    workdir = tmp_path / "broker"
    workdir.mkdir()
    broker = Mosquitto(workdir, extra_conf=generated.replace(
        "listener 8883", f"listener {port} 127.0.0.1"))  # the test must not take port 8883
    monkeypatch.chdir(workdir)
    broker.start()
    try:
        wait_port(port)
        account = hub_account(tmp_path / "state")
        ca = tmp_path / "state" / "tls" / "ca.pem"
        url = f"mqtts://{account.username}:{account.password}@localhost:{port}?cafile={ca}"
        transport = MqttTransport(BrokerAddress.parse(url), lambda *a: None, client_id="rel")
        transport.start(timeout=10)
        transport.stop()
    finally:
        broker.stop()
