"""The write path for booking at the sign: book now, end now, extend — each after a conflict check.

Needs `Calendars.ReadWrite.Shared` (delegated, with Editor rights on the room calendar) or
`Calendars.ReadWrite` (app-only). The check and the write are two requests, so a meeting
booked in between can still overlap; the room mailbox's own booking policy (automatic
processing) remains the final judge of conflicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from hub.m365.events import parse_graph_time
from hub.m365.graph import GraphClient
from hub.m365.source import GraphRoomCalendars
from hub.schedule import Event


class BookingError(Exception):
    """The booking cannot be made as asked; `str()` is shown to the person at the sign."""


class BookingConflict(BookingError):
    def __init__(self, message: str, conflicts: list[Event]) -> None:
        super().__init__(message)
        self.conflicts = conflicts


@dataclass(frozen=True)
class Booking:
    event_id: str
    start: datetime
    end: datetime


def _graph_time(when: datetime) -> dict[str, str]:
    return {"dateTime": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}


def _booking(body: Any) -> Booking:
    return Booking(str(body["id"]), parse_graph_time(body["start"], UTC),
                   parse_graph_time(body["end"], UTC))


class RoomBooking:
    """Books one room's calendar through Graph."""

    def __init__(self, client: GraphClient, calendars: GraphRoomCalendars, room: str) -> None:
        self.client = client
        self.calendars = calendars
        self.room = room
        self.base = f"/users/{quote(room, safe='@')}/events"

    def conflicts(self, start: datetime, end: datetime, ignore: str = "") -> list[Event]:
        events = self.calendars.fetch_one(self.room, start, end)
        return [e for e in events if e.busy and e.uid != ignore and e.start < end and e.end > start]

    def _check(self, start: datetime, end: datetime, ignore: str = "") -> None:
        found = self.conflicts(start, end, ignore)
        if found:
            first = min(found, key=lambda e: e.start)
            raise BookingConflict(f"the room is booked from {first.start:%H:%M} "
                                  f"({first.display_subject})", found)

    def book_now(self, now: datetime, minutes: int, subject: str = "Booked at the room") -> Booking:
        if not 5 <= minutes <= 480:
            raise BookingError("a booking lasts between 5 minutes and 8 hours")
        start = now.replace(second=0, microsecond=0)
        end = start + timedelta(minutes=minutes)
        self._check(start, end)
        body = {"subject": subject, "start": _graph_time(start), "end": _graph_time(end),
                "showAs": "busy"}
        return _booking(self.client.request("POST", self.base, json=body, room=self.room,
                                            write=True))

    def _get(self, event_id: str) -> Booking:
        return _booking(self.client.request("GET", f"{self.base}/{quote(event_id)}",
                                            room=self.room))

    def end_now(self, event_id: str, now: datetime) -> Booking:
        current = self._get(event_id)
        if now <= current.start:
            raise BookingError("this meeting has not started yet")
        if now >= current.end:
            return current
        end = now.replace(second=0, microsecond=0)
        body = {"end": _graph_time(max(end, current.start))}
        return _booking(self.client.request("PATCH", f"{self.base}/{quote(event_id)}", json=body,
                                            room=self.room, write=True))

    def extend(self, event_id: str, minutes: int) -> Booking:
        if not 5 <= minutes <= 240:
            raise BookingError("extend by between 5 minutes and 4 hours")
        current = self._get(event_id)
        new_end = current.end + timedelta(minutes=minutes)
        self._check(current.end, new_end, ignore=event_id)
        return _booking(self.client.request("PATCH", f"{self.base}/{quote(event_id)}",
                                            json={"end": _graph_time(new_end)}, room=self.room,
                                            write=True))
