"""Message authentication between the hub and one node (docs/protocol.md, "Authentication").

Hub -> node (frame, ctl): the hub encodes the CBOR map as usual (M, `n` entries, one-byte map
head), then appends one entry, key 14, holding

    MAC = HMAC-SHA256(node key, kind || 0x00 || M)[:16]      kind = b"frame" or b"ctl"

and bumps the map head to `n + 1`. The MAC is therefore always the last 18 bytes
(0x0e 0x50 + 16 bytes), and M is recovered from the wire bytes without decoding anything:
head - 1, then everything but those 18 bytes. `kind` binds a MAC to its topic, so a signed
frame cannot be replayed as a ctl.

Node -> hub (button): the JSON event carries `wake_id` and `mac` (32 hex digits) with

    MAC = HMAC-SHA256(node key, b"button" 0x00 node 0x00 wake_id 0x00 mask 0x00 seq)[:16]

where the numbers are ASCII decimal and `seq` is empty when null. The firmware twin of this
module is firmware/auth.py; both are checked against each other under real MicroPython.
"""

from __future__ import annotations

import hashlib
import hmac

from renderer.frame import K_MAC, MAC_ENTRY_LEN, MAC_LEN

_MAP0 = 0xA0  # CBOR major type 5 (map), count in the low 5 bits when < 24
_MAC_HEAD = bytes([K_MAC, 0x40 | MAC_LEN])


class MacError(ValueError):
    """A message's MAC is missing or wrong: the message did not come from the key's holder."""


def _mac(key: bytes, kind: str, body: bytes) -> bytes:
    msg = kind.encode() + b"\x00" + body
    return hmac.new(key, msg, hashlib.sha256).digest()[:MAC_LEN]


def sign_message(payload: bytes, key: bytes, kind: str) -> bytes:
    """Append the MAC entry to an encoded frame/ctl map (see the module docstring)."""
    if not payload or not _MAP0 <= payload[0] < _MAP0 + 23:
        raise ValueError("only CBOR maps of at most 22 entries can be signed")
    mac = _mac(key, kind, payload)
    return bytes([payload[0] + 1]) + payload[1:] + _MAC_HEAD + mac


def signed_body(payload: bytes) -> tuple[bytes, bytes]:
    """Split a signed message into (M, MAC) without decoding it; MacError if it has no MAC."""
    if (len(payload) < 1 + MAC_ENTRY_LEN or not _MAP0 + 1 <= payload[0] <= _MAP0 + 23
            or payload[-MAC_ENTRY_LEN:-MAC_LEN] != _MAC_HEAD):
        raise MacError("message carries no MAC entry")
    return bytes([payload[0] - 1]) + payload[1:-MAC_ENTRY_LEN], payload[-MAC_LEN:]


def verify_message(payload: bytes, key: bytes, kind: str) -> bytes:
    """Check a signed message; returns M (the map without the MAC) or raises MacError."""
    body, mac = signed_body(payload)
    if not hmac.compare_digest(mac, _mac(key, kind, body)):
        raise MacError("MAC mismatch")
    return body


def button_mac(key: bytes, node_id: str, wake_id: int, mask: int, seq: int | None) -> str:
    """The `mac` of a button event, as the node computes it (32 lowercase hex digits)."""
    fields = [node_id, str(wake_id), str(mask), "" if seq is None else str(seq)]
    return _mac(key, "button", "\x00".join(fields).encode()).hex()


def _uint(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1 << 32


def verify_button(event: dict, key: bytes, node_id: str) -> bool:
    """True when a button event's `mac` is right for its mask, seq and wake_id."""
    wake_id, mask, seq, mac = (event.get("wake_id"), event.get("mask"), event.get("seq"),
                               event.get("mac"))
    if not (_uint(wake_id) and _uint(mask) and (seq is None or _uint(seq))
            and isinstance(mac, str) and len(mac) == 2 * MAC_LEN):
        return False
    expected = button_mac(key, node_id, wake_id, mask, seq)  # type: ignore[arg-type]
    return hmac.compare_digest(mac.lower().encode(), expected.encode())
