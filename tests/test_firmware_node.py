"""Wake-cycle behaviour of the real firmware (MicroPython unix port) against real mosquitto:
hello/status contents, buttons, sleep planning, broker down, bad config, stuck panel."""

from __future__ import annotations

import json
import subprocess

from PIL import Image

from renderer.frame import Frame, encode_ctl, encode_frame
from tests.conftest import free_port
from tests.fw_node import MAIN, Hub, finish, make_node_dir, start_node

PANEL = (400, 300)


def _frame(seq: int, fill: int = 0x0F) -> bytes:
    planes = bytes([fill]) * (400 * 300 // 8) + bytes(400 * 300 // 8)
    (msg,) = encode_frame(Frame(seq, PANEL, (0, 0, *PANEL), (1, 2), planes), max_msg=65536)
    return msg


def _answer(hub: Hub, proc: subprocess.Popen, frames: list[bytes], seq: int, wake_at: int,
            now: int) -> tuple[dict, str]:
    hello = hub.wait_json("hello")
    for f in frames:
        hub.publish("frame", f)
    hub.publish("ctl", encode_ctl(seq, wake_at, now, hello["wake_id"]), retain=True)
    return hello, finish(proc)


def test_hello_and_status_contents(micropython, mosquitto, tmp_path):
    node = "fwn-hello"
    node_dir = make_node_dir(tmp_path, node, mosquitto.port, max_msg=8192, wbits=11)
    (node_dir / "battery_mv").write_text("3870")
    hub = Hub(mosquitto.port, node)
    try:
        proc = start_node(micropython, node_dir)
        hello, _ = _answer(hub, proc, [_frame(1)], 1, 1_800_000_300, 1_800_000_000)
        assert hello["v"] == 1 and hello["fw"] == "0.1.0"
        assert (hello["profile"], hello["ctrl"], hello["w"], hello["h"]) == (
            "4.2-bwr", "uc8176", 400, 300)
        assert hello["colors"] == ["black", "red"]
        assert (hello["max_msg"], hello["wbits"]) == (8192, 11)
        assert hello["layouts"] == [0, 1]  # rows and columns (frame key 15)
        assert isinstance(hello["heap"], int) and hello["heap"] > 0
        assert isinstance(hello["wake_id"], int)
        status = hub.wait_json("status")
        assert status["battery_mv"] == 3870 and isinstance(status["rssi"], int)
        assert status["wake"] == "power" and status["seq"] == 1 and status["err"] is None
        assert 0 <= status["uptime_ms"] < 20000
        online = [(p, r) for leaf, p, r in hub.log if leaf == "online"]
        assert online[0][0] == b"1" and online[-1][0] == b"0"  # awake, then going to sleep

        # second wake: timer wake, new wake_id, sleeps until wake_at (hub clock)
        proc = start_node(micropython, node_dir)
        hello2, _ = _answer(hub, proc, [], 1, 1_800_000_120, 1_800_000_000)
        assert hello2["wake_id"] == (hello["wake_id"] + 1) & 0xFFFFFFFF
        assert hub.wait_json("status")["wake"] == "timer"
        assert json.loads((node_dir / "sleep.json").read_text()) == {
            "sleep_s": 120, "reason": "wake_at"}
    finally:
        hub.close()


def test_wake_at_is_capped_by_max_sleep(micropython, mosquitto, tmp_path):
    node = "fwn-cap"
    node_dir = make_node_dir(tmp_path, node, mosquitto.port, max_sleep_s=600)
    hub = Hub(mosquitto.port, node)
    try:
        proc = start_node(micropython, node_dir)
        _answer(hub, proc, [_frame(1)], 1, 1_800_086_400, 1_800_000_000)  # a day ahead
        sleep = json.loads((node_dir / "sleep.json").read_text())
        assert sleep["sleep_s"] == 600 and "capped" in sleep["reason"]
    finally:
        hub.close()


def test_stale_retained_ctl_does_not_end_the_wake_early(micropython, mosquitto, tmp_path):
    """The retained ctl of the last wake says "seq 1, shown": the node must still wait for
    the ctl answering this wake's hello, so the frame the hub sends now is not missed."""
    node = "fwn-stale"
    node_dir = make_node_dir(tmp_path, node, mosquitto.port)
    hub = Hub(mosquitto.port, node)
    try:
        proc = start_node(micropython, node_dir)
        _answer(hub, proc, [_frame(1)], 1, 1_800_000_060, 1_800_000_000)
        proc = start_node(micropython, node_dir)
        _answer(hub, proc, [_frame(2, 0xF0)], 2, 1_800_000_060, 1_800_000_000)
        acks = [json.loads(p) for leaf, p, _ in hub.log if leaf == "ack"]
        assert acks[-1] == {"seq": 2, "ok": True}
    finally:
        hub.close()


def test_button_wake_publishes_event(micropython, mosquitto, tmp_path):
    node = "fwn-button"
    node_dir = make_node_dir(tmp_path, node, mosquitto.port)
    hub = Hub(mosquitto.port, node)
    try:
        proc = start_node(micropython, node_dir)
        _answer(hub, proc, [_frame(4)], 4, 1_800_000_060, 1_800_000_000)
        (node_dir / "buttons").write_text("5")  # buttons 1 and 3 held
        proc = start_node(micropython, node_dir)
        _answer(hub, proc, [], 4, 1_800_000_060, 1_800_000_000)
        assert hub.wait_json("button") == {"mask": 5, "seq": 4}
        statuses = [json.loads(p) for leaf, p, _ in hub.log if leaf == "status"]
        assert statuses[-1]["wake"] == "button"
        assert not (node_dir / "buttons").exists()  # the press was consumed
    finally:
        hub.close()


def test_broker_down_retries_then_sleeps_with_backoff(micropython, tmp_path):
    port = free_port()  # nothing listens here
    node_dir = make_node_dir(tmp_path, "fwn-down", port, connect_tries=2)
    out = finish(start_node(micropython, node_dir))
    assert out.count("try ") == 2 and "Traceback" not in out
    first = json.loads((node_dir / "sleep.json").read_text())
    assert first["sleep_s"] == 60 and "broker unreachable" in first["reason"]
    finish(start_node(micropython, node_dir))
    second = json.loads((node_dir / "sleep.json").read_text())
    assert second["sleep_s"] == 120 and "2 wakes" in second["reason"]


def test_bad_config_shows_error_screen_and_waits(micropython, tmp_path):
    node_dir = tmp_path / "bad"
    node_dir.mkdir()
    (node_dir / "config.json").write_text(json.dumps(
        {"node_id": "room-a", "broker_host": "127.0.0.1", "profile": "4.2-bwr",
         "max_awake_s": "twenty"}))
    proc = subprocess.run([micropython, str(MAIN), str(node_dir)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "'max_awake_s' must be an integer" in proc.stdout
    sleep = json.loads((node_dir / "sleep.json").read_text())
    assert sleep["sleep_s"] is None and "config error" in sleep["reason"]
    image = Image.open(node_dir / "panel.png").convert("RGB")
    red = [(x, y) for y in range(image.height) for x in range(image.width)
           if image.getpixel((x, y)) == (200, 0, 0)]
    black = [(x, y) for y in range(40, image.height) for x in range(image.width)
             if image.getpixel((x, y)) == (0, 0, 0)]
    assert red and all(16 <= y < 32 for _, y in red), "title in red on the title line"
    assert len(black) > 500, "message text in black below the title"


def test_stuck_panel_is_reported_not_hung(micropython, mosquitto, tmp_path):
    node = "fwn-stuck"
    node_dir = make_node_dir(tmp_path, node, mosquitto.port)
    (node_dir / "vpanel").mkdir()
    (node_dir / "vpanel" / "fault").write_text("busy_stuck")
    hub = Hub(mosquitto.port, node)
    try:
        proc = start_node(micropython, node_dir)
        _answer(hub, proc, [_frame(1)], 1, 1_800_000_060, 1_800_000_000)
        ack = hub.wait_json("ack")
        assert ack["seq"] == 1 and ack["ok"] is False and ack["err"] == "panel"
        assert hub.wait_json("status")["err"] == "panel"
    finally:
        hub.close()


def test_radio_off_refresh_reconnects_to_ack(micropython, mosquitto, tmp_path):
    """With radio_off_refresh the node leaves the broker for the (slow) refresh and comes
    back on its persistent session to ack; the hub sees one ok ack and no offline will."""
    node = "fwn-radio"
    node_dir = make_node_dir(tmp_path, node, mosquitto.port, radio_off_refresh=True)
    hub = Hub(mosquitto.port, node)
    try:
        proc = start_node(micropython, node_dir)
        _, out = _answer(hub, proc, [_frame(3)], 3, 1_800_000_060, 1_800_000_000)
        assert "radio off for the refresh" in out
        assert out.count("connected, session present") == 2
        assert "session present=True" in out.split("radio off")[1]
        assert hub.wait_json("ack") == {"seq": 3, "ok": True}
        assert hub.wait_json("status")["seq"] == 3
        acks = [p for leaf, p, _ in hub.log if leaf == "ack"]
        assert len(acks) == 1
    finally:
        hub.close()


def test_refresh_offline_acks_then_refreshes_without_reconnecting(micropython, mosquitto,
                                                                   tmp_path):
    """refresh_offline (battery builds): one connection per wake; the verified frame is acked
    at once and drawn after the node left the broker. A refresh that then fails shows up as
    the old seq in the next wake's hello, so the hub sends the screen again."""
    from tests.fw_node import assert_same_image, expected_rgb, panel_rgb

    node = "fwn-offline"
    node_dir = make_node_dir(tmp_path, node, mosquitto.port, refresh_offline=True)
    hub = Hub(mosquitto.port, node)
    try:
        proc = start_node(micropython, node_dir)
        _, out = _answer(hub, proc, [_frame(3)], 3, 1_800_000_060, 1_800_000_000)
        assert hub.wait_json("ack") == {"seq": 3, "ok": True}
        assert out.count("connected, session present") == 1  # no reconnect to ack
        assert out.index("in panel RAM") < out.index("shown (radio off)")
        assert out.index("mqtt rx=") < out.index("shown (radio off)")  # drawn after leaving
        planes = bytes([0x0F]) * (400 * 300 // 8) + bytes(400 * 300 // 8)
        assert_same_image(panel_rgb(node_dir), expected_rgb(planes, 400, 300, (1, 2)))

        (node_dir / "vpanel" / "fault").write_text("refresh_stuck")
        proc = start_node(micropython, node_dir)
        _answer(hub, proc, [_frame(4, fill=0xF0)], 4, 1_800_000_060, 1_800_000_000)
        assert hub.wait_json("ack") == {"seq": 4, "ok": True}  # acked before the refresh...
        (node_dir / "vpanel" / "fault").unlink()
        proc = start_node(micropython, node_dir)
        hello = hub.wait_json("hello")
        assert hello["seq"] == 3  # ...which failed: the next hello says what is really shown
        hub.publish("ctl", encode_ctl(4, 1_800_000_060, 1_800_000_000, hello["wake_id"]),
                    retain=True)
        finish(proc)
        errors = [hub.wait_json("status").get("err") for _ in range(3)]  # one per wake
        assert errors == [None, None, "panel"]  # the failed refresh is reported next wake
    finally:
        hub.close()
