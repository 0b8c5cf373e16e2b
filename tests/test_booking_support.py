"""Shared rig for the booking tests: a hub on the real broker whose room reads a real Radicale
calendar, with booking wired in (and the phone page served by real uvicorn when asked)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar

from hub.booking.config import BookingConfig
from hub.booking.feature import BookingFeature
from hub.sources.caldav_source import CalDavSource
from tests.conftest import free_port
from tests.hubharness import EMPTY_ICS, RunningHub, config_text, unique_node

TZ = ZoneInfo("Europe/Berlin")
DAY = datetime(2026, 11, 25, tzinfo=TZ)


def at(hhmm: str) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return DAY.replace(hour=hour, minute=minute)


def room_calendar(radicale, meetings: list[tuple[str, str, str]] = ()) -> str:
    """A fresh Radicale calendar holding `meetings` [(start, end, subject)] on DAY."""
    url = radicale.make_calendar(f"room-{uuid.uuid4().hex[:8]}")
    calendar = radicale.client().calendar(url=url)
    for start, end, subject in meetings:
        cal = icalendar.Calendar()
        cal.add("PRODID", "-//roomink//tests//EN")
        cal.add("VERSION", "2.0")
        event = icalendar.Event()
        event.add("UID", f"{uuid.uuid4()}@tests")
        event.add("DTSTAMP", at(start))
        event.add("DTSTART", at(start))
        event.add("DTEND", at(end))
        event.add("SUMMARY", subject)
        cal.add_component(event)
        calendar.add_event(cal.to_ical().decode())
    return url


def busy_on_server(radicale, url: str) -> list[tuple[str, str, str]]:
    """What really is in the calendar (a fresh client, not the hub's cache)."""
    source = CalDavSource(url, radicale.username, radicale.password, TZ)
    return [(f"{e.start.astimezone(TZ):%H:%M}", f"{e.end.astimezone(TZ):%H:%M}", e.subject)
            for e in source.fetch(DAY, DAY + timedelta(days=1)) if e.busy]


class BookingRig:
    """`with BookingRig(...) as rig:` a running hub for room "atlas" + booking.

    `calendar_url` None keeps the room on a read-only ICS file.
    """

    def __init__(self, tmp: Path, broker_port: int, radicale, calendar_url: str | None,
                 when: datetime, *, serve: bool = False, pin: str | None = None,
                 node_id: str | None = None, display: str = "4.2-bwr") -> None:
        self.node_id = node_id or unique_node("book")
        self.calendar_url = calendar_url
        ics = tmp / "atlas.ics"
        ics.write_bytes(EMPTY_ICS)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        text = config_text({"atlas": str(ics)}, {self.node_id: "atlas"}, display)
        if calendar_url is not None:  # the room's calendar as an admin configures CalDAV
            (tmp / "caldav.pass").write_text(radicale.password + "\n")
            (tmp / "caldav.pass").chmod(0o600)
            text = text.replace(f'calendar = "{ics}"', (
                f'calendar = {{ type = "caldav", url = "{calendar_url}", '
                f'username = "{radicale.username}", password_file = "{tmp / "caldav.pass"}" }}'))
        self.running = RunningHub(broker_port, text, tmp, when)
        self.hub = self.running.hub
        assert (calendar_url is not None) == self.booking_possible()
        config = BookingConfig(url=self.url, host="127.0.0.1", port=self.port, pin=pin)
        self.booking = BookingFeature(self.hub, config, tmp / "state", serve=serve)

    def booking_possible(self) -> bool:
        return isinstance(self.hub.feeds["atlas"].source, CalDavSource)

    @property
    def page_url(self) -> str:
        return f"{self.url}/book/{self.booking.tokens.token('atlas')}"

    def __enter__(self) -> BookingRig:
        self.running.__enter__()
        self.booking.start()
        return self

    def __exit__(self, *exc) -> None:
        self.booking.stop()
        self.running.__exit__(*exc)
