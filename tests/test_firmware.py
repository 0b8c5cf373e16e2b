"""The node firmware under the real MicroPython unix port: shared vectors and whole wake cycles
against a real mosquitto broker, with the virtual panel's PNG compared pixel for pixel."""

from __future__ import annotations

import json
import random
import subprocess
import zlib
from pathlib import Path

import cbor2
import pytest

from renderer.frame import K_CRC, Frame, decode_message, encode_ctl, encode_frame
from tests.fw_node import (
    FIRMWARE,
    ROOT,
    Hub,
    assert_same_image,
    expected_rgb,
    finish,
    make_node_dir,
    panel_rgb,
    start_node,
)

VECTORS = ROOT / "tests" / "vectors"


def run_vectors(micropython: str, work: Path) -> dict[str, dict]:
    out = subprocess.run([micropython, str(ROOT / "tests" / "fw_vectors.py"), str(FIRMWARE),
                          str(VECTORS), str(work)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    return {r["name"]: r for r in map(json.loads, out.stdout.splitlines())}


def test_vectors_accept_and_reject_as_the_manifest_says(micropython, tmp_path):
    results = run_vectors(micropython, tmp_path)
    manifest = json.loads((VECTORS / "manifest.json").read_text())["vectors"]
    assert set(results) == {v["name"] for v in manifest}
    for v in manifest:
        got = results[v["name"]]
        if v["expect"] == "ok":
            assert got["ok"], (v["name"], got)
            # what the panel shows in the rect has the CRC of the planes the hub encoded
            assert got["shown_crc"] == v["crc"], v["name"]
        else:
            assert (got["ok"], got["err"]) == (False, v["err"]), (v["name"], got)
            assert got["untouched"], f"{v['name']} wrote to panel RAM before it was rejected"


def _planes(width: int, height: int, seed: int) -> bytes:
    """Black and red planes with text-like structure; red and black overlap in places."""
    rng = random.Random(seed)
    row = width // 8
    out = bytearray(row * height * 2)
    for plane in range(2):
        for _ in range(40):
            x0, y0 = rng.randrange(row), rng.randrange(height)
            for y in range(y0, min(height, y0 + rng.randrange(4, 40))):
                for x in range(x0, min(row, x0 + rng.randrange(1, 12))):
                    out[plane * row * height + y * row + x] = rng.randrange(256)
    return bytes(out)


def _cycle(micropython, node_dir: Path, hub: Hub, messages: list[bytes], ctl: tuple[int, int, int],
           asleep: bool = False) -> str:
    """One wake cycle. The hub answers the hello with frames (unless `asleep`: then it had
    published them while the node slept and the broker queued them in the persistent session)
    and a retained ctl (seq, wake_at, now) echoing the hello's wake_id."""
    if asleep:
        for m in messages:
            hub.publish("frame", m)
    proc = start_node(micropython, node_dir)
    try:
        hello = hub.wait_json("hello")
        assert hello["w"] == 400 and hello["colors"] == ["black", "red"]
        if not asleep:
            for m in messages:
                hub.publish("frame", m)
        hub.publish("ctl", encode_ctl(*ctl, wake_id=hello["wake_id"]), retain=True)
        return finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_node_shows_frame_and_acks(micropython, mosquitto, tmp_path):
    node = "fw-show"
    node_dir = make_node_dir(tmp_path, node, mosquitto.port)
    hub = Hub(mosquitto.port, node)
    try:
        planes = _planes(400, 300, 1)
        frame = Frame(seq=1, panel=(400, 300), rect=(0, 0, 400, 300), colors=(1, 2),
                      planes=planes)
        msgs = encode_frame(frame, wbits=10, max_msg=8192)  # chunked too
        assert len(msgs) > 1
        out = _cycle(micropython, node_dir, hub, msgs, (1, 1_800_000_600, 1_800_000_000))
        assert hub.wait_json("ack") == {"seq": 1, "ok": True}
        status = hub.wait_json("status")
        assert status["seq"] == 1 and status["err"] is None and status["wake"] == "power"
        assert_same_image(panel_rgb(node_dir), expected_rgb(planes, 400, 300, (1, 2)))
        assert json.loads((node_dir / "sleep.json").read_text()) == {
            "sleep_s": 600, "reason": "wake_at"}
        assert "deep sleep" in out
    finally:
        hub.close()


@pytest.mark.parametrize("mutation, err", [("crc", "crc"), ("version", "version")])
def test_bad_frame_is_rejected_and_previous_image_stays(micropython, mosquitto, tmp_path,
                                                        mutation, err):
    node = f"fw-reject-{mutation}"
    node_dir = make_node_dir(tmp_path, node, mosquitto.port)
    hub = Hub(mosquitto.port, node)
    try:
        first = _planes(400, 300, 2)
        (good,) = encode_frame(Frame(seq=5, panel=(400, 300), rect=(0, 0, 400, 300),
                                     colors=(1, 2), planes=first), max_msg=65536)
        _cycle(micropython, node_dir, hub, [good], (5, 1_800_000_060, 1_800_000_000))
        assert hub.wait_json("ack") == {"seq": 5, "ok": True}
        hub.wait_json("status")
        shown = panel_rgb(node_dir)

        (second,) = encode_frame(Frame(seq=6, panel=(400, 300), rect=(0, 0, 400, 300),
                                       colors=(1, 2), planes=_planes(400, 300, 3)),
                                 max_msg=65536)
        body = cbor2.loads(second)
        if mutation == "crc":
            body[K_CRC] ^= 0x5A5A
        else:
            body[0] = 2
        _cycle(micropython, node_dir, hub, [cbor2.dumps(body)],
               (6, 1_800_000_060, 1_800_000_000), asleep=True)
        ack = hub.wait_json("ack")
        assert ack["seq"] == 6 and ack["ok"] is False and ack["err"] == err
        status = hub.wait_json("status")
        assert status["err"] == err and status["seq"] == 5 and status["wake"] == "timer"
        assert_same_image(panel_rgb(node_dir), shown)
        assert_same_image(shown, expected_rgb(first, 400, 300, (1, 2)))
    finally:
        hub.close()


def test_region_update_replaces_only_its_rect(micropython, mosquitto, tmp_path):
    node = "fw-region"
    node_dir = make_node_dir(tmp_path, node, mosquitto.port)
    hub = Hub(mosquitto.port, node)
    try:
        base = bytearray(_planes(400, 300, 4))
        (full,) = encode_frame(Frame(seq=1, panel=(400, 300), rect=(0, 0, 400, 300),
                                     colors=(1, 2), planes=bytes(base)), max_msg=65536)
        x, y, w, h = 96, 120, 64, 40
        region = bytes(random.Random(5).randrange(256) for _ in range(2 * w * h // 8))
        (part,) = encode_frame(Frame(seq=2, panel=(400, 300), rect=(x, y, w, h),
                                     colors=(1, 2), planes=region))
        _cycle(micropython, node_dir, hub, [full, part],
               (2, 1_800_000_060, 1_800_000_000))
        assert hub.wait_json("ack")["seq"] == 1
        assert hub.wait_json("ack") == {"seq": 2, "ok": True}
        row, plane = 400 // 8, 400 * 300 // 8
        for c in range(2):
            for r in range(h):
                src = (c * h + r) * (w // 8)
                dst = c * plane + (y + r) * row + x // 8
                base[dst:dst + w // 8] = region[src:src + w // 8]
        assert_same_image(panel_rgb(node_dir), expected_rgb(bytes(base), 400, 300, (1, 2)))
    finally:
        hub.close()


def test_crc_of_expected_planes_matches_vectors():
    """Guard for the vector runner: the manifest CRCs are CRCs of the rows the panel shows,
    as the messages' own CRCs are in every layout."""
    layouts = set()
    for v in json.loads((VECTORS / "manifest.json").read_text())["vectors"]:
        if v["expect"] == "ok":
            payload = (VECTORS / v["file"]).read_bytes()
            layouts.add(cbor2.loads(payload).get(15, 0))
            assert zlib.crc32(decode_message(payload)[9]) == v["crc"]
        elif v["err"] == "crc":  # the hub's own decoder refuses what the node must refuse
            with pytest.raises(ValueError, match="crc mismatch"):
                decode_message((VECTORS / v["file"]).read_bytes())
    assert layouts == {0, 1}
