"""What a room offers right now: the actions behind a sign's buttons and the phone page.

Pure functions over a `RoomSchedule` and a moment; no I/O, no clock. An `Action` is a value
that names *what the person saw*: "book 60 min" on a free room, or "book until 11:00" when
the next meeting caps it, "extend meeting X by 15 min", "end meeting X". Comparing the
action a screen showed with the action the room offers now is how stale presses are refused.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.booking.words import word
from hub.schedule import Event, RoomSchedule
from renderer.profiles import DisplayProfile
from renderer.strings import Locale

# Hardware buttons under the panel, left to right, by panel size. The 2.9" board has room for
# three; 4.2" and 7.5" boards have four (as on the commercial signs users know).
BUTTONS_BY_SIZE = {"2.9": 3, "4.2": 4, "7.5": 4}
# Shorter than this is not worth a booking (the room is about to be taken).
MIN_BOOKING = timedelta(minutes=5)


def button_count(profile: DisplayProfile) -> int:
    return BUTTONS_BY_SIZE.get(profile.name.split("-", 1)[0], 4)


@dataclass(frozen=True)
class Action:
    """One thing a button or the phone page can do.

    kind: "book" (from now, `minutes` long, or up to `until` when the next meeting caps it),
    "extend" (meeting `uid` by `minutes`, or to `until` when capped), "end" (meeting `uid`).
    """

    kind: str
    minutes: int = 0
    until: datetime | None = None
    uid: str = ""

    def label(self, loc: Locale) -> str:
        """The short text drawn above the button."""
        if self.until is not None:
            return word(loc, "To {t}", t=loc.time(self.until))
        if self.kind == "book":
            return word(loc, "Book {m}", m=self.minutes)
        if self.kind == "extend":
            return f"+{self.minutes} min"
        return word(loc, "End now")


def next_busy_start(schedule: RoomSchedule, after: datetime, ignore: Event | None = None) -> \
        datetime | None:
    """When the room is next taken at or after `after` (None: not in the schedule's window)."""
    starts = [max(e.start, after) for e in schedule.busy_events()
              if e.end > after and e != ignore]
    return min(starts, default=None)


def book_end(schedule: RoomSchedule, start: datetime, minutes: int) -> tuple[datetime, bool]:
    """End of a booking asked for `minutes` from `start`, capped by the next meeting.

    Returns (end, capped). The caller refuses it when shorter than `MIN_BOOKING`.
    """
    end = start + timedelta(minutes=minutes)
    nxt = next_busy_start(schedule, start)
    if nxt is not None and nxt < end:
        return nxt, True
    return end, False


def extend_end(schedule: RoomSchedule, meeting: Event, minutes: int) -> tuple[datetime, bool]:
    """New end of `meeting` extended by `minutes`, capped by the meeting after it."""
    end = meeting.end + timedelta(minutes=minutes)
    nxt = next_busy_start(schedule, meeting.end, ignore=meeting)
    if nxt is not None and nxt < end:
        return nxt, True
    return end, False


def room_offer(schedule: RoomSchedule, now: datetime, durations: tuple[int, ...],
               extend_minutes: int) -> list[Action]:
    """The actions the room offers at `now`, in button order (left to right)."""
    current = schedule.current(now)
    if current is not None:
        actions = []
        end, capped = extend_end(schedule, current, extend_minutes)
        if end - current.end >= MIN_BOOKING:
            actions.append(Action("extend", extend_minutes, end if capped else None,
                                  current.uid))
        actions.append(Action("end", uid=current.uid))
        return actions
    actions, ends = [], set()
    for minutes in durations:
        end, capped = book_end(schedule, now, minutes)
        if end - now < MIN_BOOKING or end in ends:
            continue
        ends.add(end)
        actions.append(Action("book", minutes, end if capped else None))
    return actions


def button_actions(offer: list[Action], buttons: int) -> list[Action | None]:
    """`offer` laid onto `buttons` buttons; unused buttons map to None."""
    padded: list[Action | None] = list(offer[:buttons])
    return padded + [None] * (buttons - len(padded))


def schedule_version(schedule: RoomSchedule) -> str:
    """A short fingerprint of the room's busy meetings: what a phone page was built from.

    A page posts it back with its action; if the meetings changed meanwhile (someone else
    booked), the action is refused as stale instead of acting on what the page showed.
    """
    digest = hashlib.sha256()
    for e in schedule.busy_events():
        digest.update(f"{e.uid}|{e.start.timestamp():.0f}|{e.end.timestamp():.0f}\n".encode())
    return digest.hexdigest()[:16]
