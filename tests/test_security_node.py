"""The real firmware (MicroPython unix port) with an HMAC key, against real mosquitto: signed
frames are drawn, forged and replayed ones are rejected and leave the panel as it was, button
events carry a MAC the hub accepts."""

from __future__ import annotations

import json

from hub.security.mac import sign_message, verify_button
from renderer.frame import Frame, encode_ctl, encode_frame
from tests.fw_node import (
    Hub,
    assert_same_image,
    expected_rgb,
    finish,
    make_node_dir,
    panel_rgb,
    start_node,
)

PANEL = (400, 300)
KEY = bytes(range(1, 33))
PLANE = 400 * 300 // 8


def _planes(fill: int) -> bytes:
    return bytes([fill]) * PLANE + bytes(PLANE)


def _frame(seq: int, fill: int, key: bytes | None = KEY) -> bytes:
    (msg,) = encode_frame(Frame(seq, PANEL, (0, 0, *PANEL), (1, 2), _planes(fill)),
                          max_msg=65536)
    return sign_message(msg, key, "frame") if key else msg


def _ctl(seq: int, wake_id: int) -> bytes:
    return sign_message(encode_ctl(seq, 1_800_000_060, 1_800_000_000, wake_id), KEY, "ctl")


def _wake(micropython, hub: Hub, node_dir, frames: list[bytes], ctl_seq: int) -> tuple[dict, str]:
    proc = start_node(micropython, node_dir)
    hello = hub.wait_json("hello")
    for f in frames:
        hub.publish("frame", f)
    hub.publish("ctl", _ctl(ctl_seq, hello["wake_id"]), retain=True)
    return hello, finish(proc)


def _shows(node_dir, fill: int) -> None:
    assert_same_image(panel_rgb(node_dir), expected_rgb(_planes(fill), *PANEL, (1, 2)))


def test_forged_and_replayed_frames_are_rejected(micropython, mosquitto, tmp_path):
    node = "sec-fw-replay"
    node_dir = make_node_dir(tmp_path, node, mosquitto.port, hmac_key=KEY.hex())
    hub = Hub(mosquitto.port, node)
    try:
        frame3 = _frame(3, 0x0F)
        _wake(micropython, hub, node_dir, [frame3], 3)
        assert hub.wait_json("ack") == {"seq": 3, "ok": True}
        assert hub.wait_json("status")["err"] is None
        _shows(node_dir, 0x0F)

        # forged: a frame signed with another key, an unsigned one, a ctl passed off as a frame
        wrong = _frame(4, 0xF0, key=bytes(32))
        unsigned = _frame(5, 0xF0, key=None)
        ctl_as_frame = _ctl(6, 1)
        _, out = _wake(micropython, hub, node_dir, [wrong, unsigned, ctl_as_frame], 3)
        acks = [hub.wait_json("ack") for _ in range(3)]
        assert [(a["seq"], a["ok"], a["err"]) for a in acks] == [
            (4, False, "mac"), (5, False, "mac"), (6, False, "mac")]
        assert "MAC mismatch" in out and "carries no MAC" in out
        assert hub.wait_json("status")["err"] == "mac"
        _shows(node_dir, 0x0F)

        # a new authentic frame, then the old one replayed: rejected, panel keeps frame 7
        _wake(micropython, hub, node_dir, [_frame(7, 0x3C)], 7)
        assert hub.wait_json("ack") == {"seq": 7, "ok": True}
        _shows(node_dir, 0x3C)
        assert json.loads((node_dir / "rtc.json").read_text())["mac_seq"] == 7
        hello, _ = _wake(micropython, hub, node_dir, [frame3], 7)
        assert hello["mac_seq"] == 7  # a hub that lost its state continues above it
        assert hub.wait_json("ack") == {"seq": 3, "ok": False, "err": "replay",
                                        "msg": "frame 3 is older than frame 7"}
        _shows(node_dir, 0x3C)
    finally:
        hub.close()


def test_forged_ctl_is_ignored(micropython, mosquitto, tmp_path):
    """An unsigned ctl must not end the wake or set the wake time."""
    node = "sec-fw-ctl"
    node_dir = make_node_dir(tmp_path, node, mosquitto.port, hmac_key=KEY.hex(), max_awake_s=4)
    hub = Hub(mosquitto.port, node)
    try:
        proc = start_node(micropython, node_dir)
        hello = hub.wait_json("hello")
        hub.publish("ctl", encode_ctl(0, 1_800_000_010, 1_800_000_000, hello["wake_id"]),
                    retain=True)
        out = finish(proc)
        assert "ctl" in out and "carries no MAC" in out
        assert "max awake time reached" in out
        sleep = json.loads((node_dir / "sleep.json").read_text())
        assert sleep["reason"] != "wake_at"
    finally:
        hub.client.publish(hub.topic("ctl"), b"", qos=1, retain=True).wait_for_publish(5)
        hub.close()


def test_button_event_is_signed(micropython, mosquitto, tmp_path):
    node = "sec-fw-button"
    node_dir = make_node_dir(tmp_path, node, mosquitto.port, hmac_key=KEY.hex())
    hub = Hub(mosquitto.port, node)
    try:
        _wake(micropython, hub, node_dir, [_frame(2, 0x0F)], 2)
        (node_dir / "buttons").write_text("2")
        proc = start_node(micropython, node_dir)
        hello = hub.wait_json("hello")
        event = hub.wait_json("button")
        hub.publish("frame", _frame(3, 0xF0))  # the hub's answer to the press ends the wake
        hub.publish("ctl", _ctl(3, hello["wake_id"]), retain=True)
        finish(proc)
        assert event["mask"] == 2 and event["seq"] == 2 and event["wake_id"] == hello["wake_id"]
        assert verify_button(event, KEY, node)
        assert not verify_button(event, bytes(32), node)
    finally:
        hub.close()
