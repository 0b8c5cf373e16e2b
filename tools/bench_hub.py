"""Hub scale benchmark: N rooms/nodes against a private mosquitto on this machine.

Prints, per N: time from the nodes' hellos until every node acked its first screen, the hub
process's peak RSS, and the latency from a calendar change (poll triggered, so polling wait
is excluded) to the node's ack (p50/p95 over 30 changes).

Run: .venv/bin/python tools/bench_hub.py [N ...]   (default: 100 1000)
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hub.commands.hubcmd import publish  # noqa: E402
from hub.mosquitto import Mosquitto  # noqa: E402
from hub.simfleet import SimFleet  # noqa: E402
from renderer.profiles import get_profile  # noqa: E402

EVENT = """BEGIN:VEVENT
UID:bench-{n}@roomink
DTSTAMP:20260101T000000Z
DTSTART:{start}
DTEND:{end}
SUMMARY:Benchmark change {n}
END:VEVENT
END:VCALENDAR
"""


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(n: int, work: Path) -> dict:
    broker = Mosquitto(work)
    broker.start()
    base = (ROOT / "examples" / "atlas.ics").read_text()
    rooms, nodes = [], []
    for i in range(n):
        (work / f"room{i}.ics").write_text(base)
        rooms.append(f'[[rooms]]\nid = "r{i}"\nname = "Room {i}"\ndisplay = "7.5-bwr"\n'
                     f'calendar = "room{i}.ics"\n')
        nodes.append(f'[[nodes]]\nid = "sim-{i:04d}"\nroom = "r{i}"\n')
    config = work / "hub.toml"
    config.write_text(f'[hub]\nbroker = "{broker.url}"\ntimezone = "Europe/Berlin"\n'
                      f'poll_interval = 86400\nstate_dir = "state"\n\n'
                      + "\n".join(rooms) + "\n" + "\n".join(nodes))
    ids = [f"sim-{i:04d}" for i in range(n)]
    fleet = SimFleet(ids, get_profile("7.5-bwr"), "127.0.0.1", broker.port)
    fleet.start(hello=False)
    log_path = work / "hub.log"
    with open(log_path, "w") as log_file:
        hub = subprocess.Popen([sys.executable, "-m", "hub", "run", "-c", str(config)],
                               cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        # The hellos are retained: sent before the hub's subscriptions are confirmed, they
        # would reach it as registry information only and get no screen.
        deadline = time.monotonic() + 60
        while "hub running" not in log_path.read_text():
            if hub.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"N={n}: the hub did not start:\n{log_path.read_text()[-2000:]}")
            time.sleep(0.05)
        t0 = time.monotonic()
        fleet.say_hello()
        if not fleet.wait_all(1, timeout=300):
            raise SystemExit(f"N={n}: not every node acked within 300 s")
        refresh_s = time.monotonic() - t0
        latencies = []
        for k in range(30):
            i = (k * 7919) % n
            now = time.gmtime(time.time() - 60)
            end = time.gmtime(time.time() + 3600)
            text = base.replace("END:VCALENDAR\n", EVENT.format(
                n=k, start=time.strftime("%Y%m%dT%H%M%SZ", now),
                end=time.strftime("%Y%m%dT%H%M%SZ", end)))
            (work / f"room{i}.ics").write_text(text)
            before = fleet.acked_at.get(ids[i], 0.0)
            t1 = time.monotonic()
            publish(broker.url, "roomink/hub/cmd", json.dumps({"cmd": "poll", "room": f"r{i}"})
                    .encode())
            deadline = t1 + 10
            while fleet.acked_at.get(ids[i], 0.0) == before and time.monotonic() < deadline:
                time.sleep(0.002)
            latencies.append(fleet.acked_at.get(ids[i], deadline) - t1)
            (work / f"room{i}.ics").write_text(base)
        rss = peak_rss_mb(hub.pid)
    finally:
        hub.terminate()
        hub.wait(timeout=30)
        fleet.stop()
        broker.stop()
    latencies.sort()
    return {"n": n, "refresh_s": refresh_s, "rss_mb": rss, "bytes": fleet.bytes_received,
            "p50_ms": statistics.median(latencies) * 1000,
            "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000}


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [100, 1000]
    print(f"{'rooms':>6} {'refresh all':>12} {'per room':>9} {'hub peak RSS':>13} "
          f"{'bytes sent':>11} {'change->ack p50':>16} {'p95':>8}")
    for n in sizes:
        work = Path(tempfile.mkdtemp(prefix=f"bench-hub-{n}-"))
        try:
            r = run(n, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        print(f"{r['n']:>6} {r['refresh_s']:>10.1f} s {r['refresh_s'] / n * 1000:>6.1f} ms "
              f"{r['rss_mb']:>10.0f} MB {r['bytes']:>11} {r['p50_ms']:>13.0f} ms "
              f"{r['p95_ms']:>5.0f} ms")


if __name__ == "__main__":
    main()
