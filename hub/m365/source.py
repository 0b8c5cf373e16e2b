"""Room calendars from Microsoft Graph: one room (`CalendarSource`) or many per poll (`$batch`).

Reads `GET /users/{room}/calendarView` with `$select` and `$top`, follows
`@odata.nextLink`, and asks for times in the hub's zone (`Prefer: outlook.timezone`).
Delta queries are not used: on delegated room calendars they are reported to fail with
"Access is denied" on their second page, and one calendarView per poll is cheap.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from hub.m365.errors import rejected
from hub.m365.events import SELECT, events_from_graph
from hub.m365.graph import GraphClient, SubRequest, SubResponse
from hub.schedule import Event
from hub.sources.base import SourceError, SourceUnavailable


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def calendar_view_path(room: str, start: datetime, end: datetime, page_size: int) -> str:
    query = urlencode({"startDateTime": _iso(start), "endDateTime": _iso(end),
                       "$select": SELECT, "$top": str(page_size)}, safe="$,:")
    return f"/users/{quote(room, safe='@')}/calendarView?{query}"


def prefer_timezone(tzname: str) -> dict[str, str]:
    return {"Prefer": f'outlook.timezone="{tzname}"'}


RoomResult = list[Event] | SourceError


class GraphRoomCalendars:
    """Reads many room calendars at once; each room gets its events or its own error."""

    def __init__(self, client: GraphClient, timezone: str = "UTC", page_size: int = 50) -> None:
        self.client = client
        self.tzname = timezone
        self.tz = ZoneInfo(timezone)
        self.page_size = page_size

    def fetch_one(self, room: str, start: datetime, end: datetime) -> list[Event]:
        items = self.client.get_all(calendar_view_path(room, start, end, self.page_size),
                                    headers=prefer_timezone(self.tzname), room=room)
        return events_from_graph(items, self.tz, room)

    def fetch_many(self, rooms: Iterable[str], start: datetime,
                   end: datetime) -> dict[str, RoomResult]:
        """One `$batch` round per page depth: 200 rooms with one page each = 10 POSTs.

        Every room gets its events or its own error; the rounds share one retry budget.
        """
        headers = prefer_timezone(self.tzname)
        budget = self.client.budget()
        items: dict[str, list] = {}
        results: dict[str, RoomResult] = {}
        pending = {room: SubRequest(calendar_view_path(room, start, end, self.page_size),
                                    headers=headers) for room in dict.fromkeys(rooms)}
        while pending:
            order = list(pending)
            try:
                answers = self.client.batch([pending[r] for r in order], budget)
            except SourceError as exc:  # the token itself failed: same answer for every room
                results.update(dict.fromkeys(order, exc))
                break
            pending = {}
            for room, resp in zip(order, answers, strict=True):
                if resp.status != 200 or not isinstance(resp.body, dict):
                    results[room] = self._room_error(room, resp)
                    continue
                items.setdefault(room, []).extend(resp.body.get("value", []))
                next_link = resp.body.get("@odata.nextLink")
                if next_link:
                    pending[room] = SubRequest(self.client.relative(next_link), headers=headers)
                else:
                    results[room] = events_from_graph(items.pop(room), self.tz, room)
        return results

    def _room_error(self, room: str, resp: SubResponse) -> SourceError:
        """The error of one room's failed answer; an unexpected one stays that room's own."""
        error = self.client.sub_error(resp, room)
        if isinstance(error, SourceError):
            return error
        code, message = resp.error()
        return rejected(room, resp.status, code, message)


@dataclass(frozen=True)
class _Answer:
    """One room's last result for the group's window, and when it was fetched."""

    result: RoomResult
    fetched: float


class GraphRoomGroup:
    """Lets rooms that the hub polls one by one share a `$batch` refresh.

    A room whose answer is older than `max_age` seconds refreshes every room of the group in
    one `fetch_many`; rooms asked within `max_age` get that answer. With the hub spreading
    room polls over its interval, that is one batched refresh per interval instead of one
    request per room. Register every mailbox up front (`add`) so the first poll round is one
    batch too; a room first seen later is fetched alone, never by refetching the others
    (that made a cold start quadratic). A room Graph throttled with a `Retry-After` is not
    asked again until then: it keeps its error, and the hub its last schedule.
    """

    def __init__(self, calendars: GraphRoomCalendars, max_age: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.calendars = calendars
        self.max_age = max_age
        self.clock = clock
        self.rooms: dict[str, None] = {}  # an ordered set: lookups stay O(1) with many rooms
        self._lock = threading.Lock()
        self._window: tuple[datetime, datetime] | None = None
        self._answers: dict[str, _Answer] = {}
        self._held: dict[str, tuple[float, SourceError]] = {}  # room -> (until, its error)

    def add(self, room: str) -> GraphRoomSource:
        self.add_all((room,))
        return GraphRoomSource(self, room.lower())

    def add_all(self, rooms: Iterable[str]) -> None:
        with self._lock:
            self.rooms.update(dict.fromkeys(room.lower() for room in rooms))

    def get(self, room: str, start: datetime, end: datetime) -> list[Event]:
        room = room.lower()
        with self._lock:
            self.rooms.setdefault(room)
            if self._window != (start, end):
                self._window, self._answers = (start, end), {}
            now = self.clock()
            if self._holding(room, now) is None and not self._fresh(room, now):
                self._refresh(self._due(room, now), start, end, now)
            result = self._holding(room, now) or self._answers[room].result
        if isinstance(result, Exception):
            raise result
        return list(result)

    def _holding(self, room: str, now: float) -> SourceError | None:
        """The error of a room Graph told to wait (Retry-After) while that wait lasts."""
        held = self._held.get(room)
        return held[1] if held and now < held[0] else None

    def _fresh(self, room: str, now: float) -> bool:
        answer = self._answers.get(room)
        return answer is not None and now - answer.fetched < self.max_age

    def _due(self, room: str, now: float) -> list[str]:
        """Rooms to ask for: all (in step) when `room`'s answer aged, else the new ones."""
        free = [r for r in self.rooms if self._holding(r, now) is None]
        if room in self._answers:
            return free
        return [r for r in free if r not in self._answers]

    def _refresh(self, rooms: list[str], start: datetime, end: datetime, now: float) -> None:
        results = self.calendars.fetch_many(rooms, start, end)
        done = self.clock()
        for room, result in results.items():
            self._answers[room] = _Answer(result, now)
            wait = result.retry_after if isinstance(result, SourceUnavailable) else None
            if wait:
                self._held[room] = (done + wait, result)
            else:
                self._held.pop(room, None)


class GraphRoomSource:
    """`CalendarSource` for one room mailbox (e.g. "room-1@contoso.com") of a group."""

    def __init__(self, group: GraphRoomGroup, room: str) -> None:
        self.group = group
        self.room = room

    def fetch(self, start: datetime, end: datetime) -> list[Event]:
        return self.group.get(self.room, start, end)
