"""Smallest MicroPython heap the node firmware works in, found by bisection on -X heapsize.

Two workloads, with the firmware precompiled to .mpy as deployed:
  decode : a full 800x480 black/white/red frame (chunked to max_msg) plus a region update,
           through framedec + UC8179 driver + virtual panel (tests/fw_feed.py)
  wake   : one whole wake cycle of a 7.5-bwr node (main.py) against mosquitto, answered by a
           small hub stand-in with a region update
For each it prints the heap the loaded code occupies (x64 unix port: code lives in the heap and
objects are twice their ESP32 size), the smallest working heap, and the difference: the data
heap the firmware needs. Run: python tools/bench_fw_heap.py
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hub.hostnode import find_micropython  # noqa: E402
from hub.mosquitto import Mosquitto  # noqa: E402
from renderer.frame import Frame, encode_frame  # noqa: E402
from tests.fw_build import build  # noqa: E402
from tests.fw_node import make_node_dir  # noqa: E402
from tests.test_firmware_drivers import screen_planes  # noqa: E402
from tests.test_firmware_memory import Responder  # noqa: E402

MAX_MSG = 6144


def smallest_heap(works: Callable[[int], bool], lo: int, hi: int, step: int) -> int | None:
    """The smallest -X heapsize in (lo, hi] for which `works`, to within `step` bytes, by
    bisection; None when not even `hi` works. Shared with bench_bundle."""
    if not works(hi):
        return None
    while hi - lo > step:
        mid = (lo + hi) // 2
        if works(mid):
            hi = mid
        else:
            lo = mid
    return hi


def bisect(works: Callable[[int], bool], lo: int = 16_000, hi: int = 400_000) -> int:
    smallest = smallest_heap(works, lo, hi, 256)
    if smallest is None:
        raise SystemExit(f"does not even work with a {hi} B heap")
    return smallest


def decode_case(mp: str, fw: Path, tmp: Path) -> tuple[int, int]:
    pw, ph = 800, 480
    msgs = encode_frame(Frame(1, (pw, ph), (0, 0, pw, ph), (1, 2), screen_planes(pw, ph, 2, 5)),
                        wbits=10, max_msg=MAX_MSG)
    msgs += encode_frame(Frame(2, (pw, ph), (0, 400, 800, 80), (1, 2),
                               screen_planes(800, 80, 2, 6)), max_msg=MAX_MSG)
    files = []
    for i, m in enumerate(msgs):
        path = tmp / f"m{i}.cbor"
        path.write_bytes(m)
        files.append(str(path))

    def run(heap: int | None) -> subprocess.CompletedProcess[str]:
        work = tmp / "work"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        args = [mp] + (["-X", f"heapsize={heap}"] if heap else [])
        args += [str(ROOT / "tests" / "fw_feed.py"), str(fw), str(work), "7.5-bwr", "10",
                 str(MAX_MSG), *files]
        return subprocess.run(args, capture_output=True, text=True, timeout=120)

    probe = run(None)
    code = json.loads(probe.stdout.splitlines()[-1])["code"]

    def works(heap: int) -> bool:
        out = run(heap)
        lines = out.stdout.splitlines()
        return out.returncode == 0 and all(json.loads(x).get("ok", True) for x in lines)

    return code, bisect(works)


def wake_case(mp: str, fw: Path, tmp: Path) -> tuple[int, int]:
    (tmp / "broker").mkdir()
    broker = Mosquitto(tmp / "broker")
    broker.start()
    try:
        probe_dir = make_node_dir(tmp / "probe", "heap-probe", 1, profile="7.5-bwr")
        out = subprocess.run([mp, str(ROOT / "tests" / "fw_memloop.py"), str(fw),
                              str(probe_dir), "0", str(MAX_MSG)], capture_output=True,
                             text=True, timeout=60)
        code = json.loads(out.stdout.splitlines()[0])["code"]
        count = [0]

        def works(heap: int) -> bool:
            count[0] += 1
            node = f"heap-wake-{count[0]}"
            node_dir = make_node_dir(tmp, node, broker.port, profile="7.5-bwr",
                                     max_msg=MAX_MSG, max_awake_s=10)
            hub = Responder(broker.port, node)
            try:
                run = subprocess.run([mp, "-X", f"heapsize={heap}", str(fw / "main.py"),
                                      str(node_dir)], capture_output=True, text=True,
                                     timeout=60)
            finally:
                hub.close()
            return run.returncode == 0 and "frame seq=1 shown" in run.stdout and hub.acks == 1

        return code, bisect(works)
    finally:
        broker.stop()


def main() -> None:
    mp = find_micropython()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        fw = build(tmp / "mpy")
        print(f"{'workload':<8} {'code B':>8} {'min heap B':>10} {'data B':>8}")
        for name, case in (("decode", decode_case), ("wake", wake_case)):
            work = tmp / name
            work.mkdir()
            code, heap = case(mp, fw, work)
            print(f"{name:<8} {code:>8} {heap:>10} {heap - code:>8}")
    print(f"\nmax_msg {MAX_MSG}; 'code' includes the virtual panel and test harness modules, "
          "'data' is what the firmware needs beyond its loaded code")


if __name__ == "__main__":
    main()
