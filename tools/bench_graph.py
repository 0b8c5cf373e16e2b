#!/usr/bin/env python3
"""Benchmark the Microsoft 365 source against the local emulator.

Prints (1) Graph requests per room per hour at the default poll interval, and (2) the time
to refresh 200 rooms with `$batch`, without and with a simulated Graph round trip, next to
the same refresh without batching. Run: `.venv/bin/python tools/bench_graph.py`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hub.config import HubConfig  # noqa: E402
from hub.m365 import M365Hub  # noqa: E402
from hub.m365.source import GraphRoomCalendars  # noqa: E402
from tests.m365_emulator import Emulator, emulator_config  # noqa: E402


def populate(emu: Emulator, rooms: int, meetings: int, now: datetime) -> list[str]:
    """`meetings` per room per day over two days, 30-minute slots from 08:00."""
    addresses = []
    day = now.replace(hour=8, minute=0, second=0, microsecond=0)
    for r in range(rooms):
        address = f"room-{r:03d}@contoso.com"
        emu.tenant.add_room(address, f"Room {r:03d}")
        for d in range(2):
            for m in range(meetings):
                start = day + timedelta(days=d, minutes=30 * m)
                emu.tenant.add_event(address, start, start + timedelta(minutes=25),
                                     subject=f"Meeting {m}")
        addresses.append(address)
    return addresses


def refresh_time(calendars: GraphRoomCalendars, rooms: list[str], start: datetime,
                 end: datetime, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        results = calendars.fetch_many(rooms, start, end)
        best = min(best, time.perf_counter() - t0)
        bad = [r for r, v in results.items() if not isinstance(v, list)]
        if bad:
            raise SystemExit(f"benchmark broken: {len(bad)} rooms failed, e.g. {results[bad[0]]}")
    return best


def unbatched_time(calendars: GraphRoomCalendars, rooms: list[str], start: datetime,
                   end: datetime) -> float:
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda r: calendars.fetch_one(r, start, end), rooms))
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=200)
    parser.add_argument("--meetings", type=int, default=8, help="meetings per room per day")
    parser.add_argument("--latency", type=float, default=0.15,
                        help="simulated Graph round trip in seconds for the second run")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    interval = next(f.default for f in fields(HubConfig) if f.name == "poll_interval_s")
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp, Emulator(Path(tmp)) as emu:
        client_id = f"bench-{uuid.uuid4()}"
        emu.tenant.add_client(client_id)
        emu.tenant.approve_after_polls = 1
        rooms = populate(emu, args.rooms, args.meetings, now)
        config = emulator_config(emu, client_id, Path(tmp), timezone="Europe/Berlin")
        m365 = M365Hub(config, poll_interval=interval)
        m365.client.auth.login(lambda _m: None)  # type: ignore[attr-defined]
        client, calendars = m365.client, m365.calendars
        sources = [m365.source(r) for r in rooms]
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        end = start + timedelta(days=2)

        calendars.fetch_many(rooms, start, end)  # warm up TLS connections
        before = (client.stats.http_requests, client.stats.sub_requests)
        for source in sources:  # one poll cycle as the hub runs it: every room, one by one
            source.fetch(start, end)
        http = client.stats.http_requests - before[0]
        sub = client.stats.sub_requests - before[1]
        polls_per_hour = 3600 / interval
        print(f"hub default poll interval: {interval:.0f} s ({polls_per_hour:.0f} polls/hour), "
              f"{args.meetings * 2} events per room in the 2-day window, $top={config.page_size}")
        print(f"Graph requests per room per hour (counted against the mailbox): "
              f"{sub / len(rooms) * polls_per_hour:.1f}")
        print(f"HTTP requests per room per hour (with $batch of 20): "
              f"{http / len(rooms) * polls_per_hour:.2f}  "
              f"({http} POSTs per poll for {len(rooms)} rooms)")
        print("token endpoint: about 1 refresh per hour in total (access tokens last ~60 min)")

        local = refresh_time(calendars, rooms, start, end, args.repeat)
        print(f"refresh {len(rooms)} rooms with $batch, local emulator: {local * 1000:.0f} ms")
        emu.tenant.latency = args.latency
        batched = refresh_time(calendars, rooms, start, end, 1)
        single = unbatched_time(calendars, rooms, start, end)
        print(f"refresh {len(rooms)} rooms with {args.latency * 1000:.0f} ms simulated round "
              f"trip: $batch {batched:.2f} s vs one GET per room (4 parallel) {single:.2f} s")
        client.session.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
