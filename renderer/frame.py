"""The frame codec, hub side: decoded planes -> CBOR frame messages (docs/protocol.md).

`zlib` does the deflating and `cbor2` the CBOR: the node's tiny decoder is the only hand-written
codec in the project.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import cbor2

PROTOCOL_VERSION = 1

# Frame / ctl map keys (docs/protocol.md).
K_V, K_SEQ, K_PANEL, K_RECT, K_COLORS, K_ENC, K_WBITS, K_CRC = 0, 1, 2, 3, 4, 5, 6, 7
K_CHUNK, K_DATA, K_WAKE_AT, K_NOW, K_FULL, K_WAKE_ID = 8, 9, 10, 11, 12, 13
K_LAYOUT = 15
# The MAC entry (docs/protocol.md, "Authentication"): always the map's last entry, key 14,
# a 16-byte byte string, added to the encoded message by hub.security.mac.sign_message.
K_MAC, MAC_LEN = 14, 16
MAC_ENTRY_LEN = 2 + MAC_LEN  # 0x0e (key 14), 0x50 (bytes, length 16), the MAC
ENC_RAW, ENC_DEFLATE = 0, 1
# Decoded data layouts (docs/protocol.md, "Decoded data layout"): MONO_HLSB rows, or bands of
# 8 rows with one MONO_VLSB byte per pixel column.
LAYOUT_ROWS, LAYOUT_COLUMNS = 0, 1
# _SPREAD[i][j][v]: bit (7 - j) of row byte v (pixel 8k + j), moved to bit i (row i of a band);
# _GATHER[i][j] moves it back.
_SPREAD = [[bytes((v >> (7 - j) & 1) << i for v in range(256)) for j in range(8)]
           for i in range(8)]
_GATHER = [[bytes((v >> i & 1) << (7 - j) for v in range(256)) for j in range(8)]
           for i in range(8)]
# Regions at least this large (decoded bytes) go in columns without a rows trial: on the 165
# sample screens columns were smaller on 160 and at most 0.6 % larger (QR pairing screens),
# and the second deflate would cost the hub ~6 ms per 7.5" frame.
_COLUMNS_ONLY_FROM = 4096

# Bytes of CBOR framing around `data` in one message, kept free below the node's max_msg.
_HEADER_ALLOWANCE = 96


@dataclass(frozen=True)
class Frame:
    """What a node should show: decoded planes for `rect` of a `panel`, per docs/protocol.md."""

    seq: int
    panel: tuple[int, int]
    rect: tuple[int, int, int, int]
    colors: tuple[int, ...]
    planes: bytes
    wake_at: int | None = None
    now: int | None = None
    full: bool = False

    def __post_init__(self) -> None:
        x, y, w, h = self.rect
        pw, ph = self.panel
        if x % 8 or w % 8 or w <= 0 or h <= 0 or x + w > pw or y + h > ph or x < 0 or y < 0:
            raise ValueError(f"rect {self.rect} is not byte-aligned inside panel {self.panel}")
        expected = len(self.colors) * w * h // 8
        if len(self.planes) != expected:
            raise ValueError(f"planes hold {len(self.planes)} bytes, rect needs {expected}")


def rows_to_columns(plane: bytes, w: int, h: int) -> bytes:
    """One plane of a w x h region from rows to the columns layout.

    Column byte 8k + j of a band holds, in bit i, pixel j of byte k of the band's row i. So for
    each (i, j): take row i of every band, move bit j of each byte to bit i with a translate
    table, and OR the eight results for j as big integers. Only C loops over a few KB: ~1 ms
    for an 800x480 plane, where a per-pixel Pillow transpose took 3-4 ms.
    """
    row = w // 8
    bands = -(-h // 8)
    if h % 8:
        plane = plane + bytes((bands * 8 - h) * row)
    rows = [b"".join(plane[(8 * b + i) * row:(8 * b + i + 1) * row] for b in range(bands))
            for i in range(8)]
    out = bytearray(bands * w)
    for j in range(8):
        bits = 0
        for i in range(8):
            bits |= int.from_bytes(rows[i].translate(_SPREAD[i][j]), "big")
        out[j::8] = bits.to_bytes(bands * row, "big")
    return bytes(out)


def columns_to_rows(plane: bytes, w: int, h: int) -> bytes:
    """The inverse of rows_to_columns, the same way round: for each (i, j), column bytes
    8k + j of every band give bit j of byte k of the band's row i (hub-side decoding)."""
    row = w // 8
    bands = -(-h // 8)
    if len(plane) != bands * w:
        raise ValueError(f"columns plane holds {len(plane)} bytes, {w}x{h} needs {bands * w}")
    columns = [plane[j::8] for j in range(8)]  # (band, k) order, as the rows are
    out = bytearray(bands * 8 * row)
    for i in range(8):
        bits = 0
        for j in range(8):
            bits |= int.from_bytes(columns[j].translate(_GATHER[i][j]), "big")
        rows_i = bits.to_bytes(bands * row, "big")  # row i of every band
        for b in range(bands):
            out[(8 * b + i) * row:(8 * b + i + 1) * row] = rows_i[b * row:(b + 1) * row]
    return bytes(out[:h * row])


def planes_to_columns(rows: bytes, w: int, h: int, colors: int) -> bytes:
    """Every plane of a w x h region, rows layout -> columns layout."""
    plane = len(rows) // colors
    return b"".join(rows_to_columns(rows[i * plane:(i + 1) * plane], w, h)
                    for i in range(colors))


def planes_to_rows(columns: bytes, w: int, h: int, colors: int) -> bytes:
    """Every plane of a w x h region, columns layout -> rows layout."""
    plane = len(columns) // colors
    return b"".join(columns_to_rows(columns[i * plane:(i + 1) * plane], w, h)
                    for i in range(colors))


def deflate_raw(data: bytes, wbits: int) -> bytes:
    """Raw deflate (RFC 1951) with a window the node can afford."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -wbits, 9)
    return compressor.compress(data) + compressor.flush()


@dataclass(frozen=True)
class _Piece:
    """One message's region, encoded: `data` decoded in `layout`, `packed` what goes on air,
    `crc` that of the region's planes in rows, whatever the layout."""

    rect: tuple[int, int, int, int]
    data: bytes
    layout: int
    enc: int
    packed: bytes
    crc: int


def _encode_piece(rect: tuple[int, int, int, int], rows: bytes, colors: int, wbits: int,
                  layouts: tuple[int, ...]) -> _Piece:
    """The smallest encoding of one region among `layouts`.

    Columns buy 10-30 % fewer bytes on text (docs/protocol.md, "Decoded data layout"). Small
    regions are deflated both ways; large ones go in columns without a rows trial (see
    _COLUMNS_ONLY_FROM). When deflate does not help, the data goes raw, in rows if allowed.
    """
    _, _, w, h = rect
    if not {LAYOUT_ROWS, LAYOUT_COLUMNS} & set(layouts):
        raise ValueError(f"no known layout among {layouts}")
    trials: list[tuple[int, bytes]] = []
    if LAYOUT_ROWS in layouts and (LAYOUT_COLUMNS not in layouts
                                   or len(rows) < _COLUMNS_ONLY_FROM):
        trials.append((LAYOUT_ROWS, rows))
    if LAYOUT_COLUMNS in layouts:
        trials.append((LAYOUT_COLUMNS, planes_to_columns(rows, w, h, colors)))
    crc = zlib.crc32(rows)
    best = min((_Piece(rect, data, layout, ENC_DEFLATE, deflate_raw(data, wbits), crc)
                for layout, data in trials), key=lambda piece: len(piece.packed))
    layout, data = (LAYOUT_ROWS, rows) if LAYOUT_ROWS in layouts else trials[0]
    if len(best.packed) >= len(data):  # compression did not help: send raw
        best = _Piece(rect, data, layout, ENC_RAW, data, crc)
    return best


def _message(frame: Frame, piece: _Piece, wbits: int, chunk: tuple[int, int]) -> bytes:
    body: dict[int, object] = {
        K_V: PROTOCOL_VERSION,
        K_SEQ: frame.seq,
        K_PANEL: list(frame.panel),
        K_RECT: list(piece.rect),
        K_COLORS: list(frame.colors),
        K_CRC: piece.crc,
        K_ENC: piece.enc,
    }
    if piece.enc == ENC_DEFLATE:
        body[K_WBITS] = wbits
    body[K_DATA] = piece.packed
    if chunk != (0, 1):
        body[K_CHUNK] = list(chunk)
    if frame.wake_at is not None:
        body[K_WAKE_AT] = frame.wake_at
    if frame.now is not None:
        body[K_NOW] = frame.now
    if frame.full:
        body[K_FULL] = True
    if piece.layout != LAYOUT_ROWS:
        body[K_LAYOUT] = piece.layout
    return cbor2.dumps(body)


def _rows(data: bytes, w: int, h: int, colors: int, y0: int, y1: int) -> bytes:
    """Rows [y0, y1) of every plane of a w x h region, in wire layout."""
    row = w // 8
    plane = row * h
    return b"".join(data[i * plane + y0 * row:i * plane + y1 * row] for i in range(colors))


def _split(frame: Frame, rect: tuple[int, int, int, int], data: bytes, wbits: int,
           max_msg: int, layouts: tuple[int, ...]) -> list[_Piece]:
    """Cut one region into the fewest horizontal bands whose messages fit `max_msg`.

    With the columns layout available, bands are whole multiples of 8 rows (bar the last), so
    each can be sent in either layout.
    """
    x, y, w, h = rect
    align = 8 if LAYOUT_COLUMNS in layouts else 1
    count = 1
    while True:
        rows = -(-h // count)
        rows = min(h, -(-rows // align) * align)
        count = -(-h // rows)
        pieces = []
        for index in range(count):
            y0, y1 = index * rows, min(h, (index + 1) * rows)
            band = _rows(data, w, h, len(frame.colors), y0, y1)
            pieces.append(_encode_piece((x, y + y0, w, y1 - y0), band, len(frame.colors),
                                        wbits, layouts))
        largest = max(len(_message(frame, p, wbits, (0, 1))) for p in pieces)
        # + room for the chunk key added later and the MAC entry a signing hub appends
        if largest + 12 + MAC_ENTRY_LEN <= max_msg:
            return pieces
        if rows <= align:
            raise ValueError(f"max_msg {max_msg} is too small for {rows} row(s) of {w} pixels")
        count = max(count + 1, count * largest // max(1, max_msg - _HEADER_ALLOWANCE))


def encode_parts(frame: Frame, parts: list[tuple[tuple[int, int, int, int], bytes]], *,
                 wbits: int = 10, max_msg: int = 16384,
                 layouts: tuple[int, ...] = (LAYOUT_ROWS,)) -> list[bytes]:
    """Encode several regions of one frame (`frame.seq`) as chunk messages.

    Each region is a `(rect, data)` pair in rows layout; regions too big for `max_msg` are cut
    into bands. Every message is self-contained (own rect, data, CRC, layout), so the node can
    write them in any order and refreshes once all `count` chunks are in. `layouts` are the
    ones the node's hello lists; each message uses whichever of them deflates smallest (tools
    and tests pass one layout alone to force it).
    """
    if not 9 <= wbits <= 15:
        raise ValueError(f"wbits must be 9..15, got {wbits}")
    pieces: list[_Piece] = []
    for rect, data in parts:
        pieces.extend(_split(frame, rect, data, wbits, max_msg, layouts))
    count = len(pieces)
    return [_message(frame, piece, wbits, (index, count)) for index, piece in enumerate(pieces)]


def encode_frame(frame: Frame, *, wbits: int = 10, max_msg: int = 16384,
                 layouts: tuple[int, ...] = (LAYOUT_ROWS,)) -> list[bytes]:
    """Encode `frame` (one region) as one or more MQTT payloads of at most `max_msg` bytes."""
    return encode_parts(frame, [(frame.rect, frame.planes)], wbits=wbits, max_msg=max_msg,
                        layouts=layouts)


def encode_ctl(seq: int, wake_at: int, now: int, wake_id: int | None = None) -> bytes:
    """The retained control message: latest frame seq, when to wake next, which hello it
    answers."""
    body = {K_V: PROTOCOL_VERSION, K_SEQ: seq, K_WAKE_AT: wake_at, K_NOW: now}
    if wake_id is not None:
        body[K_WAKE_ID] = wake_id
    return cbor2.dumps(body)


def decode_message(payload: bytes) -> dict[int, object]:
    """Decode one frame message hub-side (tools, tests, simulated nodes); returns the map with
    `data` inflated, in rows whatever the message's layout, and CRC-checked (the CRC is over
    the rows)."""
    body = cbor2.loads(payload)
    if not isinstance(body, dict) or body.get(K_V) != PROTOCOL_VERSION:
        raise ValueError("not a v1 roomink frame")
    data = body[K_DATA]
    if body.get(K_ENC) == ENC_DEFLATE:
        data = zlib.decompress(data, -int(body[K_WBITS]))
    layout = body.get(K_LAYOUT, LAYOUT_ROWS)
    if layout not in (LAYOUT_ROWS, LAYOUT_COLUMNS):
        raise ValueError(f"unknown layout {layout}")
    if layout == LAYOUT_COLUMNS:
        _, _, w, h = body[K_RECT]
        data = planes_to_rows(data, w, h, len(body[K_COLORS]))
    if zlib.crc32(data) != body[K_CRC]:
        raise ValueError("crc mismatch")
    body[K_DATA] = data
    return body
