"""Graph `event` resources → `hub.schedule.Event`.

Field meanings from the Graph event resource (learn.microsoft.com/graph/api/resources/event):
`start`/`end` are dateTimeTimeZone ({"dateTime": "2024-05-01T09:00:00.0000000",
"timeZone": "<the Prefer: outlook.timezone we sent, or UTC>"}); `sensitivity` is normal,
personal, private or confidential; `showAs` is free, tentative, busy, oof, workingElsewhere or
unknown. A private meeting keeps neither subject nor organizer here, so no later layer can
leak them.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.schedule import Event

log = logging.getLogger(__name__)

SELECT = "subject,organizer,start,end,isAllDay,sensitivity,showAs,isCancelled,type"
PRIVATE = frozenset({"private", "confidential"})

# Windows names Graph may still answer with (a few common ones; IANA names pass through).
_WINDOWS_ZONES = {
    "UTC": "UTC", "Coordinated Universal Time": "UTC", "GMT Standard Time": "Europe/London",
    "W. Europe Standard Time": "Europe/Berlin", "Romance Standard Time": "Europe/Paris",
    "Central Europe Standard Time": "Europe/Budapest", "Eastern Standard Time": "America/New_York",
    "Central Standard Time": "America/Chicago", "Mountain Standard Time": "America/Denver",
    "Pacific Standard Time": "America/Los_Angeles", "China Standard Time": "Asia/Shanghai",
    "Tokyo Standard Time": "Asia/Tokyo", "AUS Eastern Standard Time": "Australia/Sydney",
}


def zone(name: str, fallback: tzinfo) -> tzinfo:
    name = _WINDOWS_ZONES.get(name, name)
    if name == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


def parse_graph_time(value: dict[str, Any], fallback: tzinfo) -> datetime:
    """A dateTimeTimeZone as an aware datetime. Graph sends 7 fractional digits."""
    text = str(value["dateTime"])
    if "." in text:
        head, frac = text.split(".", 1)
        text = f"{head}.{frac[:6]}"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone(str(value.get("timeZone") or "UTC"), fallback))
    return parsed


def event_from_graph(item: dict[str, Any], tz: tzinfo) -> Event:
    """Normalise one calendarView item. Raises KeyError/ValueError if it is malformed."""
    private = str(item.get("sensitivity", "normal")).lower() in PRIVATE
    organizer = ((item.get("organizer") or {}).get("emailAddress") or {})
    return Event(
        start=parse_graph_time(item["start"], tz).astimezone(tz),
        end=parse_graph_time(item["end"], tz).astimezone(tz),
        subject="" if private else str(item.get("subject") or ""),
        organizer="" if private else str(organizer.get("name") or organizer.get("address") or ""),
        all_day=bool(item.get("isAllDay", False)),
        private=private,
        busy=not item.get("isCancelled", False) and str(item.get("showAs", "busy")) != "free",
        uid=str(item.get("id", "")),
    )


def events_from_graph(items: list[dict[str, Any]], tz: tzinfo, room: str) -> list[Event]:
    """All usable events; a malformed one is skipped with a warning, never fails the room."""
    events = []
    for item in items:
        if item.get("type") == "seriesMaster":
            continue  # calendarView expands series; a master here would double-count
        try:
            events.append(event_from_graph(item, tz))
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            log.warning("%s: skipping malformed event %s (%s)", room, item.get("id", "?"), exc)
    return events
