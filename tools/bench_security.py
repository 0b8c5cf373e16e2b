"""Benchmark: what frame authentication costs, hub and node side.

    .venv/bin/python tools/bench_security.py

Prints the hub's time to sign a frame message (CPython), and the node's time and heap churn to
check one (firmware/auth.py under the MicroPython unix port; an ESP32 at 240 MHz is roughly
20-40x slower per byte, with hashlib running in software), for message sizes from a small ctl
to a 16 KB frame chunk. Asserts nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hub.hostnode import find_micropython  # noqa: E402
from hub.security.mac import sign_message  # noqa: E402

KEY = os.urandom(32)
SIZES = (40, 1024, 4096, 16384)
NODE_SCRIPT = """
import sys, time, gc
sys.path.insert(0, %(fw)r)
from auth import Auth
a = Auth(bytes.fromhex(%(key)r), "bench")
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        buf = bytearray(f.read())
    mv = memoryview(buf)
    a.check(b"frame", mv)
    gc.collect()
    free = gc.mem_free()
    t = time.ticks_us()
    for _ in range(200):
        a.check(b"frame", mv)
    us = time.ticks_diff(time.ticks_us(), t) / 200
    print(len(buf), us, (free - gc.mem_free()) // 200)
"""


def signed(size: int) -> bytes:
    # a CBOR map {9: bytes} padded so the whole signed message is `size` bytes
    body_len = max(1, size - 18 - 5)
    head = bytes([0xA1, 0x09, 0x5A]) + body_len.to_bytes(4, "big")
    return sign_message(head + bytes(body_len), KEY, "frame")


def main() -> None:
    print(f"{'bytes':>7} {'hub sign':>10} {'node check':>11} {'node heap/check':>16}")
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        hub_us = {}
        for size in SIZES:
            msg = signed(size)
            path = Path(tmp) / f"{size}.bin"
            path.write_bytes(msg)
            paths.append(str(path))
            unsigned = bytes([msg[0] - 1]) + msg[1:-18]
            t = time.perf_counter()
            for _ in range(2000):
                sign_message(unsigned, KEY, "frame")
            hub_us[len(msg)] = (time.perf_counter() - t) / 2000 * 1e6
        script = NODE_SCRIPT % {"fw": str(ROOT / "firmware"), "key": KEY.hex()}
        out = subprocess.run([find_micropython(), "-c", script, *paths], capture_output=True,
                             text=True, check=True)
        for line in out.stdout.split("\n"):
            if not line.strip():
                continue
            n, us, heap = line.split()
            print(f"{int(n):>7} {hub_us[int(n)]:>8.1f}us {float(us):>9.1f}us {int(heap):>14} B")


if __name__ == "__main__":
    main()
