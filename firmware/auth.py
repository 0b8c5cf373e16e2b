"""Message authentication, node side: HMAC-SHA256 and the rules of docs/protocol.md
("Authentication"). The hub's twin is hub/security/mac.py; tests check one against the other.

MicroPython has `hashlib.sha256` (update + digest, no copy()) but no `hmac` module, so HMAC is
built here from RFC 2104: the key is XORed into two 64-byte pads once, at boot, into
preallocated buffers; each MAC then costs two SHA-256 objects and no other allocation of note.
A frame's MAC is computed over the MQTT buffer in place (memoryview slices, no copy).
"""

import hashlib

from micropython import const
from wire import ProtocolError

MAC_LEN = const(16)
_ENTRY = const(18)  # 0x0e (key 14) 0x50 (16-byte string) + MAC: the last 18 bytes
_BLOCK = const(64)
_MAP0 = const(0xA0)

E_MAC = "mac"  # MAC missing or wrong: forged, corrupted, or signed with another key
E_REPLAY = "replay"  # authentic but older than a frame the node already accepted


class Hmac:
    """HMAC-SHA256 with one key; pads preallocated."""

    def __init__(self, key: bytes) -> None:
        if len(key) > _BLOCK:
            key = hashlib.sha256(key).digest()
        self.ipad = bytearray(_BLOCK)
        self.opad = bytearray(_BLOCK)
        for i in range(_BLOCK):
            k = key[i] if i < len(key) else 0
            self.ipad[i] = k ^ 0x36
            self.opad[i] = k ^ 0x5C
        self._head = bytearray(1)

    def inner(self):
        """A SHA-256 already fed the inner pad: update() it with the message."""
        return hashlib.sha256(self.ipad)

    def finish(self, inner) -> bytes:
        outer = hashlib.sha256(self.opad)
        outer.update(inner.digest())
        return outer.digest()

    def digest(self, msg) -> bytes:
        h = self.inner()
        h.update(msg)
        return self.finish(h)

    def message_mac(self, kind: bytes, mv: memoryview) -> bytes:
        """The full MAC of a signed frame/ctl's body M: head - 1, then all but the MAC entry."""
        h = self.inner()
        h.update(kind)
        h.update(b"\x00")
        self._head[0] = mv[0] - 1
        h.update(self._head)
        h.update(mv[1:len(mv) - _ENTRY])
        return self.finish(h)


def equal(a, b, n: int) -> bool:
    """Compare the first n bytes of a and b in time that does not depend on where they differ."""
    diff = 0
    for i in range(n):
        diff |= a[i] ^ b[i]
    return diff == 0


def key_from_hex(text):
    """The node's key from config.json (64 hex digits) -> bytes; None when not provisioned."""
    if not text:
        return None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 16:
        raise ValueError("hmac_key must be at least 32 hex digits")
    return key


class Auth:
    """The node's authenticator: checks hub messages, signs button events."""

    def __init__(self, key: bytes, node_id: str) -> None:
        self.hm = Hmac(key)
        self.node_id = node_id

    def check(self, kind: bytes, mv: memoryview) -> None:
        """Raise ProtocolError('mac') unless `mv` is a frame/ctl signed with this node's key."""
        n = len(mv)
        if (n < 1 + _ENTRY or not _MAP0 + 1 <= mv[0] <= _MAP0 + 23
                or mv[n - _ENTRY] != 0x0E or mv[n - _ENTRY + 1] != 0x40 | MAC_LEN):
            raise ProtocolError(E_MAC, "%s carries no MAC" % kind.decode())
        mac = self.hm.message_mac(kind, mv)
        if not equal(mac, mv[n - MAC_LEN:], MAC_LEN):
            raise ProtocolError(E_MAC, "%s MAC mismatch" % kind.decode())

    def button_mac(self, wake_id: int, mask: int, seq) -> str:
        msg = "button\x00%s\x00%d\x00%d\x00%s" % (
            self.node_id, wake_id, mask, "" if seq is None else "%d" % seq)
        mac = self.hm.digest(msg.encode())
        return "".join("%02x" % b for b in mac[:MAC_LEN])
