"""Fuzz: 12,000 malformed messages on the hub's uplink topics, published in bulk (QoS 0) to a
real mosquitto while `roomink run` serves a registered node. The hub must stay up, keep
serving that node, keep its memory flat (RSS of the hub process before/after), log each
kind of problem once (no tracebacks, no log flood) and never log a secret."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from hub.mosquitto import Mosquitto
from hub.provisioning import ProvisioningStore
from hub.simnode import SimNode
from renderer.profiles import get_profile
from tests.hubharness import HubProcess, quiet_calendar, wait_until

NODE = "fuzz-real"
WARMUP, ROUNDS = 2_000, 10_000


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def malformed(rng: random.Random, known: list[str]) -> tuple[str, bytes]:
    """One hostile (topic, payload): bad JSON, wrong types, huge values, unknown ids."""
    if rng.random() < 0.05:  # the hub's command topic (ACL: the hub's account only)
        return "roomink/hub/cmd", rng.choice([
            rng.randbytes(rng.randrange(0, 200)), b"{}", b'{"cmd": 5}', b"[1]",
            json.dumps({"cmd": rng.choice(["draw", "assign", "redraw", "poll", "x"]),
                        "node": rng.choice(["UPPER", "", "a" * 40, 7, None]),
                        "room": rng.choice([None, [], "nope"]), "text": {"a": 1}}).encode()])
    kind = rng.choice(["hello", "status", "ack", "button", "online"])
    node = rng.choice(known + [f"x{rng.getrandbits(40):x}", "UPPER", "a" * 40, ""])
    topic = f"roomink/v1/{node}/{kind}"
    if rng.random() < 0.05:
        topic = rng.choice([f"roomink/v1/{node}/{kind}/extra", f"roomink/v2/{node}/{kind}",
                            f"roomink/v1/{node}/frame"])
    choice = rng.randrange(12)
    if choice == 0:
        payload = rng.randbytes(rng.randrange(0, 600))
    elif choice == 1:
        payload = b"[" * rng.randrange(900, 4000)  # deep nesting
    elif choice == 2:
        payload = b'{"seq": ' + b"9" * rng.randrange(10, 5000) + b"}"  # giant number
    elif choice == 3:
        payload = json.dumps({"x": "y" * rng.randrange(4000, 9000)}).encode()  # oversized
    elif choice == 4:
        payload = json.dumps({"profile": [], "w": "400", "h": -1, "colors": {"a": 1},
                              "wbits": 1e9, "max_msg": None, "seq": "7",
                              "wake_id": -3}).encode()
    elif choice == 5:
        payload = json.dumps({"seq": rng.randrange(-5, 10), "ok": rng.choice([1, "yes", None]),
                              "missing": rng.choice([list(range(5000)), "all", [-1, 2**40]])}
                             ).encode()
    elif choice == 6:
        payload = json.dumps({"mask": rng.randrange(16), "seq": None, "wake_id": 1,
                              "mac": f"{rng.getrandbits(128):032x}"}).encode()
    elif choice == 7:
        payload = b'{"battery_mv": NaN, "rssi": Infinity, "err": ["x"], "msg": {}}'
    elif choice == 8:
        payload = json.dumps([1, 2, 3]).encode()
    elif choice == 9:
        payload = b"\xff\xfe" + "é".encode("utf-16")
    elif choice == 10:
        payload = json.dumps({"v": 1, "profile": "4.2-bwr", "w": 400, "h": 300,
                              "wake_id": rng.getrandbits(32)}).encode()  # plausible, unknown id
    else:
        payload = b""
    return topic, payload


def blast(port: int, messages: list[tuple[str, bytes]]) -> None:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="fuzzer")
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    for topic, payload in messages:
        client.publish(topic, payload, qos=0)
    # a QoS 1 message after all of them: once it is acknowledged, the broker has them all
    client.publish("roomink/v1/fuzz-end/status", b"{}", qos=1).wait_for_publish(30)
    client.loop_stop()
    client.disconnect()


@pytest.fixture
def flood_broker(tmp_path):
    """A broker that queues every message for the hub: with mosquitto's default of 1,000
    queued messages per client it would drop most of the flood before the hub saw it."""
    (tmp_path / "broker").mkdir()
    broker = Mosquitto(tmp_path / "broker", max_queued=0)
    broker.start()
    yield broker
    broker.stop()


def assert_nothing_dropped(broker: Mosquitto) -> None:
    log = (broker.workdir / "mosquitto.log").read_text()
    assert "dropped" not in log, "the broker dropped messages: the hub did not get them all"


def test_hub_survives_12000_malformed_messages(flood_broker, tmp_path):
    mosquitto = flood_broker
    state = tmp_path / "state"
    creds = ProvisioningStore(state).register(NODE)
    config = tmp_path / "roomink.toml"
    config.write_text(
        f'[hub]\nbroker = "{mosquitto.url}"\ntimezone = "Europe/Berlin"\nstate_dir = "state"\n\n'
        f'[[rooms]]\nid = "atlas"\nname = "Atlas"\ncalendar = "{quiet_calendar(tmp_path)}"\n\n'
        f'[[nodes]]\nid = "{NODE}"\nroom = "atlas"\n')
    hub = HubProcess(config, tmp_path / "hub.log").start()
    rng = random.Random(11)
    known = [NODE, "fuzz-other"]
    node = SimNode(NODE, get_profile("4.2-bwr"), "127.0.0.1", mosquitto.port)
    try:
        node.start()
        assert node.acked.wait(15), "the node got no screen before the fuzz"
        calendar_crc = node.crc

        blast(mosquitto.port, [malformed(rng, known) for _ in range(WARMUP)])
        time.sleep(1.0)
        before = rss_kb(hub.proc.pid)
        started = time.monotonic()
        blast(mosquitto.port, [malformed(rng, known) for _ in range(ROUNDS)])
        # still serving: an admin's test screen reaches the node, queued behind the fuzz
        frames = node.frames
        draw = subprocess.run([sys.executable, "-m", "hub", "draw", NODE, "after the fuzz",
                               "-c", str(config)], capture_output=True, text=True, timeout=30)
        assert draw.returncode == 0, draw.stderr
        # The draw is handled after every fuzz message, so the node ends on the test screen.
        # (A forged hello in the fuzz may have made the hub send the calendar screen again.)
        assert wait_until(lambda: node.crc != calendar_crc, 20), "the hub stopped serving"
        took = time.monotonic() - started
        time.sleep(0.5)
        after = rss_kb(hub.proc.pid)
        assert hub.proc.poll() is None, "the hub died"
        assert node.frames >= frames + 1 and node.crc != calendar_crc
        assert_nothing_dropped(mosquitto)  # all 12,000 reached the hub, before the draw
        print(f"fuzz: {ROUNDS} messages handled in {took:.1f} s; hub RSS {before} kB -> "
              f"{after} kB ({after - before:+d} kB)")
        assert after - before < 4096, f"hub RSS grew {after - before} kB"
    finally:
        node.stop()
        hub.stop()
    log = hub.log
    assert "Traceback" not in log and "error handling" not in log, log[-3000:]
    lines = log.splitlines()
    print(f"fuzz: {len(lines)} hub log lines")
    assert len(lines) < 1000, f"{len(lines)} log lines for {WARMUP + ROUNDS} bad messages"
    assert creds.password not in log and creds.hmac_key.hex() not in log


def test_deeply_nested_hub_command_does_not_deafen_the_hub(mosquitto, tmp_path):
    """JSON nested past Python's recursion limit on the command topic once killed paho's
    network thread: the process lived on, deaf. The hub must still hear commands after it."""
    config = tmp_path / "roomink.toml"
    config.write_text(
        f'[hub]\nbroker = "{mosquitto.url}"\ntimezone = "Europe/Berlin"\n\n'
        f'[[rooms]]\nid = "atlas"\nname = "Atlas"\ncalendar = "{quiet_calendar(tmp_path)}"\n\n'
        f'[[nodes]]\nid = "fuzz-cmd"\nroom = "atlas"\n')
    hub = HubProcess(config, tmp_path / "hub.log").start()
    node = SimNode("fuzz-cmd", get_profile("4.2-bwr"), "127.0.0.1", mosquitto.port)
    try:
        node.start()
        assert node.acked.wait(15)
        blast(mosquitto.port, [("roomink/hub/cmd", b"[" * 5000), ("roomink/hub/cmd", b"{" * 9)])
        frames = node.frames
        node.acked.clear()
        draw = subprocess.run([sys.executable, "-m", "hub", "draw", "fuzz-cmd", "still here",
                               "-c", str(config)], capture_output=True, text=True, timeout=30)
        assert draw.returncode == 0, draw.stderr
        assert node.acked.wait(20), "the hub no longer hears its command topic"
        assert node.frames == frames + 1
    finally:
        node.stop()
        hub.stop()
