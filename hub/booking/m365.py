"""Booking Microsoft 365 rooms: the Graph write path (`hub.m365.booking`) as a `WritableSource`.

The hub reads M365 rooms through a shared, lazily built Graph client (`hub.calendars`); the
writes go through the same shared client, built on first use too, so a hub started while
Microsoft is unreachable still starts. Booking needs `booking = true` in `[m365]` (the
sign-in then asks for write access: `roomink login` again after turning it on).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta

from hub.m365.booking import Booking, BookingError, RoomBooking
from hub.m365.booking import BookingConflict as GraphConflict
from hub.schedule import Event
from hub.sources.base import BookingConflict, CalendarSource


class M365Writer:
    """One M365 room, writable: `fetch` reads as the hub does, the rest write through Graph.

    Graph's own conflict check (a fresh calendar view right before the write) raises the
    sources' `BookingConflict`; other refusals (`BookingError`) become `ValueError`, which
    the booking service shows as "Not done: ...".
    """

    def __init__(self, source: CalendarSource, booking: Callable[[], RoomBooking]) -> None:
        self.source = source
        self._make_booking = booking
        self._booking: RoomBooking | None = None

    @property
    def booking(self) -> RoomBooking:
        if self._booking is None:
            self._booking = self._make_booking()
        return self._booking

    def fetch(self, start: datetime, end: datetime) -> list[Event]:
        return self.source.fetch(start, end)

    def _event(self, made: Booking, subject: str, tz) -> Event:
        return Event(made.start.astimezone(tz), made.end.astimezone(tz), subject,
                     uid=made.event_id)

    def book(self, start: datetime, end: datetime, subject: str) -> Event:
        minutes = math.ceil((end - start).total_seconds() / 60)
        made = self._call(lambda b: b.book_now(start, minutes, subject))
        return self._event(made, subject, start.tzinfo)

    def end_early(self, uid: str, when: datetime) -> Event:
        made = self._call(lambda b: b.end_now(uid, when))
        return self._event(made, "", when.tzinfo)

    def extend(self, uid: str, new_end: datetime) -> Event:
        current = self._current_end(uid, new_end)
        minutes = math.ceil((new_end - current).total_seconds() / 60)
        if minutes <= 0:
            raise ValueError("the meeting already ends then")
        made = self._call(lambda b: b.extend(uid, minutes))
        return self._event(made, "", new_end.tzinfo)

    def _current_end(self, uid: str, new_end: datetime) -> datetime:
        """The meeting's end as Graph has it now (a fresh read, not the hub's last poll)."""
        booking = self.booking
        events = booking.calendars.fetch_one(booking.room, new_end - timedelta(days=1),
                                             new_end)
        for event in events:
            if event.uid == uid:
                return event.end
        raise BookingConflict("the meeting no longer exists")

    def _call(self, write: Callable[[RoomBooking], Booking]) -> Booking:
        try:
            return write(self.booking)
        except GraphConflict as exc:
            raise BookingConflict(str(exc), exc.conflicts) from None
        except BookingError as exc:
            raise ValueError(str(exc)) from None


def m365_writers(config, feeds: dict) -> dict[str, M365Writer]:
    """Writers for the config's M365 rooms, when `[m365] booking = true` (else none)."""
    rooms = [r for r in config.rooms if r.calendar.type == "m365"]
    table = config.tables.get("m365")
    if not rooms or table is None:
        return {}
    from hub.m365 import M365Hub, hub_poll_interval
    from hub.m365.config import M365Config

    # The same config the hub's sources were built from (hub.calendars), so M365Hub.shared
    # hands both the one client, token cache and throttling state.
    m365 = M365Config.from_table({"timezone": config.timezone, **table}, config.base_dir)
    if not m365.booking:
        return {}
    interval = hub_poll_interval(config)  # as hub.calendars: both must share one client

    def booking_for(mailbox: str) -> Callable[[], RoomBooking]:
        return lambda: M365Hub.shared(m365, interval).booking(mailbox)

    return {room.id: M365Writer(feeds[room.id].source,
                                booking_for(str(room.calendar.options["mailbox"])))
            for room in rooms}
