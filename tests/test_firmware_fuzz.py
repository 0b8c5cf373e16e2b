"""Fuzz the node's frame decoder under the real MicroPython: 10,000+ random and mutated frame
messages, zero crashes, every invalid one rejected before a byte reaches the panel RAM, and
every accepted one provably intact (CBOR, geometry and CRC re-checked here with cbor2/zlib)."""

from __future__ import annotations

import json
import random
import struct
import subprocess
import zlib

import cbor2

from renderer.frame import K_DATA, LAYOUT_COLUMNS, Frame, decode_message, encode_frame
from tests.fw_node import FIRMWARE, ROOT

N_CASES = 10_500
ERRORS = {"cbor", "version", "schema", "geometry", "rect", "colors", "enc", "wbits",
          "length", "inflate", "crc"}


def _seeds(rng: random.Random) -> list[bytes]:
    """Valid messages to mutate: in rows, and forced into the columns layout (frame key 15),
    one of them with a short last band."""
    out = []
    rects = [(80, 40, 64, 24), (0, 0, 400, 8), (392, 292, 8, 8), (8, 100, 200, 40),
             (8, 100, 200, 43)]
    for seq, rect in enumerate(rects, start=1):
        _, _, w, h = rect
        planes = bytes(rng.randrange(256) if rng.random() < 0.3 else 0
                       for _ in range(2 * w * h // 8))
        frame = Frame(seq, (400, 300), rect, (1, 2), planes, wake_at=1_800_000_000)
        for layouts in ((0,), (LAYOUT_COLUMNS,)):
            out += encode_frame(frame, wbits=rng.choice([9, 10]), max_msg=4096, layouts=layouts)
    return out


_NASTY = [
    b"", b"\xa0", b"\xbf\xff", b"\x9f\xff", b"\xc0\x00", b"\xf9\x00\x00", b"\xfb" + bytes(8),
    b"\x20", b"\x5b\xff\xff\xff\xff\xff\xff\xff\xff", b"\xbb\xff\xff\xff\xff\xff\xff\xff\xff",
    b"\x81" * 200 + b"\x00", b"\xa1" * 100 + b"\x00", b"\xf6", b"\xf7", b"\x7f\xff", b"\x1c",
    b"\xa1\x00\x61\xff",
]


def _bomb(size: int) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -10)
    return c.compress(bytes(size)) + c.flush()


_BOMBS = [_bomb(n) for n in (10_000, 200_000, 2_000_000)]


def _mutate(rng: random.Random, seeds: list[bytes]) -> tuple[bytes, str | None]:
    """A case and what it must give: None = anything but a crash, or a required outcome."""
    base = rng.choice(seeds)
    kind = rng.randrange(10)
    if kind == 0:
        return rng.randbytes(rng.randrange(1, 120)), None
    if kind == 1:
        b = bytearray(base)
        for _ in range(rng.randrange(1, 8)):
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        return bytes(b), None
    if kind == 2:
        return base[:rng.randrange(len(base))], "reject"
    if kind == 3:
        b = bytearray(base)
        i = rng.randrange(len(b))
        if rng.random() < 0.5:
            del b[i]
        else:
            b.insert(i, rng.randrange(256))
        return bytes(b), None
    if kind == 4:
        return rng.choice(_NASTY), "reject"
    body = cbor2.loads(base)
    if kind == 5:  # a known key gets a value of the wrong type / out of range
        key = rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15])
        body[key] = rng.choice([-1, 2**64 - 1, 2**40, 1.5, "x", b"x", [], {}, None, True,
                                [1, 2, 3, 4, 5], [2**33, 0], [-8, 0, 8, 8], [0, 0, 0, 0]])
        return cbor2.dumps(body), None
    if kind == 6:  # drop a key
        body.pop(rng.choice(list(body)))
        return cbor2.dumps(body), None
    if kind == 7:  # data that decodes to the wrong length (CRC made to match)
        x, y, w, h = body[3]
        n = len(body[4]) * w * h // 8 + rng.choice([-1, 1, 8, -(w * h // 8)])
        raw = rng.randbytes(max(0, n))
        body[5], body[6] = 1, 10
        c = zlib.compressobj(9, zlib.DEFLATED, -10)
        body[9], body[7] = c.compress(raw) + c.flush(), zlib.crc32(raw)
        return cbor2.dumps(body), "length"
    if kind == 8:  # a bomb: much more output than the rect holds
        body[5], body[6] = 1, 10
        body[9] = rng.choice(_BOMBS)
        return cbor2.dumps(body), "length"
    # kind 9: unknown keys (must be ignored) or a changed seq: still valid
    body[rng.choice([14, 99, 1000])] = rng.choice([b"junk", "text", [1, 2], {1: 2}, 7])
    body[1] = rng.randrange(2**32)
    return cbor2.dumps(body), "ok"


def _intact(message: bytes, ram_crc: int) -> bool:
    """Independent check of an accepted message: the rect read back from the controller RAM
    holds the rows the hub's decoder gets from the message (its own CRC checked), and the
    header is sound."""
    body = cbor2.loads(message)
    x, y, w, h = body[3]
    return (body[0] == 1 and body[2] == [400, 300] and x % 8 == 0 and w % 8 == 0
            and x + w <= 400 and y + h <= 300
            and zlib.crc32(decode_message(message)[K_DATA]) == ram_crc)


def test_fuzzed_frames_never_crash_and_never_touch_the_panel_when_rejected(micropython,
                                                                           tmp_path):
    rng = random.Random(20261125)
    seeds = _seeds(rng)
    cases = [(s, "ok") for s in seeds] + [_mutate(rng, seeds) for _ in range(N_CASES)]
    corpus = tmp_path / "corpus.bin"
    with corpus.open("wb") as f:
        for message, _ in cases:
            f.write(struct.pack(">I", len(message)) + message)
    (tmp_path / "node").mkdir()
    proc = subprocess.run([micropython, str(ROOT / "tests" / "fw_fuzz.py"), str(FIRMWARE),
                           str(corpus), str(tmp_path / "node")], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-2000:]
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(results) == len(cases)
    crashes = [(i, r[2]) for i, r in enumerate(results) if r[2]]
    assert not crashes, crashes[:5]
    counts: dict[str, int] = {}
    for (message, want), (outcome, ram, _, ram_crc) in zip(cases, results, strict=True):
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome == "ok":
            assert want in (None, "ok") and _intact(message, ram_crc), message[:80]
            assert ram > 0
        else:
            assert outcome in ERRORS, outcome
            assert want != "ok", (outcome, message[:80])
            assert want in (None, "reject") or want == outcome, (want, outcome)
            assert ram == 0, f"rejected ({outcome}) but wrote {ram} bytes to panel RAM"
    print(f"fuzz: {len(cases)} messages, outcomes {dict(sorted(counts.items()))}")
    assert len(counts) >= 8  # the corpus reaches most checks, not just the CBOR layer
