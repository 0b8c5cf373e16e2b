"""Benchmark: render + pack a 7.5" black/white/red busy screen, on one core.

    .venv/bin/python tools/bench_render.py [--runs 500]

Prints the median and 95th-percentile time of render() + pack_planes() and the screens per
second one core sustains. Each run renders a different minute (the clock and the countdown
change, as they do on a live hub), so caches of whole screens cannot flatter the figure.
Target from issue 3: median <= 5 ms, >= 200 screens/s per core.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.schedule import RoomSchedule  # noqa: E402
from renderer.planes import pack_planes  # noqa: E402
from renderer.profiles import DisplayProfile, get_profile  # noqa: E402
from renderer.samples import at, samples  # noqa: E402
from renderer.screen import render  # noqa: E402


def measure(runs: int, schedule_for: Callable[[int], RoomSchedule], profile: DisplayProfile,
            start: datetime) -> tuple[float, float, float, float]:
    """(median ms, p95 ms, median CPU ms, screens/s per core from CPU time) over `runs`.

    Wall-clock times suffer when other processes share the cores; CPU time of this process
    is what one core really spends, so screens/s is computed from it.
    """
    times, cpu = [], []
    for i in range(runs):
        now = start + timedelta(minutes=i % 90, seconds=i // 90)
        schedule = schedule_for(i)
        t0, c0 = time.perf_counter(), time.process_time()
        pack_planes(render(schedule, profile, now), profile)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    times.sort()
    return (statistics.median(times) * 1000, times[int(len(times) * 0.95)] * 1000,
            statistics.median(cpu) * 1000, runs / sum(cpu))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--display", default="7.5-bwr")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    profile = get_profile(args.display)
    busy = next(s for s in samples() if s.name == "busy")
    assert busy.schedule is not None
    start = at(15, 0)
    for i in range(20):  # warm the font caches, as a running hub has
        pack_planes(render(busy.schedule, profile, start + timedelta(minutes=i % 90)), profile)
    warm = measure(args.runs, lambda i: busy.schedule, profile, start)
    # A different meeting every run: subject and organizer miss the text caches, as on the
    # first render after a calendar change.
    base = busy.schedule
    fresh = [replace(base, events=tuple(
        replace(e, subject=f"{e.subject} #{i}", organizer=f"{e.organizer} {i}")
        for e in base.events)) for i in range(args.runs)]
    cold = measure(args.runs, lambda i: fresh[i], profile, start)
    print(f"{args.display} busy screen, render + pack_planes, {args.runs} runs on one core")
    for label, (median, p95, cpu, rate) in (("same meeting", warm),
                                            ("new meeting each run", cold)):
        print(f"{label:>22}: median {median:.2f} ms (p95 {p95:.2f} ms) wall, "
              f"median {cpu:.2f} ms CPU, {rate:.0f} screens/s per core")
    return 0


if __name__ == "__main__":
    sys.exit(main())
