"""Carries out booking actions against a room's calendar: one at a time per room, each once.

Safety rules, in the order they apply:

1. **Idempotency.** Every action arrives with a key (a sign's press: node, frame seq and
   buttons; a phone page: its signed form key). A key that was already carried out returns
   the first outcome again and writes nothing, so a double press, a QoS-1 duplicate or a
   reloaded form never books twice.
2. **One writer per room.** A per-room lock serializes the check and the write; together with
   the source's own conflict check right before it writes (`WritableSource`), twenty phones
   pressing "use now" at once make exactly one booking.
3. **Capped by the next meeting.** A booking or extension never runs into the next meeting;
   less than `MIN_BOOKING` left is refused.
4. **Read-only calendars** (ICS) are refused with a message saying so.

Staleness (the screen or page showed something else) is the caller's check: it knows what
the person saw.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.booking.offer import MIN_BOOKING, Action, book_end, extend_end
from hub.schedule import Event, RoomSchedule
from hub.sources.base import (
    BookingConflict,
    SourceAuthError,
    SourceError,
    SourceUnavailable,
    WritableSource,
)
from renderer.strings import Locale

log = logging.getLogger(__name__)

KEEP_OUTCOMES = 4096


@dataclass(frozen=True)
class Outcome:
    """What happened. `message` is one line for the person; `short` fits a button label."""

    ok: bool
    message: str
    short: str
    event: Event | None = None


def refused(message: str, short: str) -> Outcome:
    return Outcome(False, message, short)


class BookingService:
    """Writes bookings for the hub's rooms. Thread-safe; calls block while the server answers.

    `sources` maps room id to the room's calendar source (the hub's `feeds[room].source`),
    `schedules` returns a room's latest schedule (what the cap and "current meeting" use).
    """

    def __init__(self, sources: dict, schedules, loc: Locale, subject: str) -> None:
        self.sources = sources
        self.schedules = schedules
        self.loc = loc
        self.subject = subject
        self._locks = {room_id: threading.Lock() for room_id in sources}
        self._done: OrderedDict[str, Outcome] = OrderedDict()
        self._done_lock = threading.Lock()

    def writable(self, room_id: str) -> bool:
        return isinstance(self.sources.get(room_id), WritableSource)

    def read_only_reason(self, room_id: str) -> str:
        """Why a room cannot be booked, in words for the page (see `writable`)."""
        from hub.calendars import LazySource
        from hub.sources.ics import IcsFileSource, IcsUrlSource

        source = self.sources.get(room_id)
        if isinstance(source, IcsFileSource | IcsUrlSource):
            return "an ICS feed"
        if isinstance(source, LazySource):  # how hub.calendars builds Microsoft 365 rooms
            return "Microsoft 365 with booking off"
        return "its source cannot write"

    def seen(self, key: str) -> Outcome | None:
        with self._done_lock:
            return self._done.get(key)

    def remember(self, key: str, outcome: Outcome) -> Outcome:
        """Record a refusal decided before any write, so a repeat of `key` gets it again."""
        with self._done_lock:
            return self._done.setdefault(key, outcome)

    def perform(self, room_id: str, action: Action, key: str, now: datetime,
                start: datetime | None = None) -> tuple[Outcome, bool]:
        """Carry out `action` once per `key`; returns (outcome, True if it was new).

        `start` books later today instead of now (phone page "schedule").
        """
        with self._locks[room_id]:
            earlier = self.seen(key)
            if earlier is not None:
                return earlier, False
            outcome = self._attempt(room_id, action, now, start)
            with self._done_lock:
                self._done[key] = outcome
                while len(self._done) > KEEP_OUTCOMES:
                    self._done.popitem(last=False)
        # A refusal is an everyday answer to a person, not a fault: source failures were
        # logged (once, with what to fix) where they happened.
        log.info("room %s: %s %s -> %s", room_id, action.kind, action.minutes or "",
                 outcome.message)
        return outcome, True

    def _attempt(self, room_id: str, action: Action, now: datetime,
                 start: datetime | None) -> Outcome:
        source = self.sources.get(room_id)
        if not isinstance(source, WritableSource):
            return refused(f"This room's calendar is read-only for the hub "
                           f"({self.read_only_reason(room_id)}): book it in your calendar app "
                           "instead.", "Read-only")
        schedule: RoomSchedule = self.schedules(room_id)
        try:
            if action.kind == "book":
                return self._book(source, schedule, action, now, start)
            if action.kind in ("extend", "end"):
                return self._change(source, schedule, action, now)
            return refused(f"unknown action {action.kind!r}", "Error")
        except BookingConflict as exc:
            return refused(f"Not done: {exc}.", "Taken")
        except SourceAuthError as exc:
            log.error("room %s: booking failed, the hub may not write this calendar: %s",
                      room_id, exc)
            return refused("The hub may not write this room's calendar; please tell the "
                           "admin.", "Failed")
        except SourceUnavailable as exc:
            log.warning("room %s: booking failed: %s", room_id, exc)
            return refused("The calendar server did not answer; try again in a minute.",
                           "Offline")
        except (SourceError, ValueError) as exc:
            log.warning("room %s: booking failed: %s", room_id, exc)
            return refused(f"Not done: {exc}.", "Failed")

    def _book(self, source: WritableSource, schedule: RoomSchedule, action: Action,
              now: datetime, start: datetime | None) -> Outcome:
        begin = (start or now).replace(second=0, microsecond=0)
        if start is not None and start < now - timedelta(minutes=1):
            return refused("That time has already passed.", "Past")
        end, capped = book_end(schedule, begin, action.minutes)
        if end - begin < MIN_BOOKING:
            return refused(f"The room is taken from {self.loc.time(end)}.", "Taken")
        event = source.book(begin, end, self.subject)
        note = " (until the next meeting)" if capped else ""
        return Outcome(True, f"Booked {self.loc.time_range(begin, end)}{note}.", "Booked",
                       event)

    def _change(self, source: WritableSource, schedule: RoomSchedule, action: Action,
                now: datetime) -> Outcome:
        meeting = schedule.current(now)
        if meeting is None or meeting.uid != action.uid:
            return refused("That meeting is not on any more.", "Over")
        if action.kind == "end":
            event = source.end_early(meeting.uid, now)
            return Outcome(True, "Meeting ended; the room is free.", "Ended", event)
        end, capped = extend_end(schedule, meeting, action.minutes)
        if end - meeting.end < MIN_BOOKING:
            return refused(f"The next meeting starts at {self.loc.time(meeting.end)}.",
                           "Taken")
        event = source.extend(meeting.uid, end)
        note = " (until the next meeting)" if capped else ""
        return Outcome(True, f"Extended to {self.loc.time(end)}{note}.", "Extended", event)
