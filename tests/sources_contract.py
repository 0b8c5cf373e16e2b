"""The calendar-source contract: the cases every source must get right, in the room's zone.

Each case is one fixture calendar in tests/fixtures/ical/, a window, and the events the sign
must see, written as local Europe/Berlin times. The rule for each source:

* busy events must match exactly (start, end, subject, private, all-day);
* events that do not make the room busy (cancelled, transparent) may be left out, but if a
  source returns them they must be marked `busy=False` and match an expected entry.

`test_sources_contract.py` runs these cases against every source (ICS file, ICS over HTTP,
CalDAV on a real Radicale server).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hub.schedule import Event

ROOM_TZ = ZoneInfo("Europe/Berlin")
FIXTURES = Path(__file__).parent / "fixtures" / "ical"


def local(text: str) -> datetime:
    """'2026-10-20 09:00' in the room's zone."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ROOM_TZ)


@dataclass(frozen=True)
class Expect:
    start: str
    end: str
    subject: str
    busy: bool = True
    private: bool = False
    all_day: bool = False
    organizer: str | None = None  # None: not checked


@dataclass(frozen=True)
class Case:
    name: str  # fixture file stem
    window: tuple[str, str]
    expected: tuple[Expect, ...]
    extra: Callable[[list[Event]], None] | None = field(default=None, compare=False)

    @property
    def path(self) -> Path:
        return FIXTURES / f"{self.name}.ics"

    @property
    def start(self) -> datetime:
        return local(self.window[0])

    @property
    def end(self) -> datetime:
        return local(self.window[1])


def _shown(event: Event) -> tuple:
    return (event.start.astimezone(ROOM_TZ).strftime("%Y-%m-%d %H:%M"),
            event.end.astimezone(ROOM_TZ).strftime("%Y-%m-%d %H:%M"),
            event.subject, event.busy, event.private, event.all_day)


def _wanted(expect: Expect) -> tuple:
    return (expect.start, expect.end, "" if expect.private else expect.subject, expect.busy,
            expect.private, expect.all_day)


def check(case: Case, events: list[Event]) -> None:
    """Assert that `events` (one source's answer for `case.window`) honour the contract."""
    for event in events:
        assert event.start.tzinfo is not None and event.end.tzinfo is not None
    got_busy = sorted(_shown(e) for e in events if e.busy)
    want_busy = sorted(_wanted(x) for x in case.expected if x.busy)
    assert got_busy == want_busy, (
        f"{case.name}: busy events differ\n got {got_busy}\nwant {want_busy}")
    allowed_free = {_wanted(x) for x in case.expected if not x.busy}
    for event in events:
        if not event.busy:
            assert _shown(event) in allowed_free, f"{case.name}: unexpected free event {event}"
    for expect in case.expected:
        if expect.organizer is not None:
            match = [e for e in events if _shown(e) == _wanted(expect)]
            assert match and match[0].organizer == expect.organizer
    if case.extra:
        case.extra(events)


def _dst_offsets(events: list[Event]) -> None:
    # Same local time, different UTC time: the DST change on Sunday 25 October 2026.
    offsets = [e.start.utcoffset() for e in events]
    assert offsets == [timedelta(hours=2), timedelta(hours=1)]
    assert [e.start.astimezone(ZoneInfo("UTC")).hour for e in events] == [8, 9]


def _private_leaks_nothing(events: list[Event]) -> None:
    for event in events:
        if event.private:
            assert event.display_subject == "Private meeting"
            assert event.organizer == ""
            for secret in ("Salary", "Reorg", "Bob", "Carol", "bob.boss", "carol@"):
                assert secret not in repr(event)
        else:
            assert event.organizer == "Dana Fischer"  # a public meeting keeps its organizer


def _one_uid_per_series(events: list[Event]) -> None:
    assert {e.uid for e in events} == {"edited@roomink.test"}


CASES: tuple[Case, ...] = (
    Case("simple", ("2026-10-20 00:00", "2026-10-21 00:00"), (
        Expect("2026-10-20 09:00", "2026-10-20 09:30", "Standup", organizer="Ada Lovelace"),
        Expect("2026-10-20 14:00", "2026-10-20 15:30", "Design review",
               organizer="grace@example.com"),
    )),
    Case("weekly_dst", ("2026-10-19 00:00", "2026-11-02 00:00"), (
        Expect("2026-10-20 10:00", "2026-10-20 11:00", "Team weekly"),
        Expect("2026-10-27 10:00", "2026-10-27 11:00", "Team weekly"),
    ), extra=_dst_offsets),
    Case("edited_occurrence", ("2026-10-19 00:00", "2026-11-02 00:00"), (
        Expect("2026-10-22 16:00", "2026-10-22 17:30", "Planning (moved)"),
        Expect("2026-10-28 14:00", "2026-10-28 15:00", "Planning"),
    ), extra=_one_uid_per_series),
    Case("exdate", ("2026-10-19 00:00", "2026-10-24 00:00"), (
        Expect("2026-10-19 08:30", "2026-10-19 09:00", "Daily sync"),
        Expect("2026-10-20 08:30", "2026-10-20 09:00", "Daily sync"),
        Expect("2026-10-22 08:30", "2026-10-22 09:00", "Daily sync"),
        Expect("2026-10-23 08:30", "2026-10-23 09:00", "Daily sync"),
    )),
    Case("rdate", ("2026-10-19 00:00", "2026-10-26 00:00"), (
        Expect("2026-10-19 15:00", "2026-10-19 16:00", "Fortnightly demo"),
        Expect("2026-10-22 15:00", "2026-10-22 16:00", "Fortnightly demo"),
    )),
    Case("cancelled_instance", ("2026-10-19 00:00", "2026-11-02 00:00"), (
        Expect("2026-10-22 11:00", "2026-10-22 12:00", "Customer call", busy=False),
        Expect("2026-10-23 09:00", "2026-10-23 10:00", "Called off", busy=False),
        Expect("2026-10-29 11:00", "2026-10-29 12:00", "Customer call"),
    )),
    Case("all_day", ("2026-10-21 00:00", "2026-10-23 00:00"), (
        Expect("2026-10-21 00:00", "2026-10-22 00:00", "Room maintenance", all_day=True),
        Expect("2026-10-22 00:00", "2026-10-23 00:00", "Offsite", all_day=True),
    )),
    Case("multi_day", ("2026-10-21 00:00", "2026-10-22 00:00"), (
        Expect("2026-10-19 00:00", "2026-10-24 00:00", "Trade fair", all_day=True),
        Expect("2026-10-20 13:00", "2026-10-22 12:00", "Hackathon"),
    )),
    Case("floating", ("2026-10-19 00:00", "2026-11-02 00:00"), (
        Expect("2026-10-21 09:00", "2026-10-21 10:00", "Floating breakfast"),
        Expect("2026-10-21 17:00", "2026-10-21 17:45", "Floating weekly"),
        Expect("2026-10-28 17:00", "2026-10-28 17:45", "Floating weekly"),
    )),
    Case("private", ("2026-10-21 00:00", "2026-10-22 00:00"), (
        Expect("2026-10-21 10:00", "2026-10-21 11:00", "Salary review Bob", private=True),
        Expect("2026-10-21 14:00", "2026-10-21 15:00", "Reorg plans", private=True),
        Expect("2026-10-21 16:00", "2026-10-21 17:00", "Brown bag"),
    ), extra=_private_leaks_nothing),
    Case("transparent", ("2026-10-21 00:00", "2026-10-22 00:00"), (
        Expect("2026-10-21 08:00", "2026-10-21 18:00", "Cleaning crew may enter", busy=False),
        Expect("2026-10-21 11:00", "2026-10-21 12:00", "Board meeting"),
    )),
)
