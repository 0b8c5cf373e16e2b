"""How long does a busy room's ICS calendar take to parse and expand for one week?

Generates a room calendar of 5,000 events (by default): 90 % single meetings spread over two
years around "now", 10 % weekly/daily series with a few edited and cancelled occurrences, in
Europe/Berlin with a VTIMEZONE, as Google or Outlook would export it. Then times

* parse: bytes -> icalendar objects (once per changed feed),
* index + first window: one-offs normalised, recurring series built (once per changed feed),
* next window: a 7-day window -> `Event`s (every poll; after a 304 this is all it costs),
* parse_ics: parse + expand in one call, what a cold start costs.

Usage: python tools/bench_sources.py [--events 5000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.sources.ics_expand import CalendarIndex, parse_ics  # noqa: E402
from hub.sources.ics_parse import load_calendar  # noqa: E402

TZ = ZoneInfo("Europe/Berlin")
VTIMEZONE = """BEGIN:VTIMEZONE\r
TZID:Europe/Berlin\r
BEGIN:DAYLIGHT\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
TZNAME:CEST\r
DTSTART:19700329T020000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
END:DAYLIGHT\r
BEGIN:STANDARD\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
TZNAME:CET\r
DTSTART:19701025T030000\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r
END:STANDARD\r
END:VTIMEZONE\r
"""


def _fmt(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def make_calendar(count: int, now: datetime, seed: int = 5000) -> bytes:
    """A room calendar with `count` VEVENTs (series count once, plus their overrides)."""
    rng = random.Random(seed)
    lines = ["BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//roomink//bench//EN\r\n", VTIMEZONE]
    series = count // 10
    for i in range(count):
        day = now.date() + timedelta(days=rng.randint(-365, 365))
        start = datetime(day.year, day.month, day.day, rng.randint(7, 18),
                         rng.choice((0, 15, 30, 45)))
        minutes = rng.choice((15, 30, 45, 60, 90, 120))
        body = [f"UID:bench-{i}@roomink\r\nDTSTAMP:20260101T000000Z\r\n",
                f"DTSTART;TZID=Europe/Berlin:{_fmt(start)}\r\n",
                f"DTEND;TZID=Europe/Berlin:{_fmt(start + timedelta(minutes=minutes))}\r\n",
                f"SUMMARY:Meeting {i} of team {rng.randint(1, 40)}\r\n",
                f"ORGANIZER;CN=Person {i % 97}:mailto:p{i % 97}@example.com\r\n"]
        if rng.random() < 0.05:
            body.append("CLASS:PRIVATE\r\n")
        if i < series:
            freq = "DAILY;BYDAY=MO,TU,WE,TH,FR" if i % 4 == 0 else "WEEKLY"
            body.append(f"RRULE:FREQ={freq};COUNT={rng.randint(10, 200)}\r\n")
            if i % 3 == 0:
                body.append(f"EXDATE;TZID=Europe/Berlin:{_fmt(start + timedelta(days=7))}\r\n")
        lines.append("BEGIN:VEVENT\r\n" + "".join(body) + "END:VEVENT\r\n")
        if i < series and i % 5 == 0:  # an edited and a cancelled occurrence
            moved = start + timedelta(days=14)
            lines.append(
                f"BEGIN:VEVENT\r\nUID:bench-{i}@roomink\r\nDTSTAMP:20260101T000000Z\r\n"
                f"RECURRENCE-ID;TZID=Europe/Berlin:{_fmt(moved)}\r\n"
                f"DTSTART;TZID=Europe/Berlin:{_fmt(moved + timedelta(hours=1))}\r\n"
                f"DTEND;TZID=Europe/Berlin:{_fmt(moved + timedelta(hours=2))}\r\n"
                f"SUMMARY:Moved {i}\r\nEND:VEVENT\r\n"
                f"BEGIN:VEVENT\r\nUID:bench-{i}@roomink\r\nDTSTAMP:20260101T000000Z\r\n"
                f"RECURRENCE-ID;TZID=Europe/Berlin:{_fmt(start + timedelta(days=21))}\r\n"
                f"DTSTART;TZID=Europe/Berlin:{_fmt(start + timedelta(days=21))}\r\n"
                f"DTEND;TZID=Europe/Berlin:{_fmt(start + timedelta(days=21, hours=1))}\r\n"
                f"STATUS:CANCELLED\r\nSUMMARY:Cancelled {i}\r\nEND:VEVENT\r\n")
    lines.append("END:VCALENDAR\r\n")
    return "".join(lines).encode()


def _best(samples: list[float]) -> str:
    median, best = statistics.median(samples) * 1000, min(samples) * 1000
    return f"median {median:8.1f} ms   best {best:8.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    now = datetime(2026, 10, 21, 12, 0, tzinfo=TZ)
    start = datetime(2026, 10, 19, tzinfo=TZ)  # Monday before the DST change
    end = start + timedelta(days=7)
    data = make_calendar(args.events, now)

    parse, index, expand, total = [], [], [], []
    found = 0
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        calendar, _problems = load_calendar(data, "bench.ics")
        t1 = time.perf_counter()
        indexed = CalendarIndex(calendar, TZ, "bench.ics")
        indexed.expand(start, end)  # the first window also builds the recurring series
        t2 = time.perf_counter()
        expansion = indexed.expand(start + timedelta(minutes=1), end + timedelta(minutes=1))
        t3 = time.perf_counter()
        parse_ics(data, start, end, TZ, "bench.ics")
        t4 = time.perf_counter()
        parse.append(t1 - t0)
        index.append(t2 - t1)
        expand.append(t3 - t2)
        total.append(t4 - t3)
        found = len(expansion.events)

    print(f"room calendar: {args.events:,} events ({args.events // 10:,} recurring series), "
          f"{len(data) / 1e6:.2f} MB; 7-day window {start:%Y-%m-%d}..{end:%Y-%m-%d} "
          f"-> {found} events; {args.repeat} runs")
    print(f"parse (icalendar, once per changed feed):    {_best(parse)}")
    print(f"index + first window (once per changed feed): {_best(index)}")
    print(f"next window (every poll, also after a 304):   {_best(expand)}")
    print(f"parse_ics = parse + expand (cold start):      {_best(total)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
