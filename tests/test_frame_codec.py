"""Hub-side frame codec: the columns layout, layout choice per message, chunking in bands of 8
rows, and what a node's hello lets the hub send."""

from __future__ import annotations

import random
import zlib
from datetime import datetime
from zoneinfo import ZoneInfo

import cbor2
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.delivery import NodeLink
from hub.schedule import Event, RoomSchedule
from renderer import render
from renderer.frame import (
    K_CHUNK,
    K_DATA,
    K_LAYOUT,
    K_RECT,
    LAYOUT_COLUMNS,
    Frame,
    columns_to_rows,
    decode_message,
    encode_frame,
    rows_to_columns,
)
from renderer.planes import pack_planes
from renderer.profiles import get_profile

TZ = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 25, 10, 15, tzinfo=TZ)


def room_screen(profile_name: str = "7.5-bwr") -> tuple[bytes, tuple[int, int]]:
    """A real busy room screen, text and all, as the hub would send it."""
    events = [Event(start=NOW.replace(hour=h, minute=0), end=NOW.replace(hour=h, minute=50),
                    subject=f"Design review {h}", organizer="Jonas Weber")
              for h in (9, 11, 13, 15, 16)]
    profile = get_profile(profile_name)
    image = render(RoomSchedule(room="Atlas", events=tuple(events), fetched_at=NOW), profile, NOW,
                   "en")
    return pack_planes(image, profile), (profile.width, profile.height)


@settings(deadline=None)  # a scheduler pause on a busy CI machine is not a failure
@given(st.integers(1, 12), st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_columns_round_trip(bytes_wide, h, seed):
    w = 8 * bytes_wide
    plane = random.Random(seed).randbytes(w * h // 8)
    columns = rows_to_columns(plane, w, h)
    assert len(columns) == -(-h // 8) * w
    assert columns_to_rows(columns, w, h) == plane


def test_columns_byte_order_is_mono_vlsb():
    """Pixel (x=9, y=10) of a 16x12 plane: band 1, column 9, bit 2 (LSB = the band's top)."""
    plane = bytearray(16 * 12 // 8)
    plane[10 * 2 + 1] = 0x40  # row 10, second byte, second pixel from the left = x 9
    columns = rows_to_columns(bytes(plane), 16, 12)
    assert [(i, b) for i, b in enumerate(columns) if b] == [(16 + 9, 1 << 2)]
    # a short last band leaves its unused high bits 0
    full = rows_to_columns(b"\xff\xff" * 12, 16, 12)
    assert set(full[:16]) == {0xFF} and set(full[16:]) == {0x0F}


def test_text_screen_goes_in_columns_and_decodes_to_the_same_rows():
    planes, panel = room_screen()
    frame = Frame(seq=1, panel=panel, rect=(0, 0, *panel), colors=(1, 2), planes=planes)
    rows_only = encode_frame(frame, wbits=10)
    both = encode_frame(frame, wbits=10, layouts=(0, LAYOUT_COLUMNS))
    assert all(K_LAYOUT not in cbor2.loads(m) for m in rows_only)
    assert [cbor2.loads(m).get(K_LAYOUT) for m in both] == [LAYOUT_COLUMNS]
    assert decode_message(both[0])[K_DATA] == planes
    saved = 1 - len(both[0]) / len(rows_only[0])
    assert saved > 0.1, f"columns saved only {saved:.0%} on a text screen"


def test_columns_chunks_are_bands_of_8_rows_that_reassemble():
    planes, panel = room_screen("4.2-bwr")
    frame = Frame(seq=3, panel=panel, rect=(0, 0, *panel), colors=(1, 2), planes=planes)
    messages = encode_frame(frame, wbits=9, max_msg=700, layouts=(0, LAYOUT_COLUMNS))
    assert len(messages) > 2 and all(len(m) <= 700 for m in messages)
    rows = panel[0] // 8
    shown = bytearray(len(planes))
    layouts = set()
    for index, message in enumerate(messages):
        body = decode_message(message)
        layouts.add(body.get(K_LAYOUT, 0))
        assert body[K_CHUNK] == [index, len(messages)]
        x, y, w, h = body[K_RECT]
        assert (x, w) == (0, panel[0]) and y % 8 == 0
        assert h % 8 == 0 or y + h == panel[1]
        plane = len(body[K_DATA]) // 2
        for c in range(2):
            start = c * len(planes) // 2 + y * rows
            shown[start:start + h * rows] = body[K_DATA][c * plane:(c + 1) * plane]
    assert LAYOUT_COLUMNS in layouts
    assert bytes(shown) == planes


def test_incompressible_region_still_goes_raw_in_rows():
    """Small (both layouts tried) and large (columns only tried) alike."""
    for w, h in ((64, 16), (400, 300)):
        frame = Frame(seq=1, panel=(400, 300), rect=(0, 0, w, h), colors=(1,),
                      planes=random.Random(1).randbytes(w * h // 8))
        (message,) = encode_frame(frame, layouts=(0, LAYOUT_COLUMNS), max_msg=1 << 20)
        body = cbor2.loads(message)
        assert body[5] == 0 and K_LAYOUT not in body and body[K_DATA] == frame.planes
        assert body[7] == zlib.crc32(frame.planes)


def test_node_gets_columns_only_when_its_hello_lists_them():
    planes, panel = room_screen()
    old, new, odd = NodeLink("old"), NodeLink("new"), NodeLink("odd")
    old.apply_hello({"wbits": 10, "max_msg": 16384})
    new.apply_hello({"wbits": 10, "max_msg": 16384, "layouts": [0, 1]})
    odd.apply_hello({"wbits": 10, "max_msg": 16384, "layouts": "everything"})
    sent = {link.node_id: link.plan(planes, panel, (1, 2)) for link in (old, new, odd)}
    assert {cbor2.loads(m).get(K_LAYOUT) for m in sent["old"]} == {None}
    assert {cbor2.loads(m).get(K_LAYOUT) for m in sent["odd"]} == {None}
    assert {cbor2.loads(m).get(K_LAYOUT) for m in sent["new"]} == {LAYOUT_COLUMNS}
    assert sum(map(len, sent["new"])) < sum(map(len, sent["old"]))


def test_one_layout_alone_forces_it_even_raw():
    noise = random.Random(2).randbytes(2 * 64 * 13 // 8)
    frame = Frame(seq=1, panel=(400, 300), rect=(8, 5, 64, 13), colors=(1, 2), planes=noise)
    (message,) = encode_frame(frame, layouts=(LAYOUT_COLUMNS,))
    body = cbor2.loads(message)
    assert body[K_LAYOUT] == LAYOUT_COLUMNS and body[5] == 0  # raw columns: 2 bands x 64 B
    assert len(body[K_DATA]) == 2 * 2 * 64
    assert decode_message(message)[K_DATA] == noise
