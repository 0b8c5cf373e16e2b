"""Minimal CBOR decoder for exactly the subset docs/protocol.md allows.

Allowed: unsigned ints (major 0), byte strings (2), text strings (3), arrays (4), maps (5),
false/true (simple 20/21), all with definite lengths. Anything else (negative ints, tags,
floats, null, indefinite lengths) or a truncated buffer raises ProtocolError("cbor").

Byte strings come back as memoryview slices of the caller's buffer: a 40 KB frame payload is
never copied. Containers are bounded: a claimed length larger than the bytes left fails at once
(every item takes at least one byte), and nesting is limited, so hostile input cannot make the
decoder allocate or recurse without bound.
"""

from micropython import const
from wire import E_CBOR, ProtocolError

_MAX_DEPTH = const(6)


def _fail(msg: str) -> None:
    raise ProtocolError(E_CBOR, msg)


class _Reader:
    """A cursor over a memoryview; one instance per decode."""

    def __init__(self, mv: memoryview) -> None:
        self.mv = mv
        self.pos = 0
        self.end = len(mv)

    def head(self) -> tuple[int, int]:
        """Read an item head: (major type, argument)."""
        if self.pos >= self.end:
            _fail("truncated")
        b = self.mv[self.pos]
        self.pos += 1
        major = b >> 5
        info = b & 0x1F
        if info < 24:
            return major, info
        if info > 27:
            _fail("indefinite length or reserved head 0x%02x" % b)
        n = 1 << (info - 24)  # 1, 2, 4 or 8 argument bytes
        if self.pos + n > self.end:
            _fail("truncated")
        value = 0
        mv = self.mv
        for i in range(self.pos, self.pos + n):
            value = (value << 8) | mv[i]
        self.pos += n
        return major, value

    def item(self, depth: int):  # -> int | memoryview | str | list | dict | bool
        major, arg = self.head()
        if major == 0:
            return arg
        if major == 2 or major == 3:
            if arg > self.end - self.pos:
                _fail("truncated string")
            start = self.pos
            self.pos += arg
            if major == 2:
                return self.mv[start:self.pos]
            try:
                return str(self.mv[start:self.pos], "utf-8")
            except UnicodeError:
                _fail("invalid UTF-8 in text string")
        if major == 4 or major == 5:
            if depth >= _MAX_DEPTH:
                _fail("nested too deep")
            count = arg * 2 if major == 5 else arg
            if count > self.end - self.pos:
                _fail("truncated container")
            if major == 4:
                items = []
                for _ in range(arg):
                    items.append(self.item(depth + 1))
                return items
            mapping = {}
            for _ in range(arg):
                key = self.item(depth + 1)
                if not isinstance(key, (int, str)):
                    _fail("map key must be an integer or text")
                mapping[key] = self.item(depth + 1)
            return mapping
        if major == 7:
            # the argument of major 7 is the simple value; 20/21 are false/true
            if arg == 20:
                return False
            if arg == 21:
                return True
            _fail("simple value or float %d not allowed" % arg)
        _fail("major type %d not allowed" % major)
        return None  # not reached: _fail raised


def loads(buf: bytes | bytearray | memoryview):  # -> int | memoryview | str | list | dict | bool
    """Decode exactly one item filling `buf` (bytes, bytearray or memoryview)."""
    r = _Reader(memoryview(buf))
    value = r.item(0)
    if r.pos != r.end:
        _fail("%d trailing bytes" % (r.end - r.pos))
    return value
