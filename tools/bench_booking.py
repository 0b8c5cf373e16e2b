"""Booking latency: a button press on a real MicroPython node -> booking written to a real
Radicale calendar -> the node acks the new screen. Local mosquitto, hub in this process.

Each press is one button wake of the node (alternately "Book 15" on the free screen and
"End now" on the busy one, so every press writes to the calendar). Timestamps are taken by
an MQTT observer on the broker, not inside the hub:

    press -> answer   the node's button message .. the first frame of the new screen
    press -> ack      the node's button message .. the node's ack of that screen
    wake  -> ack      the node process starting (the wake the press caused) .. that ack

After a press the firmware stays awake until it has shown a screen newer than the pressed
one (`press_wait_s`, docs/booking.md "Waking for the answer"); the last line counts the presses
whose answer arrived within that same wake.

Run: .venv/bin/python tools/bench_booking.py [--presses 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import paho.mqtt.client as mqtt  # noqa: E402

from hub.hostnode import FIRMWARE, HostNode, find_micropython  # noqa: E402
from hub.mosquitto import Mosquitto  # noqa: E402
from tests.sources_servers import Radicale  # noqa: E402
from tests.test_booking_support import BookingRig, at, room_calendar  # noqa: E402


class Observer:
    """Timestamps of the node's button and ack messages and the hub's frames, at the broker."""

    def __init__(self, port: int, node_id: str) -> None:
        self.events: list[tuple[float, str, dict | bytes]] = []
        self.lock = threading.Condition()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-observer")
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        for leaf in ("button", "ack", "frame"):
            self.client.subscribe(f"roomink/v1/{node_id}/{leaf}", qos=1)
        self.client.loop_start()

    def _on_message(self, client, userdata, msg) -> None:
        now = time.perf_counter()
        leaf = msg.topic.rsplit("/", 1)[1]
        body = json.loads(msg.payload) if leaf != "frame" else msg.payload
        with self.lock:
            self.events.append((now, leaf, body))
            self.lock.notify_all()

    def first(self, leaf: str, since: float, match=lambda body: True,
              timeout: float = 30.0) -> float | None:
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                for when, kind, body in self.events:
                    if kind == leaf and when >= since and match(body):
                        return when
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.lock.wait(left)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(presses: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="roomink-bench-booking-"))
    (work / "mosquitto").mkdir()
    (work / "radicale").mkdir()
    broker = Mosquitto(work / "mosquitto")
    broker.start()
    radicale = Radicale(work / "radicale")
    radicale.start()
    try:
        url = room_calendar(radicale, [("11:00", "12:00", "Design review")])
        with BookingRig(work, broker.port, radicale, url, at("10:15"),
                        node_id="bench-booking") as rig:
            node = HostNode(rig.node_id, work / "node", "4.2-bwr", "127.0.0.1", broker.port)
            node.write_config()
            if node.run_cycle() != 0 or not rig.hub.wait_for_ack(rig.node_id, 10):
                raise SystemExit("the node did not get its first screen:\n" + node.log_text)
            observer = Observer(broker.port, rig.node_id)
            answer, ack, wake_ack, in_wake, refused = [], [], [], 0, []
            for i in range(presses):
                pressed_seq = rig.hub.links[rig.node_id].acked_seq
                busy = rig.hub.feeds["atlas"].schedule.current(at("10:15")) is not None
                (node.directory / "buttons").write_text("2" if busy else "1")  # end / book 15
                cmd = [find_micropython(), str(FIRMWARE / "main.py"), str(node.directory)]
                t_wake = time.perf_counter()
                with open(node.directory / "node.log", "ab") as log:
                    proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT,
                                          cwd=node.directory, timeout=60)
                if proc.returncode != 0:
                    raise SystemExit("node crashed:\n" + node.log_text[-2000:])
                t_press = observer.first("button", t_wake)
                t_frame = observer.first("frame", t_wake, timeout=2)
                t_ack = observer.first("ack", t_wake, lambda b, s=pressed_seq: b.get("ok") and
                                       b.get("seq", 0) > s, timeout=0.5)
                if t_press is None:
                    raise SystemExit(f"press {i}: the node sent no button message")
                if t_frame is not None:  # None: the node was asleep before the answer
                    answer.append(t_frame - t_press)
                if t_ack is not None:
                    in_wake += 1
                    ack.append(t_ack - t_press)
                    wake_ack.append(t_ack - t_wake)
                else:  # the answer waits for the node's next wake: wake it now
                    node.run_cycle()
                    rig.hub.wait_for_ack(rig.node_id, 10)
                outcome = rig.booking.sign.outcomes[-1][1]
                if not outcome.ok:
                    refused.append(f"press {i}: {outcome.message}")
            observer.close()
    finally:
        radicale.stop()
        broker.stop()
    print(f"booking latency over {presses} presses (local mosquitto, Radicale, MicroPython "
          "unix port)")
    rows = [("press -> answer frame", answer), ("press -> node ack", ack),
            ("wake start -> node ack", wake_ack)]
    for name, values in rows:
        if values:
            print(f"  {name:24s} p50 {statistics.median(values) * 1000:7.0f} ms   "
                  f"p95 {percentile(values, 0.95) * 1000:7.0f} ms   max "
                  f"{max(values) * 1000:7.0f} ms")
        else:
            print(f"  {name:24s} -- (no answer arrived within the press's wake)")
    print(f"  answers shown within the press's own wake: {in_wake}/{presses}")
    print(f"  presses refused: {len(refused)}")
    for line in refused[:5]:
        print(f"    {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--presses", type=int, default=20)
    args = parser.parse_args()
    run(args.presses)


if __name__ == "__main__":
    main()
