"""Frame/ctl MACs and button MACs: the hub's hub/security/mac.py against firmware/auth.py
under the real MicroPython binary, and against Python's own hmac module."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
from pathlib import Path

import cbor2
import pytest

from hub.security.mac import (
    MacError,
    button_mac,
    sign_message,
    signed_body,
    verify_button,
    verify_message,
)
from renderer.frame import K_MAC, MAC_ENTRY_LEN, Frame, encode_ctl, encode_frame

ROOT = Path(__file__).resolve().parent.parent
KEY = bytes(range(32))


def run_fw(micropython: str, requests: list[dict]) -> list[dict]:
    stdin = "".join(json.dumps(r) + "\n" for r in requests)
    out = subprocess.run([micropython, str(ROOT / "tests" / "fw_auth.py"), str(ROOT / "firmware")],
                         input=stdin, capture_output=True, text=True, timeout=60, check=True)
    return [json.loads(line) for line in out.stdout.splitlines()]


def frame_payload(seq: int = 5) -> bytes:
    frame = Frame(seq=seq, panel=(16, 8), rect=(0, 0, 16, 8), colors=(1,), planes=bytes(16))
    return encode_frame(frame)[0]


def test_firmware_hmac_equals_python_hmac(micropython):
    """Keys shorter than, equal to and longer than the SHA-256 block; empty and long messages."""
    cases = []
    for key_len in (1, 16, 32, 63, 64, 65, 100):
        for msg_len in (0, 1, 55, 56, 64, 1000, 20000):
            key, msg = os.urandom(key_len), os.urandom(msg_len)
            cases.append((key, msg))
    answers = run_fw(micropython, [{"op": "hmac", "key": k.hex(), "msg": m.hex()}
                                   for k, m in cases])
    assert len(answers) == len(cases)
    for (key, msg), got in zip(cases, answers, strict=True):
        assert got["mac"] == hmac.new(key, msg, hashlib.sha256).hexdigest()


def test_signed_message_is_the_map_plus_a_last_mac_entry():
    payload = frame_payload()
    signed = sign_message(payload, KEY, "frame")
    assert len(signed) == len(payload) + MAC_ENTRY_LEN
    body = cbor2.loads(signed)
    unsigned = cbor2.loads(payload)
    assert body.pop(K_MAC) == signed[-16:]
    assert body == unsigned
    assert signed_body(signed) == (payload, signed[-16:])
    expected = hmac.new(KEY, b"frame\x00" + payload, hashlib.sha256).digest()[:16]
    assert signed[-16:] == expected
    assert verify_message(signed, KEY, "frame") == payload


def test_hub_rejects_what_it_did_not_sign():
    signed = sign_message(encode_ctl(3, 100, 50, 7), KEY, "ctl")
    with pytest.raises(MacError):
        verify_message(signed, KEY, "frame")  # a ctl is not a frame
    with pytest.raises(MacError):
        verify_message(signed, bytes(32), "ctl")
    with pytest.raises(MacError):
        verify_message(encode_ctl(3, 100, 50, 7), KEY, "ctl")


def test_firmware_accepts_signed_and_rejects_forged(micropython):
    payload = frame_payload()
    signed = sign_message(payload, KEY, "frame")
    tampered = bytearray(signed)
    tampered[10] ^= 1
    ctl = sign_message(encode_ctl(3, 100, 50, 7), KEY, "ctl")
    requests = [
        {"op": "check", "key": KEY.hex(), "kind": "frame", "msg": signed.hex()},
        {"op": "check", "key": KEY.hex(), "kind": "frame", "msg": bytes(tampered).hex()},
        {"op": "check", "key": bytes(32).hex(), "kind": "frame", "msg": signed.hex()},
        {"op": "check", "key": KEY.hex(), "kind": "frame", "msg": payload.hex()},
        {"op": "check", "key": KEY.hex(), "kind": "ctl", "msg": ctl.hex()},
        {"op": "check", "key": KEY.hex(), "kind": "frame", "msg": ctl.hex()},
        {"op": "check", "key": KEY.hex(), "kind": "frame", "msg": "a0"},
    ]
    got = run_fw(micropython, requests)
    assert got[0] == {"ok": True}
    assert [g.get("err") for g in got[1:]] == ["mac"] * 3 + [None, "mac", "mac"]
    assert got[4] == {"ok": True}


def test_button_mac_firmware_equals_hub(micropython):
    cases = [("node-1", 0, 1, None), ("node-abc", 4294967295, 15, 7), ("x", 12, 2, 0)]
    got = run_fw(micropython, [{"op": "button", "key": KEY.hex(), "node": n, "wake_id": w,
                                "mask": m, "seq": s} for n, w, m, s in cases])
    for (node, wake_id, mask, seq), answer in zip(cases, got, strict=True):
        assert answer["mac"] == button_mac(KEY, node, wake_id, mask, seq)
        event = {"mask": mask, "seq": seq, "wake_id": wake_id, "mac": answer["mac"]}
        assert verify_button(event, KEY, node)
        assert not verify_button({**event, "mask": mask ^ 1}, KEY, node)
        assert not verify_button(event, KEY, node + "x")
        assert not verify_button({**event, "mac": None}, KEY, node)


def test_every_single_byte_change_is_caught_by_the_firmware(micropython):
    """Flip one bit in each byte of a signed frame, truncate, extend: none passes the node."""
    signed = sign_message(frame_payload(9), KEY, "frame")
    variants = []
    for i in range(len(signed)):
        v = bytearray(signed)
        v[i] ^= 1 << (i % 8)
        variants.append(bytes(v))
    variants += [signed[:-1], signed + b"\x00", signed[1:], b"\xa1" + signed[1:]]
    got = run_fw(micropython, [{"op": "check", "key": KEY.hex(), "kind": "frame",
                                "msg": v.hex()} for v in variants])
    assert len(got) == len(variants)
    assert all(g.get("err") == "mac" for g in got), [g for g in got if g.get("err") != "mac"]
