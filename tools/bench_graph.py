#!/usr/bin/env python3
"""Benchmark the Microsoft 365 source against the local emulator.

Prints (1) the cold start: Graph requests of the hub's first poll round, measured through
the hub's real path (a roomink.toml, `hub.service.Hub`, every room polled one by one);
(2) Graph requests per room per hour in the steady state at the default poll interval; and
(3) the time to refresh 200 rooms with `$batch`, without and with a simulated Graph round
trip, next to the same refresh without batching. Run: `.venv/bin/python tools/bench_graph.py`.
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

from hub.config import HubConfig, load_config  # noqa: E402
from hub.m365 import M365Hub, hub_mailboxes  # noqa: E402
from hub.m365.auth import DelegatedAuth, make_session  # noqa: E402
from hub.m365.config import M365Config  # noqa: E402
from hub.m365.source import GraphRoomCalendars, GraphRoomGroup  # noqa: E402
from hub.service import Hub  # noqa: E402
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


def hub_config(emu: Emulator, folder: Path, rooms: list[str]) -> HubConfig:
    """A signed-in roomink.toml for `rooms`, as `roomink rooms --append` + `login` make it."""
    folder.mkdir(parents=True)
    client_id = f"bench-{uuid.uuid4()}"
    emu.tenant.add_client(client_id)
    emu.tenant.approve_after_polls = 1
    m365 = emulator_config(emu, client_id, folder)
    DelegatedAuth(m365, make_session(m365)).login(lambda _m: None)
    text = (f'[hub]\ntimezone = "Europe/Berlin"\nstate_dir = "{folder / "state"}"\n\n'
            f'[m365]\nclient_id = "{client_id}"\ntenant = "{emu.tenant_name}"\n'
            f'authority = "{emu.authority}"\ngraph_url = "{emu.url}"\n'
            f'ca_bundle = "{emu.ca_bundle}"\ntoken_cache = "{m365.token_cache}"\n')
    text += "".join(f'\n[[rooms]]\nid = "r{i:03d}"\n'
                    f'calendar = {{ type = "m365", mailbox = "{room}" }}\n'
                    for i, room in enumerate(rooms))
    path = folder / "roomink.toml"
    path.write_text(text)
    return load_config(path)


def poll_round(emu: Emulator, hub: Hub) -> tuple[int, int]:
    """Poll every room once, one by one as the hub's timers do: (calendar requests, POSTs)."""
    before = (len(emu.tenant.graph_records("calendarView")),
              len(emu.tenant.graph_records(r"/\$batch")))
    for room in hub.config.rooms:
        hub.poll_room(room.id)
    return (len(emu.tenant.graph_records("calendarView")) - before[0],
            len(emu.tenant.graph_records(r"/\$batch")) - before[1])


def group_of(hub: Hub) -> GraphRoomGroup:
    """The batch group behind the hub's (lazily built) Microsoft 365 sources."""
    return next(iter(hub.feeds.values())).source.source.group  # type: ignore[attr-defined]


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
        rooms = populate(emu, args.rooms, args.meetings, now)
        n = len(rooms)

        hub = Hub(hub_config(emu, Path(tmp) / "as-is", rooms))
        cold, cold_posts = poll_round(emu, hub)
        print(f"cold start through the hub config path, {n} rooms: {cold} calendar requests "
              f"in {cold_posts} $batch POSTs on the first poll round")
        known = hub_config(emu, Path(tmp) / "known", rooms)
        m365 = M365Config.from_table({"timezone": known.timezone, **known.tables["m365"]},
                                     known.base_dir)
        M365Hub.shared(m365, known.poll_interval_s, hub_mailboxes(known))
        known_sub, known_posts = poll_round(emu, Hub(known))
        print(f"  with every mailbox known when the batch group is built "
              f"(M365Hub.shared(..., mailboxes)): {known_sub} in {known_posts} POSTs")

        group = group_of(hub)
        clock = time.monotonic() + interval  # the next round, an interval later
        group.clock = lambda: clock
        sub, http = poll_round(emu, hub)
        polls_per_hour = 3600 / interval
        print(f"hub default poll interval: {interval:.0f} s ({polls_per_hour:.0f} polls/hour), "
              f"{args.meetings * 2} events per room in the 2-day window, "
              f"$top={m365.page_size}")
        print(f"Graph requests per room per hour (counted against the mailbox): "
              f"{sub / n * polls_per_hour:.1f}")
        print(f"HTTP requests per room per hour (with $batch of 20): "
              f"{http / n * polls_per_hour:.2f}  ({http} POSTs per poll round for {n} rooms)")
        print("token endpoint: about 1 refresh per hour in total (access tokens last ~60 min)")

        calendars = group.calendars
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        end = start + timedelta(days=2)
        local = refresh_time(calendars, rooms, start, end, args.repeat)
        print(f"refresh {n} rooms with $batch, local emulator: {local * 1000:.0f} ms")
        emu.tenant.latency = args.latency
        batched = refresh_time(calendars, rooms, start, end, 1)
        single = unbatched_time(calendars, rooms, start, end)
        print(f"refresh {n} rooms with {args.latency * 1000:.0f} ms simulated round "
              f"trip: $batch {batched:.2f} s vs one GET per room (4 parallel) {single:.2f} s")
        calendars.client.session.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
