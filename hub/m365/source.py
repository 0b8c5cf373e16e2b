"""Room calendars from Microsoft Graph: one room (`CalendarSource`) or many per poll (`$batch`).

Reads `GET /users/{room}/calendarView` with `$select` and `$top`, follows
`@odata.nextLink`, and asks for times in the hub's zone (`Prefer: outlook.timezone`).
Delta queries are not used: on delegated room calendars they are reported to fail with
"Access is denied" on their second page, and one calendarView per poll is cheap.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from hub.m365.events import SELECT, events_from_graph
from hub.m365.graph import GraphClient, SubRequest
from hub.schedule import Event
from hub.sources.base import SourceError


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
                    error = self.client.sub_error(resp, room)
                    if not isinstance(error, SourceError):
                        raise error  # a request we built was rejected: a bug, not the room
                    results[room] = error
                    continue
                items.setdefault(room, []).extend(resp.body.get("value", []))
                next_link = resp.body.get("@odata.nextLink")
                if next_link:
                    pending[room] = SubRequest(self.client.relative(next_link), headers=headers)
                else:
                    results[room] = events_from_graph(items.pop(room), self.tz, room)
        return results


class GraphRoomGroup:
    """Lets rooms that the hub polls one by one share a `$batch` refresh.

    The first room asked for a window triggers one `fetch_many` for every room in the group;
    rooms asked within `max_age` seconds for the same window get that answer. With the hub
    spreading room polls over its interval, that is one batched refresh per interval instead
    of one request per room.
    """

    def __init__(self, calendars: GraphRoomCalendars, max_age: float) -> None:
        self.calendars = calendars
        self.max_age = max_age
        self.rooms: list[str] = []
        self._lock = threading.Lock()
        self._window: tuple[datetime, datetime] | None = None
        self._fetched = 0.0
        self._results: dict[str, RoomResult] = {}

    def add(self, room: str) -> GraphRoomSource:
        if room not in self.rooms:
            self.rooms.append(room)
        return GraphRoomSource(self, room)

    def get(self, room: str, start: datetime, end: datetime) -> list[Event]:
        with self._lock:
            fresh = (self._window == (start, end) and room in self._results
                     and time.monotonic() - self._fetched < self.max_age)
            if not fresh:
                rooms = self.rooms if room in self.rooms else [*self.rooms, room]
                self._results = self.calendars.fetch_many(rooms, start, end)
                self._window = (start, end)
                self._fetched = time.monotonic()
            result = self._results[room]
        if isinstance(result, Exception):
            raise result
        return list(result)


class GraphRoomSource:
    """`CalendarSource` for one room mailbox (e.g. "room-1@contoso.com") of a group."""

    def __init__(self, group: GraphRoomGroup, room: str) -> None:
        self.group = group
        self.room = room

    def fetch(self, start: datetime, end: datetime) -> list[Event]:
        return self.group.get(self.room, start, end)
