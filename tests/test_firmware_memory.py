"""100 wake cycles of the 7.5" BWR node in one MicroPython heap: frames arrive and are shown
every cycle, and the free heap after the last cycle equals the first (no leak). Frames alternate
between the rows and the columns layout (frame key 15), a columns one with a short last band.

The heap is DATA_HEAP for data plus what the loaded code occupies on the unix port, where code and
the virtual panel live in the heap with 64-bit objects: see docs/firmware.md, Memory.
"""

from __future__ import annotations

import json
import random
import subprocess
import threading

import paho.mqtt.client as mqtt

from renderer.frame import Frame, encode_ctl, encode_frame
from tests.fw_build import build
from tests.fw_columns import columns_message
from tests.fw_node import ROOT, make_node_dir
from tests.mqttready import connect_subscribed

CYCLES = 100
# Data heap on the 64-bit unix port, where every object is twice its ESP32 size: 32 KB was
# enough until frame authentication (HMAC pads, sha256 state) added ~2 KB.
DATA_HEAP = 36 * 1024
PANEL = (800, 480)


class Responder:
    """Answers every live hello with a small region update and the ctl for that wake."""

    def __init__(self, port: int, node: str) -> None:
        self.node, self.seq, self.acks = node, 0, 0
        self.rng = random.Random(7)
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"mem-{node}")
        self.client.on_message = self.on_message
        self.lock = threading.Lock()
        connect_subscribed(self.client, port, [(f"roomink/v1/{node}/hello", 1),
                                               (f"roomink/v1/{node}/ack", 1)])

    def on_message(self, _c, _u, msg) -> None:
        if msg.topic.endswith("/ack"):
            if json.loads(msg.payload).get("ok"):
                with self.lock:
                    self.acks += 1
            return
        if msg.retain:
            return
        hello = json.loads(msg.payload)
        with self.lock:
            self.seq += 1
            seq = self.seq
        x, y = 8 * self.rng.randrange(0, 90), self.rng.randrange(0, 460)
        planes = self.rng.randbytes(2 * 64 * 16 // 8)
        if seq % 2 and 1 in hello.get("layouts", [0]):  # odd: columns (frame key 15 = 1)
            msgs = [columns_message(seq, PANEL, (x, y, 64, 13), (1, 2),
                                    planes[:2 * 64 * 13 // 8], wbits=hello["wbits"])]
        else:
            msgs = encode_frame(Frame(seq, PANEL, (x, y, 64, 16), (1, 2), planes),
                                wbits=hello["wbits"], max_msg=hello["max_msg"])
        for m in msgs:
            self.client.publish(f"roomink/v1/{self.node}/frame", m, qos=1)
        self.client.publish(f"roomink/v1/{self.node}/ctl",
                            encode_ctl(seq, 1_800_000_060, 1_800_000_000, hello["wake_id"]),
                            qos=1, retain=True)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def run_loop(micropython: str, firmware, node_dir, cycles: int, heap: int | None,
             max_msg: int = 8192):
    args = [micropython] + (["-X", f"heapsize={heap}"] if heap else [])
    args += [str(ROOT / "tests" / "fw_memloop.py"), str(firmware), str(node_dir), str(cycles),
             str(max_msg)]
    out = subprocess.run(args, capture_output=True, text=True, timeout=300)
    lines = [json.loads(x) for x in out.stdout.splitlines() if x.startswith("{")]
    return out, lines


def test_hundred_wake_cycles_do_not_leak(micropython, mosquitto, tmp_path):
    firmware = build(tmp_path / "mpy")
    node = "fw-memory"
    probe_dir = make_node_dir(tmp_path / "probe", node + "-probe", 1, profile="7.5-bwr")
    _, probe = run_loop(micropython, firmware, probe_dir, 0, None)
    code = probe[0]["code"]
    node_dir = make_node_dir(tmp_path, node, mosquitto.port, profile="7.5-bwr",
                             max_msg=8192, max_awake_s=10)
    hub = Responder(mosquitto.port, node)
    try:
        out, lines = run_loop(micropython, firmware, node_dir, CYCLES, code + DATA_HEAP)
    finally:
        hub.close()
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
    cycles = [x for x in lines if "cycle" in x]
    assert len(cycles) == CYCLES
    assert [c["shown"] for c in cycles] == list(range(1, CYCLES + 1)), "a frame was missed"
    assert hub.acks == CYCLES
    free = [c["free"] for c in cycles]
    print(f"memory: code {code} B, heap {code + DATA_HEAP} B, free after cycle 1 {free[0]} B, "
          f"after cycle 2 {free[1]} B, after cycle {CYCLES} {free[-1]} B, min {min(free)} B")
    # Cycle 1 is a power-on wake and cycle 2 the first timer wake (RTC memory read, its keys
    # interned): a one-time step. From then on the free heap must not move at all.
    assert 0 <= free[0] - free[1] <= 256, free[:3]
    assert free[1:] == [free[1]] * (CYCLES - 1), f"free heap drifts: {free[1]} -> {free[-1]}"
