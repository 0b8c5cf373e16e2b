"""Pure edits of iCalendar objects for booking: build a booking, find an occurrence, move an end.

No I/O here, so the rules (which occurrence "end now" means, how a recurring meeting gets a
one-day exception, how time zones are kept) are plain functions over `icalendar` objects.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

import icalendar
import recurring_ical_events

from hub.sources.ics_parse import event_from_component

BOOKED_MARK = "X-ROOMINK-BOOKED"
"""Set on events the sign created, so the sign only ever deletes its own bookings."""


def booking_calendar(uid: str, start: datetime, end: datetime, subject: str,
                     stamp: datetime) -> tuple[icalendar.Calendar, icalendar.Event]:
    """A VCALENDAR holding one new busy meeting (times in UTC, as any client accepts)."""
    vevent = icalendar.Event()
    vevent.add("UID", uid)
    vevent.add("DTSTAMP", stamp.astimezone(UTC))
    vevent.add("DTSTART", start.astimezone(UTC))
    vevent.add("DTEND", end.astimezone(UTC))
    vevent.add("SUMMARY", subject)
    vevent.add("TRANSP", "OPAQUE")
    vevent.add(BOOKED_MARK, "sign")
    calendar = icalendar.Calendar()
    calendar.add("PRODID", "-//roomink//booking//EN")
    calendar.add("VERSION", "2.0")
    calendar.add_component(vevent)
    return calendar, vevent


def vevents(instance: icalendar.Calendar) -> list[icalendar.cal.Component]:
    return [c for c in instance.subcomponents if c.name == "VEVENT"]


def single_event(instance: icalendar.Calendar) -> icalendar.cal.Component | None:
    """The VEVENT of a one-off meeting, or None for a recurring one."""
    found = vevents(instance)
    if len(found) == 1 and all(found[0].get(k) is None for k in ("RRULE", "RDATE")):
        return found[0]
    return None


def occurrence_component(instance: icalendar.Calendar, when: datetime, tz: tzinfo,
                         before: bool = False) -> icalendar.cal.Component | None:
    """The component to edit for the occurrence in progress at `when`.

    For a one-off meeting that is its VEVENT; for a series, the override (RECURRENCE-ID) of
    that occurrence, added to `instance` if it did not exist yet, so only that day changes.
    With `before`, the occurrence that started last at or before `when` (for extending).
    None if the meeting is not on then.
    """
    window = (when - timedelta(days=2), when + timedelta(seconds=1)) if before else \
        (when, when + timedelta(seconds=1))
    starts = [(event_from_component(c, tz).start, c)
              for c in recurring_ical_events.of(instance).between(*window)]
    starts = [(start, c) for start, c in starts if start <= when]
    if not starts:
        return None
    occurrence = max(starts, key=lambda pair: pair[0])[1]
    single = single_event(instance)
    if single is not None:
        return single
    rid = occurrence.decoded("RECURRENCE-ID") if occurrence.get("RECURRENCE-ID") else None
    for component in vevents(instance):
        if rid is not None and component.get("RECURRENCE-ID") is not None and \
                component.decoded("RECURRENCE-ID") == rid:
            return component
    instance.add_component(occurrence)  # a new override for just this occurrence
    return occurrence


def set_end(component: icalendar.cal.Component, end: datetime, tz: tzinfo,
            stamp: datetime) -> None:
    """Replace DTEND/DURATION, keeping DTEND in the zone DTSTART uses (floating: room zone)."""
    start = component.decoded("DTSTART")
    for key in ("DTEND", "DURATION", "DTSTAMP"):
        component.pop(key, None)
    if isinstance(start, datetime) and start.tzinfo is not None:
        end = end.astimezone(start.tzinfo)
    elif isinstance(start, datetime):
        end = end.astimezone(tz).replace(tzinfo=None)  # floating stays floating
    component.add("DTEND", end)
    component.add("DTSTAMP", stamp.astimezone(UTC))
