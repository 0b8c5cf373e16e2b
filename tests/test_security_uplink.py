"""Field checks on node messages and the warn-once log; modes of every secret file."""

from __future__ import annotations

import logging
import os
import stat

from hub.booking.tokens import load_secret
from hub.cli import main
from hub.provisioning import ProvisioningStore
from hub.security.uplink import LogOnce, sanitize


def test_badly_typed_fields_are_dropped_and_required_ones_enforced():
    clean, dropped = sanitize("hello", {"profile": "4.2-bwr", "w": "400", "colors": {"a": 1},
                                        "seq": True, "extra": [1]})
    assert clean == {"profile": "4.2-bwr", "extra": [1]}
    assert sorted(dropped) == ["colors", "seq", "w"]
    assert sanitize("hello", {"profile": []})[0] is None
    assert sanitize("ack", {"seq": 3, "ok": "yes", "missing": [1, -2]}) == (
        {"seq": 3}, ["ok", "missing"])
    assert sanitize("ack", {"seq": -1})[0] is None
    assert sanitize("button", {"mask": 2**40})[0] is None
    assert sanitize("status", {"battery_mv": float("nan"), "err": None}) == (
        {"err": None}, ["battery_mv"])


def test_log_once_is_bounded(caplog):
    now = [0.0]
    once = LogOnce(logging.getLogger("t"), limit=3, window=60, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING):
        for _ in range(5):
            once.warning("a", "bad", "a is bad")
        for i in range(100):
            once.warning(f"n{i}", "unknown", "unknown %s", i)
        assert caplog.text.count("a is bad") == 1
        assert len(caplog.records) == 1 + 2 + 1  # a, n0, n1, then one "suppressed" note
        now[0] = 61
        once.warning("n99", "unknown", "unknown again")
    assert "98 more bad node messages were not logged" in caplog.text
    assert "unknown again" in caplog.text


def test_every_secret_file_is_0600(tmp_path):
    config = tmp_path / "roomink.toml"
    config.write_text('[hub]\nstate_dir = "state"\n\n[[rooms]]\nid = "a"\nname = "A"\n'
                      'calendar = "a.ics"\n')
    ProvisioningStore(tmp_path / "state").register("mode-a")
    assert main(["tls-ca", "--host", "hub.lan", "-c", str(config)]) == 0
    assert main(["acl", "-c", str(config)]) == 0
    load_secret(tmp_path / "state")  # what the hub does when booking is on
    secrets = ["node_credentials.json", "hub_credentials.json", "tls/ca.key", "tls/broker.key",
               "booking.secret"]
    for name in secrets:
        assert stat.S_IMODE(os.stat(tmp_path / "state" / name).st_mode) == 0o600, name
    for path in (tmp_path / "state").rglob("*"):
        if path.is_file():
            assert not stat.S_IMODE(path.stat().st_mode) & 0o002, f"{path} world-writable"
            if path.suffix in (".key", ".secret") or "credentials" in path.name:
                assert not stat.S_IMODE(path.stat().st_mode) & 0o077, f"{path} readable by others"


def test_a_looser_booking_secret_is_tightened_on_load(tmp_path, caplog):
    state = tmp_path / "state"
    secret = load_secret(state)
    path = state / "booking.secret"
    path.chmod(0o644)  # restored from a backup, or written under an old umask
    with caplog.at_level(logging.WARNING):
        assert load_secret(state) == secret  # same secret: the signs' links keep working
        assert load_secret(state) == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = [r.getMessage() for r in caplog.records if "booking.secret" in r.getMessage()]
    assert len(lines) == 1 and "mode 0644" in lines[0] and "0600" in lines[0], lines
    assert secret.hex() not in caplog.text
    path.write_text("not hex\n")  # damaged: replaced by a new secret, private again
    path.chmod(0o666)
    assert load_secret(state) != secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
