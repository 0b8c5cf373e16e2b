"""Regenerate the shared frame test vectors in tests/vectors/ from the hub encoder.

Each vector is a CBOR frame message plus an entry in manifest.json saying what a node must do
with it: accept it (and what the panel then holds) or reject it with a given error code.
Run: python tools/make_vectors.py
"""

from __future__ import annotations

import json
import random
import zlib
from pathlib import Path

import cbor2

from renderer.frame import (
    K_CRC,
    K_DATA,
    K_LAYOUT,
    K_RECT,
    K_V,
    K_WBITS,
    LAYOUT_COLUMNS,
    Frame,
    deflate_raw,
    encode_frame,
)

OUT = Path(__file__).resolve().parent.parent / "tests" / "vectors"


def _pattern(width: int, height: int, colors: int, seed: int) -> bytes:
    """Deterministic planes with structure (stripes + noise) so deflate has work to do."""
    rng = random.Random(seed)
    row = width // 8
    out = bytearray()
    for c in range(colors):
        for y in range(height):
            for x in range(row):
                if (y // 8 + x + c) % 5 == 0:
                    out.append(rng.randrange(256))
                else:
                    out.append(0xFF if (y + c * 3) % 16 < 2 else 0)
        # planes must not overlap pointlessly: clear red where black is set
    return bytes(out)


def build() -> list[dict]:
    vectors: list[dict] = []

    def add(name: str, payload: bytes, expect: str, **extra) -> None:
        (OUT / f"{name}.cbor").write_bytes(payload)
        vectors.append({"name": name, "file": f"{name}.cbor", "expect": expect, **extra})

    full = Frame(seq=1, panel=(400, 300), rect=(0, 0, 400, 300), colors=(1, 2),
                 planes=_pattern(400, 300, 2, 1), wake_at=1_800_000_000, now=1_799_990_000)
    (msg,) = encode_frame(full, wbits=10)
    add("full_4in2_bwr", msg, "ok", seq=1, crc=zlib.crc32(full.planes),
        panel=[400, 300], rect=[0, 0, 400, 300], colors=[1, 2])

    region = Frame(seq=2, panel=(400, 300), rect=(80, 40, 64, 24), colors=(1, 2),
                   planes=_pattern(64, 24, 2, 2))
    (msg,) = encode_frame(region, wbits=10)
    add("region_4in2_bwr", msg, "ok", seq=2, crc=zlib.crc32(region.planes),
        panel=[400, 300], rect=[80, 40, 64, 24], colors=[1, 2])

    chunked = encode_frame(Frame(seq=3, panel=(400, 300), rect=(0, 0, 400, 300), colors=(1, 2),
                                 planes=_pattern(400, 300, 2, 3)), wbits=10, max_msg=4096)
    for i, part in enumerate(chunked):
        body = cbor2.loads(part)
        add(f"chunk_{i}_of_{len(chunked)}_4in2_bwr", part, "ok", seq=3,
            crc=body[K_CRC], panel=[400, 300], rect=body[K_RECT], colors=[1, 2],
            chunk=[i, len(chunked)])

    # The columns layout (frame key 15): a text-like full frame, where it beats rows, and a
    # region whose height is not a multiple of 8 (a short last band). `crc` is still that of
    # the rows the panel must show.
    both = (0, LAYOUT_COLUMNS)
    text = Frame(seq=4, panel=(400, 300), rect=(0, 0, 400, 300), colors=(1, 2),
                 planes=_text_like(400, 300, 2, 4))
    (msg,) = encode_frame(text, wbits=10, layouts=both)
    assert cbor2.loads(msg).get(K_LAYOUT) == LAYOUT_COLUMNS, "columns should win on text"
    add("columns_full_4in2_bwr", msg, "ok", seq=4, crc=zlib.crc32(text.planes),
        panel=[400, 300], rect=[0, 0, 400, 300], colors=[1, 2])
    short = Frame(seq=5, panel=(400, 300), rect=(8, 5, 64, 13), colors=(1, 2),
                  planes=_text_like(64, 13, 2, 5))
    (msg,) = encode_frame(short, wbits=10, layouts=(LAYOUT_COLUMNS,))  # forced: it is tiny
    add("columns_region_h13_4in2_bwr", msg, "ok", seq=5, crc=zlib.crc32(short.planes),
        panel=[400, 300], rect=[8, 5, 64, 13], colors=[1, 2])
    columns_good = cbor2.loads(msg)

    good = cbor2.loads(encode_frame(region, wbits=10)[0])

    def mutate(name: str, err: str, **changes) -> None:
        body = dict(good)
        for key, value in changes.items():
            k = int(key[1:])
            if value is None:
                body.pop(k, None)
            else:
                body[k] = value
        add(name, cbor2.dumps(body), "reject", err=err)

    mutate("bad_crc", "crc", k7=good[K_CRC] ^ 1)
    mutate("bad_version", "version", k0=2)
    mutate("no_version", "version", k0=None)
    mutate("rect_unaligned", "rect", k3=[81, 40, 64, 24])
    mutate("rect_outside", "rect", k3=[360, 290, 64, 24])
    mutate("wrong_panel", "geometry", k2=[800, 480])
    mutate("unknown_color", "colors", k4=[1, 9])
    mutate("unknown_enc", "enc", k5=7)
    mutate("wbits_too_large", "wbits", k6=15)
    mutate("missing_data", "schema", k9=None)
    mutate("data_wrong_type", "schema", k9="text")
    mutate("bad_deflate", "inflate", k9=b"\xff" * 40)
    add("truncated_cbor", encode_frame(region, wbits=10)[0][:-7], "reject", err="cbor")
    add("not_a_map", cbor2.dumps([1, 2, 3]), "reject", err="schema")
    bomb = zlib.compressobj(9, zlib.DEFLATED, -10)
    bomb_data = bomb.compress(bytes(1_000_000)) + bomb.flush()
    mutate("decompression_bomb", "length", k9=bomb_data)
    mutate("short_data", "length", k9=zlib.compressobj(9, zlib.DEFLATED, -10).compress(b"")
           + b"\x03\x00", k6=good[K_WBITS])
    mutate("unknown_layout", "enc", k15=7)
    # rows data (64x24: as long as its columns would be) labelled columns, as one flipped bit
    # of an unsigned frame would: the CRC is over the rows the panel must show, so `crc`.
    mutate("columns_layout_flipped", "crc", k15=LAYOUT_COLUMNS)
    mutate("layout_wrong_type", "schema", k15="columns")
    # rows data labelled columns: for the h=13 region the rows (104 B a plane) are shorter
    # than the columns (2 bands x 64 B), so the node must say `length`.
    wrong = dict(columns_good)
    rows_data = short.planes
    wrong[K_DATA], wrong[K_CRC] = deflate_raw(rows_data, 10), zlib.crc32(rows_data)
    add("columns_rows_length", cbor2.dumps(wrong), "reject", err="length")
    assert good[K_V] == 1 and good[K_DATA]
    return vectors


def _text_like(width: int, height: int, colors: int, seed: int) -> bytes:
    """Planes with the same small glyph repeated at many x offsets, as a text line has."""
    rng = random.Random(seed)
    glyph = [rng.randrange(1, 1 << 11) for _ in range(9)]  # 11 px wide, 9 rows high
    rows = [[0] * width for _ in range(height * colors)]
    for c in range(colors):
        for top in range(1, height - 9, 16):
            x = rng.randrange(0, 6)
            while x + 11 < width:
                for dy, bits in enumerate(glyph):
                    for dx in range(11):
                        if bits >> dx & 1:
                            rows[c * height + top + dy][x + dx] = 1
                x += 12 + rng.randrange(0, 3)
    out = bytearray()
    for row in rows:
        for x in range(0, width, 8):
            out.append(sum(row[x + i] << (7 - i) for i in range(8)))
    return bytes(out)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.cbor"):
        old.unlink()
    vectors = build()
    (OUT / "manifest.json").write_text(json.dumps({"vectors": vectors}, indent=1) + "\n")
    print(f"wrote {len(vectors)} vectors to {OUT}")


if __name__ == "__main__":
    main()
