"""What a room's sign should say at a given moment, decided apart from how it is drawn.

`room_state()` turns a RoomSchedule and a time into a ScreenState; layouts only draw it.
All times are converted to the zone of `now`, which is the room's local zone: events keep
their absolute instants, so a DST change never moves a meeting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from hub.schedule import Event, RoomSchedule
from hub.timing import SOON

# A meeting this close is announced as "starting soon".
STARTING_SOON = SOON
# Meetings separated by at most this much count as back-to-back.
BACK_TO_BACK_GAP = timedelta(minutes=5)


class Kind(Enum):
    NO_DATA = "no_data"
    AVAILABLE = "available"
    STARTING_SOON = "starting_soon"
    BUSY = "busy"
    ALL_DAY = "all_day"


@dataclass(frozen=True)
class ScreenState:
    """The facts a layout draws.

    `focus` is the meeting the big panel describes (the current one, or the next one when
    the room is free); `later` are the meetings after it, for the upcoming list.
    `free_until` is None when the room stays free for the rest of the day; `busy_until` is
    the end of a chain of back-to-back meetings.
    """

    kind: Kind
    now: datetime
    focus: Event | None
    later: tuple[Event, ...]
    free_until: datetime | None = None
    busy_until: datetime | None = None
    back_to_back: bool = False
    stale_since: datetime | None = None
    # False on screens that are not redrawn every minute (battery nodes): no "in N min"
    # countdowns, which would go stale between refreshes; absolute times only.
    relative: bool = True

    @property
    def occupied(self) -> bool:
        return self.kind in (Kind.BUSY, Kind.ALL_DAY)


def _local(event: Event, now: datetime) -> Event:
    """The event with times in the zone of `now` (same instants)."""
    tz = now.tzinfo
    return Event(
        start=event.start.astimezone(tz), end=event.end.astimezone(tz), subject=event.subject,
        organizer=event.organizer, all_day=event.all_day, private=event.private,
        busy=event.busy, uid=event.uid,
    )


def _chain_end(current: Event, upcoming: list[Event]) -> tuple[datetime, bool]:
    """End of the run of meetings that follow `current` with (almost) no gap."""
    end, chained = current.end, False
    for event in upcoming:
        if event.start - end > BACK_TO_BACK_GAP:
            break
        if event.end > end:
            end, chained = event.end, True
    return end, chained


def room_state(schedule: RoomSchedule, now: datetime) -> ScreenState:
    """Decide the screen's state. `now` must be timezone-aware (the room's local time)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (the room's local time)")
    stale = schedule.stale_since.astimezone(now.tzinfo) if schedule.stale_since else None
    if schedule.fetched_at is None and not schedule.events:
        return ScreenState(Kind.NO_DATA, now, None, (), stale_since=stale)
    current = schedule.current(now)
    upcoming = [_local(e, now) for e in schedule.upcoming(now)]
    if current is not None:
        current = _local(current, now)
        busy_until, chained = _chain_end(current, upcoming)
        kind = Kind.ALL_DAY if current.all_day else Kind.BUSY
        return ScreenState(kind, now, current, tuple(upcoming), busy_until=busy_until,
                           back_to_back=chained, stale_since=stale)
    if not upcoming:
        return ScreenState(Kind.AVAILABLE, now, None, (), stale_since=stale)
    nxt = upcoming[0]
    same_day = nxt.start.date() == now.date()
    kind = Kind.STARTING_SOON if nxt.start - now <= STARTING_SOON else Kind.AVAILABLE
    return ScreenState(kind, now, nxt, tuple(upcoming[1:]),
                       free_until=nxt.start if same_day else None, stale_since=stale)


def minutes_until(now: datetime, when: datetime) -> int:
    """Whole minutes from `now` to `when`, rounded up (a sign never says "0 min" too early)."""
    seconds = (when - now).total_seconds()
    return max(0, int(-(-seconds // 60)))
