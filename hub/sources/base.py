"""The contract every calendar source fulfils.

Exception hierarchy (what the admin can do about each):

    SourceError                 base; never raised directly
    ├── SourceUnavailable       transient (network, 5xx, throttling): the hub retries with
    │                           backoff and keeps showing the last good schedule;
    │                           `retry_after` says how many seconds to wait (None: caller's pick)
    ├── SourceAuthError         needs the admin (expired login, missing permission, calendar
    │                           address revoked or wrong): the hub stops hammering and logs
    │                           exactly what to fix
    ├── SourceDataError         the calendar data itself is unusable (malformed file)
    └── BookingConflict         a booking write was refused because the room is taken (or the
                                meeting changed) at that time; `conflicts` lists the events
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from hub.schedule import Event


class SourceError(Exception):
    """A calendar could not be read. `str(err)` is one line an admin can act on."""


class SourceUnavailable(SourceError):
    """Temporary failure; retry later (after `retry_after` seconds, when given)."""

    def __init__(self, message: str = "", retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SourceAuthError(SourceError):
    """Credentials or permissions are wrong; retrying will not help until the admin acts."""


class SourceDataError(SourceError):
    """The calendar data could not be parsed."""


class BookingConflict(SourceError):
    """The booking was not written: the room is busy then, or the meeting changed meanwhile.

    The person at the sign can pick another time; `conflicts` holds the events in the way.
    """

    def __init__(self, message: str, conflicts: Sequence[Event] = ()) -> None:
        super().__init__(message)
        self.conflicts = tuple(conflicts)


class CalendarSource(Protocol):
    """Fetches one room's events overlapping [start, end)."""

    def fetch(self, start: datetime, end: datetime) -> list[Event]: ...


@runtime_checkable
class WritableSource(CalendarSource, Protocol):
    """A room calendar the sign may book: each call checks for conflicts right before writing.

    Times are timezone-aware. `uid` is an `Event.uid` this source returned.
    """

    def book(self, start: datetime, end: datetime, subject: str) -> Event:
        """Create a meeting; `BookingConflict` if a busy event overlaps [start, end)."""
        ...

    def end_early(self, uid: str, when: datetime) -> Event:
        """End the meeting in progress at `when` (removes it if it had not started yet)."""
        ...

    def extend(self, uid: str, new_end: datetime) -> Event:
        """Move the meeting's end to `new_end`; `BookingConflict` if that overlaps another."""
        ...
