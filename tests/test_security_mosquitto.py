"""Generated password file + ACL in a real mosquitto: a node's credentials reach only its own
topics, the hub's reach everything, strangers and revoked nodes cannot log in."""

from __future__ import annotations

import os
import signal
import stat
import time

import pytest

from hub.cli import main
from hub.mosquitto import Mosquitto
from hub.provisioning import ProvisioningStore
from hub.security.acl import allowed
from hub.security.hubaccount import hub_account
from hub.security.mosquitto_files import ACL, PASSWD, write_mosquitto_files
from hub.security.passwd import check_password, hash_password
from tests.security_clients import Client


@pytest.fixture
def secured(tmp_path):
    state = tmp_path / "state"
    store = ProvisioningStore(state)
    a, b = store.register("sec-a"), store.register("sec-b")
    out = tmp_path / "mosq"
    write_mosquitto_files(state, out, "roomink")
    broker = Mosquitto(tmp_path, extra_conf=(
        f"allow_anonymous false\npassword_file {out / PASSWD}\nacl_file {out / ACL}\n"))
    broker.start()
    clients: list[Client] = []

    def connect(name, user=None, pw=None):
        client = Client(broker.port, name, user, pw)
        clients.append(client)
        return client

    yield broker, store, state, out, a, b, connect
    for c in clients:
        c.close()
    broker.stop()


def test_node_reaches_only_its_own_topics(secured):
    broker, store, state, out, a, b, connect = secured
    hub = connect("roomink-hub", *vars(hub_account(state)).values())
    assert hub.ok
    hub.subscribe("roomink/v1/#")
    node_a = connect("roomink-sec-a", a.username, a.password)
    node_b = connect("roomink-sec-b", b.username, b.password)
    assert node_a.ok and node_b.ok

    # A tries to read B's frames: directly, and through wildcards
    node_a.subscribe("roomink/v1/sec-b/frame")
    node_a.subscribe("roomink/v1/+/frame")
    node_a.subscribe("roomink/#")
    node_a.subscribe("roomink/v1/sec-a/frame")
    node_b.subscribe("roomink/v1/sec-b/frame")
    # mosquitto 2.0 grants such subscriptions but delivers nothing through them: the
    # delivery is what matters
    hub.publish("roomink/v1/sec-b/frame", b"b's meetings")
    hub.publish("roomink/v1/sec-a/frame", b"a's meetings")
    node_b.wait_for("roomink/v1/sec-b/frame")
    node_a.wait_for("roomink/v1/sec-a/frame")
    assert node_a.got == [("roomink/v1/sec-a/frame", b"a's meetings")]

    # A tries to speak for B, to draw on B, and to send the hub commands
    for topic in ("roomink/v1/sec-b/hello", "roomink/v1/sec-b/button", "roomink/v1/sec-b/frame",
                  "roomink/v1/sec-a/frame", "roomink/v1/sec-b/ctl", "roomink/hub/cmd"):
        node_a.publish(topic, b"forged")
    node_a.publish("roomink/v1/sec-a/hello", b"mine")
    hub.wait_for("roomink/v1/sec-a/hello")
    time.sleep(0.2)  # anything forged was sent before the marker; give stragglers a moment
    forged = [t for t, p in hub.got if p == b"forged"]
    assert forged == []
    assert [p for t, p in node_b.got] == [b"b's meetings"]


def test_strangers_wrong_passwords_and_revoked_nodes_cannot_log_in(secured):
    broker, store, state, out, a, b, connect = secured
    assert not connect("anon").ok
    assert not connect("roomink-sec-a", a.username, b.password).ok
    assert not connect("x", "roomink-hub", a.password).ok
    held = connect("roomink-sec-b", b.username, b.password)
    assert held.ok
    held.subscribe("roomink/v1/sec-b/frame")
    hub = connect("roomink-hub", *vars(hub_account(state)).values())

    store.revoke("sec-b")
    write_mosquitto_files(state, out, "roomink")
    assert broker.proc is not None
    os.kill(broker.proc.pid, signal.SIGHUP)  # what `systemctl reload mosquitto` does
    deadline = time.monotonic() + 10
    while connect("roomink-sec-b2", b.username, b.password).ok:
        assert time.monotonic() < deadline, "revoked node can still log in"
        time.sleep(0.1)
    assert connect("roomink-sec-a", a.username, a.password).ok
    assert "sec-b" not in (out / ACL).read_text()
    # the connection the revoked node still holds has lost its ACL entries: nothing arrives
    hub.publish("roomink/v1/sec-b/frame", b"after revoke")
    time.sleep(0.5)
    assert held.got == []


def test_files_modes_and_hash_format(tmp_path):
    state = tmp_path / "state"
    creds = ProvisioningStore(state).register("sec-m")
    written = write_mosquitto_files(state, tmp_path / "m", "roomink")
    assert written.nodes == 1
    for name in (PASSWD, ACL):
        assert stat.S_IMODE(os.stat(tmp_path / "m" / name).st_mode) == 0o640
    assert stat.S_IMODE(os.stat(state / "hub_credentials.json").st_mode) == 0o600
    passwd = (tmp_path / "m" / PASSWD).read_text()
    assert creds.password not in passwd
    line = next(x for x in passwd.splitlines() if x.startswith(creds.username + ":"))
    assert check_password(creds.password, line.split(":", 1)[1])
    assert not check_password("wrong", line.split(":", 1)[1])
    fixed = hash_password("pw", iterations=101, salt=b"\0" * 12)
    assert fixed.startswith("$7$101$AAAAAAAAAAAAAAAA$")


def test_rule_function_matches_the_acl_intent():
    nodes = {"sec-a", "sec-b"}
    rule = lambda u, t, a: allowed(u, t, a, prefix="roomink", nodes=nodes)  # noqa: E731
    assert rule("roomink-sec-a", "roomink/v1/sec-a/frame", "read")
    assert rule("roomink-sec-a", "roomink/v1/sec-a/button", "write")
    assert not rule("roomink-sec-a", "roomink/v1/sec-a/frame", "write")
    assert not rule("roomink-sec-a", "roomink/v1/sec-b/frame", "read")
    assert not rule("roomink-sec-a", "roomink/v1/+/frame", "read")
    assert not rule("roomink-sec-c", "roomink/v1/sec-c/hello", "write")
    assert not rule(None, "roomink/v1/sec-a/hello", "write")
    assert rule("roomink-hub", "roomink/v1/+/hello", "read")
    assert rule("roomink-hub", "roomink/#", "read")
    assert not rule("roomink-hub", "$SYS/broker/uptime", "read")


def test_cli_revoke_locks_the_node_out_of_mosquitto_after_a_reload(tmp_path, capsys):
    """The admin's path: `roomink acl -o DIR`, mosquitto includes DIR, `roomink revoke`, reload
    (SIGHUP, what `systemctl reload mosquitto` sends): the node's login is refused."""
    out = tmp_path / "etc-mosquitto"
    broker = Mosquitto(tmp_path, extra_conf=f"include_dir {out}\n")
    config = tmp_path / "roomink.toml"
    config.write_text(f'[hub]\nbroker = "{broker.url}"\nstate_dir = "state"\n\n[[rooms]]\n'
                      'id = "atlas"\nname = "Atlas"\ncalendar = "atlas.ics"\n')
    store = ProvisioningStore(tmp_path / "state")
    a, b = store.register("cli-rv-a"), store.register("cli-rv-b")
    assert main(["acl", "-c", str(config), "-o", str(out)]) == 0
    broker.start()
    clients: list[Client] = []
    try:
        def login(creds) -> bool:
            clients.append(Client(broker.port, creds.username + "-probe", creds.username,
                                  creds.password))
            return clients[-1].ok

        assert login(a) and login(b)
        capsys.readouterr()
        assert main(["revoke", "cli-rv-b", "-c", str(config)]) == 0
        said = capsys.readouterr().out
        assert f"rewrote {out}" in said and "sudo systemctl reload mosquitto" in said, said
        assert "until reloaded" in said and "embedded" not in said, said
        assert broker.proc is not None
        os.kill(broker.proc.pid, signal.SIGHUP)
        deadline = time.monotonic() + 10
        while login(b):
            assert time.monotonic() < deadline, "revoked node can still log in after reload"
            time.sleep(0.1)
        assert login(a)
        clients.append(Client(broker.port, "anon-probe", None, None))
        assert not clients[-1].ok  # mosquitto really reads roomink.conf
    finally:
        for client in clients:
            client.close()
        broker.stop()
