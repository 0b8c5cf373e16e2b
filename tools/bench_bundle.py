"""Bundle size per display profile and free heap after boot, as `roomink bundle` builds them.

For each profile:
  esp32 bundle : files and bytes `roomink flash` copies to the board (mpy 6.3, xtensawin)
  unix bundle  : the same firmware built for the unix port (x64; includes the virtual panel)
  free heap    : the `heap` the node reports in its hello after boot (one wake cycle against
                 a private mosquitto) under `micropython -X heapsize=HEAP`, for the unix
                 bundle (.mpy) and for the firmware run from source (.py, compiled on load)
  min heap     : the smallest -X heapsize with which the node still reaches its hello
                 (bisection, 1 KB steps), for the bundle and for the source

The unix port keeps loaded code in the heap and its objects are twice the ESP32's size, so
these heaps are upper bounds for a board, where frozen or .mpy code costs less.

Run: python tools/bench_bundle.py [HEAP_KB [PROFILE ...]]   (default 160, every profile)
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hub.flashing.bundle import build_bundle, config_template, firmware_profiles  # noqa: E402
from hub.flashing.mpy import micropython_target  # noqa: E402
from hub.hostnode import find_micropython  # noqa: E402
from hub.mosquitto import Mosquitto  # noqa: E402
from tools.bench_fw_heap import smallest_heap  # noqa: E402

_runs = 0


def boot(micropython: str, main_py: Path, profile: str, heap: int, port: int,
         work: Path) -> int | None:
    """Free heap reported at boot, or None when the node did not reach its hello."""
    global _runs
    _runs += 1
    node_dir = work / f"node-{_runs}"
    node_dir.mkdir()
    config = config_template(profile)
    config.update(node_id=f"bench-{_runs}", broker_host="127.0.0.1", broker_port=port,
                  username="u", password="p", wifi_ssid="x", wifi_password="y", max_awake_s=1)
    (node_dir / "config.json").write_text(json.dumps(config))
    proc = subprocess.run([micropython, "-X", f"heapsize={heap}", str(main_py), str(node_dir)],
                          capture_output=True, text=True, timeout=60)
    match = re.search(r"heap=(\d+)", proc.stdout)
    if "hello published" not in proc.stdout or not match:
        return None
    return int(match.group(1))


def min_heap(works) -> int | None:
    return smallest_heap(works, 32 * 1024, 512 * 1024, 1024)


def main() -> None:
    heap = int(sys.argv[1]) * 1024 if len(sys.argv) > 1 else 160 * 1024
    profiles = sys.argv[2:] or sorted(firmware_profiles())
    unknown = sorted(set(profiles) - set(firmware_profiles()))
    if unknown:
        raise SystemExit(f"unknown profile(s) {', '.join(unknown)}; known: "
                         f"{', '.join(sorted(firmware_profiles()))}")
    micropython = find_micropython()
    target = micropython_target(micropython)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        broker = Mosquitto(work)
        broker.start()
        try:
            def measure(profile: str) -> tuple:
                esp = build_bundle(work / "esp32" / profile, profile, "esp32")
                unix = build_bundle(work / "unix" / profile, profile, "unix", target)
                main_mpy = unix.directory / "main.py"
                free_mpy = boot(micropython, main_mpy, profile, heap, broker.port, work)
                free_src = boot(micropython, ROOT / "firmware" / "main.py", profile, heap,
                                broker.port, work)
                smallest = min_heap(lambda h: boot(micropython, main_mpy, profile, h,
                                                   broker.port, work) is not None)
                smallest_src = min_heap(lambda h: boot(micropython, ROOT / "firmware" / "main.py",
                                                       profile, h, broker.port, work) is not None)
                return profile, esp, unix, free_mpy, free_src, smallest, smallest_src

            with ThreadPoolExecutor(max_workers=4) as pool:
                rows = list(pool.map(measure, profiles))
        finally:
            broker.stop()
    kb = heap // 1024
    print(f"MicroPython unix port {micropython} ({target}); heaps for -X heapsize={kb}k")
    print(f"{'profile':18} {'esp32 bundle':>18} {'unix bundle':>12} "
          f"{'free heap .mpy':>15} {'free heap .py':>14} {'min heap .mpy':>14} "
          f"{'min heap .py':>13}")

    def fmt(v: int | None) -> str:
        return "no hello" if v is None else f"{v:,}"

    def kb(v: int | None) -> str:
        return f"{v // 1024} KB" if v else "-"

    for profile, esp, unix, free_mpy, free_src, smallest, smallest_src in rows:
        print(f"{profile:18} {len(esp.files):3d} files {esp.size:7,d} B {unix.size:10,d} B "
              f"{fmt(free_mpy):>15} {fmt(free_src):>14} {kb(smallest):>14} "
              f"{kb(smallest_src):>13}")


if __name__ == "__main__":
    main()
