"""Every benchmark in tools/ still runs, on a tiny workload.

The figures in the docs and closing notes come from these scripts; one of them broke once
when a firmware module was renamed and nobody noticed until the figures were due. This runs
each end to end with the smallest sizes it accepts and checks that it printed its result
lines. It says nothing about speed: the figures themselves are only read by people.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

BENCHES = [
    ("bench_codec.py", ["--until", "8"], ["7.5-bwr busy, first frame", "simulated day", "ratio"]),
    ("bench_render.py", ["--runs", "3"], ["screens/s per core"]),
    ("bench_security.py", [], ["hub sign", "node check"]),
    ("bench_graph.py", ["--rooms", "4", "--repeat", "1", "--latency", "0.01"],
     ["Graph requests per room per hour", "one GET per room"]),
    ("bench_sources.py", ["--events", "200", "--repeat", "1"], ["next window", "parse_ics"]),
    ("bench_hub.py", ["3"], ["refresh all", "change->ack"]),
    ("bench_web.py", ["4", "2"], ["browser reload"]),
    ("bench_booking.py", ["--presses", "2"], ["press -> node ack", "answers shown"]),
    ("bench_wake.py", [], ["8-meeting day", "modelled battery life"]),
    ("bench_fw_heap.py", [], ["decode", "wake"]),
    ("bench_bundle.py", ["160", "2.9-bw"], ["2.9-bw", "min heap .mpy"]),
]


@pytest.mark.parametrize("script,args,expect", BENCHES, ids=[b[0] for b in BENCHES])
def test_benchmark_runs_and_prints_its_figures(script, args, expect, mosquitto):
    # `mosquitto` is requested so the session's setup has checked the broker binary exists;
    # the benchmarks start their own private brokers.
    out = subprocess.run([sys.executable, str(ROOT / "tools" / script), *args], cwd=ROOT,
                         capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
    for text in expect:
        assert text in out.stdout, f"{script} did not print {text!r}:\n{out.stdout[-2000:]}"
