"""The domain model every calendar source produces and every screen is drawn from.

Sources normalise whatever they read (ICS, CalDAV, Microsoft Graph) into these plain,
immutable values so the renderer and scheduler never care where a meeting came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Event:
    """One meeting in a room, with timezone-aware start and end.

    `busy` is False for events that must not block the room (cancelled, transparent,
    "show as free"); `private` events must never have their subject shown.
    """

    start: datetime
    end: datetime
    subject: str = ""
    organizer: str = ""
    all_day: bool = False
    private: bool = False
    busy: bool = True
    uid: str = ""

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("Event times must be timezone-aware")
        if self.end < self.start:
            raise ValueError(f"Event ends before it starts: {self.start} > {self.end}")

    @property
    def display_subject(self) -> str:
        """The subject as it may appear on a public sign."""
        return "Private meeting" if self.private else (self.subject or "Meeting")

    def covers(self, when: datetime) -> bool:
        return self.start <= when < self.end


@dataclass(frozen=True)
class RoomSchedule:
    """What a room's sign needs to know: its name and its (busy) events around today.

    `fetched_at` is None until the source answered once ("no calendar data yet");
    `stale_since` is set while the source keeps failing, so the screen can say so.
    """

    room: str
    events: tuple[Event, ...] = field(default_factory=tuple)
    fetched_at: datetime | None = None
    stale_since: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "events", tuple(sorted(self.events, key=lambda e: (e.start, e.end)))
        )

    def busy_events(self) -> tuple[Event, ...]:
        return tuple(e for e in self.events if e.busy)

    def current(self, now: datetime) -> Event | None:
        """The busy event in progress at `now` (the one that started last, if several)."""
        live = [e for e in self.busy_events() if e.covers(now)]
        return live[-1] if live else None

    def upcoming(self, now: datetime) -> list[Event]:
        """Busy events that start after `now`, in order."""
        return [e for e in self.busy_events() if e.start > now]
