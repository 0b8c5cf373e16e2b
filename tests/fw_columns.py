"""Columns-layout frame messages (docs/protocol.md, frame key 15) for the firmware tests, with
the layout forced: the hub's encoder sends columns only where they deflate smaller and never
sends them raw, but a node test must exercise exactly that path.
"""

from __future__ import annotations

import cbor2

from renderer.frame import (
    ENC_RAW,
    K_CHUNK,
    K_DATA,
    K_ENC,
    K_WBITS,
    LAYOUT_COLUMNS,
    Frame,
    encode_frame,
    planes_to_columns,
)


def columns_body(seq: int, panel: tuple[int, int], rect: tuple[int, int, int, int],
                 colors: tuple[int, ...], planes: bytes, *, wbits: int = 10,
                 chunk: tuple[int, int] | None = None, raw: bool = False) -> dict[int, object]:
    """The CBOR map of one columns-layout frame message for `planes` (rows layout) of `rect`,
    from the hub's encoder with the layout forced; deflated when that is smaller unless `raw`.
    The CRC is over the planes in rows, as in every layout."""
    (message,) = encode_frame(Frame(seq, panel, rect, colors, planes), wbits=wbits,
                              max_msg=1 << 20, layouts=(LAYOUT_COLUMNS,))
    body = cbor2.loads(message)
    if raw:
        data = planes_to_columns(planes, rect[2], rect[3], len(colors))
        body.pop(K_WBITS, None)
        body[K_ENC], body[K_DATA] = ENC_RAW, data  # the CRC stays that of the rows
    if chunk is not None and chunk != (0, 1):
        body[K_CHUNK] = list(chunk)
    return body


def columns_message(seq: int, panel: tuple[int, int], rect: tuple[int, int, int, int],
                    colors: tuple[int, ...], planes: bytes, **kw) -> bytes:
    return cbor2.dumps(columns_body(seq, panel, rect, colors, planes, **kw))
