"""ICS bytes -> icalendar objects, and one expanded VEVENT -> `Event`.

* `load_calendar(data, name)`: decode (UTF-8, else Windows-1252 with a warning) and parse
  with `icalendar`; Google's `X-WR-TIMEZONE` is applied. A file that is not iCalendar at all
  raises `SourceDataError` with one line.
* `event_from_component(component, tz)`: normalise one VEVENT into the room's time zone.
  Floating times and all-day dates are read in the room's zone; private events lose their
  subject and organizer here, so no later layer can leak them.

Expanding a window lives in `hub.sources.ics_expand`.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta, tzinfo

import icalendar
import x_wr_timezone

from hub.schedule import Event
from hub.sources.base import SourceDataError

log = logging.getLogger(__name__)

MAX_ICS_BYTES = 20 * 1024 * 1024
"""Largest calendar we read (file or URL). A busy room over ten years is a few MB."""

_BUSY_STATUS_FREE = ("FREE",)


def decode_ics(data: bytes, name: str) -> tuple[str, list[str]]:
    """Text of an ICS document. RFC 5545 says UTF-8; some exporters write Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        text = data.decode("cp1252", errors="replace")
        return text, [f"{name}: not UTF-8 (bad byte at offset {exc.start}); read as Windows-1252"]


def load_calendar(data: bytes, name: str) -> tuple[icalendar.Calendar, list[str]]:
    """Parse an ICS document; raise `SourceDataError` if it is not one."""
    if len(data) > MAX_ICS_BYTES:
        raise SourceDataError(
            f"{name}: calendar is {len(data):,} bytes, over the {MAX_ICS_BYTES:,}-byte limit"
        )
    text, problems = decode_ics(data, name)
    if not text.strip():
        raise SourceDataError(f"{name}: empty file, not an iCalendar document")
    if not text.lstrip().upper().startswith("BEGIN:VCALENDAR"):
        raise SourceDataError(f"{name}: not an iCalendar document (no BEGIN:VCALENDAR)")
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except Exception as exc:  # icalendar raises ValueError and friends with terse text
        detail = " ".join(str(exc).split())[:120]
        raise SourceDataError(f"{name}: not a valid iCalendar file ({detail})") from None
    if getattr(calendar, "name", "") != "VCALENDAR":
        raise SourceDataError(f"{name}: not a valid iCalendar file (no VCALENDAR)")
    if calendar.get("X-WR-TIMEZONE"):
        try:
            calendar = x_wr_timezone.to_standard(calendar)
        except Exception as exc:
            problems.append(f"{name}: ignored X-WR-TIMEZONE ({exc})")
    return calendar, problems


def as_aware(value: date | datetime, tz: tzinfo) -> datetime:
    """ICS allows dates (all-day) and floating times; both are read in the room's zone."""
    if isinstance(value, datetime):
        return value.astimezone(tz) if value.tzinfo else value.replace(tzinfo=tz)
    return datetime.combine(value, time.min, tzinfo=tz)


def text(component: icalendar.cal.Component, key: str) -> str:
    value = component.get(key)
    if value is None:
        return ""
    if isinstance(value, list):  # a property given twice: keep the first
        value = value[0]
    return str(value).strip()


def _organizer(component: icalendar.cal.Component) -> str:
    org = component.get("ORGANIZER")
    if org is None:
        return ""
    if isinstance(org, list):
        org = org[0]
    name = org.params.get("CN") if hasattr(org, "params") else None
    if name:
        return str(name)
    return str(org).removeprefix("mailto:").removeprefix("MAILTO:")


def event_from_component(component: icalendar.cal.Component, tz: tzinfo) -> Event:
    """Normalise one (already expanded) VEVENT. Private events lose their subject here."""
    start_raw = component.decoded("DTSTART")
    all_day = not isinstance(start_raw, datetime)
    start = as_aware(start_raw, tz)
    if component.get("DTEND") is not None:
        end = as_aware(component.decoded("DTEND"), tz)
    elif component.get("DURATION") is not None:
        end = start + component.decoded("DURATION")
    else:
        # RFC 5545 3.6.1: no DTEND/DURATION means one day for dates, zero length otherwise.
        end = start + (timedelta(days=1) if all_day else timedelta(0))
    klass = text(component, "CLASS").upper()
    status = text(component, "STATUS").upper()
    transp = text(component, "TRANSP").upper()
    ms_busy = text(component, "X-MICROSOFT-CDO-BUSYSTATUS").upper()
    private = klass in ("PRIVATE", "CONFIDENTIAL")
    return Event(
        start=start,
        end=max(end, start),
        # A private meeting's subject and organizer are dropped at the source, so no later
        # layer can leak them (as the Microsoft 365 source does).
        subject="" if private else text(component, "SUMMARY"),
        organizer="" if private else _organizer(component),
        all_day=all_day,
        private=private,
        busy=status != "CANCELLED" and transp != "TRANSPARENT" and ms_busy not in _BUSY_STATUS_FREE,
        uid=text(component, "UID"),
    )


class ProblemLog:
    """Logs each data problem once while it persists, so polling every minute is not spam."""

    def __init__(self, logger: logging.Logger = log) -> None:
        self._logger = logger
        self._seen: set[str] = set()

    def report(self, problems: list[str]) -> None:
        current = set(problems)
        for problem in problems:
            if problem not in self._seen:
                self._logger.warning("%s", problem)
        self._seen = current
