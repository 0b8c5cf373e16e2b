"""Rules started near the window (`hub.sources.rule_rebase`) give exactly the occurrences of
the rule walked from DTSTART: checked against recurring-ical-events unchanged, over random
daily and weekly series (intervals, BYDAY, UNTIL, COUNT, EXDATE, an edited instance, DST
zones, floating and all-day), windows and room zones."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, rrule
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hub.sources.ics_expand as ics_expand
from hub.sources.ics_expand import build_index
from hub.sources.rule_rebase import rebased

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC", None]
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


@st.composite
def calendars(draw) -> tuple[bytes, datetime, datetime, ZoneInfo]:
    zone = draw(st.sampled_from(ZONES))
    all_day = draw(st.booleans())
    first = date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 900)))
    hour, minute = draw(st.integers(0, 23)), draw(st.sampled_from([0, 15, 30, 45]))
    length = timedelta(minutes=draw(st.sampled_from([15, 30, 60, 90, 24 * 60, 50 * 60])))
    freq = draw(st.sampled_from(["DAILY", "WEEKLY"]))
    parts = [f"FREQ={freq}", f"INTERVAL={draw(st.integers(1, 3))}"]
    if draw(st.booleans()):
        parts.append("BYDAY=" + ",".join(draw(st.lists(st.sampled_from(DAYS), min_size=1,
                                                       max_size=4, unique=True))))
    if draw(st.booleans()):
        parts.append("WKST=" + draw(st.sampled_from(["MO", "SU", "WE"])))
    ending = draw(st.sampled_from(["none", "until", "count"]))
    if ending == "count":
        parts.append(f"COUNT={draw(st.integers(1, 400))}")

    def stamp(day: date) -> str:
        if all_day:
            return f";VALUE=DATE:{day:%Y%m%d}"
        tz = f";TZID={zone}" if zone else ""
        return f"{tz}:{day:%Y%m%d}T{hour:02d}{minute:02d}00"

    if ending == "until":
        until = first + timedelta(days=draw(st.integers(0, 1200)))
        parts.append(f"UNTIL={until:%Y%m%d}" if all_day else f"UNTIL={until:%Y%m%d}T235959Z")
    end_stamp = (f";VALUE=DATE:{first + max(length, timedelta(days=1)):%Y%m%d}" if all_day
                 else f";DURATION=PT{int(length.total_seconds() // 60)}M")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//roomink//tests//EN",
             "BEGIN:VEVENT", "UID:series@roomink", "DTSTAMP:20240101T000000Z",
             f"DTSTART{stamp(first)}",
             end_stamp.replace(";DURATION=", "DURATION:") if not all_day else f"DTEND{end_stamp}",
             "RRULE:" + ";".join(parts), "SUMMARY:Series"]
    skipped = first + timedelta(days=draw(st.integers(0, 1000)))
    if draw(st.booleans()):
        lines.append(f"EXDATE{stamp(skipped)}")
    lines.append("END:VEVENT")
    if draw(st.booleans()) and not all_day:
        edited = first + timedelta(days=draw(st.integers(0, 1000)))
        moved = stamp(edited).replace(f"T{hour:02d}{minute:02d}00", "T063000")
        lines += ["BEGIN:VEVENT", "UID:series@roomink", "DTSTAMP:20240101T000000Z",
                  f"RECURRENCE-ID{stamp(edited)}", f"DTSTART{moved}", "DURATION:PT45M",
                  "SUMMARY:Edited", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    room = ZoneInfo(draw(st.sampled_from(["Europe/Berlin", "America/Los_Angeles", "Asia/Tokyo"])))
    window = datetime(2025, 1, 1, tzinfo=room) + timedelta(
        days=draw(st.integers(0, 900)), hours=draw(st.integers(0, 23)))
    span = timedelta(days=draw(st.sampled_from([1, 2, 7, 30])))
    return "\r\n".join(lines).encode(), window, window + span, room


@contextmanager
def rules_from_dtstart():
    """The index as it was: every rule walked from its DTSTART."""
    real = ics_expand.rebased
    ics_expand.rebased = lambda rule, start, lead: rule
    try:
        yield
    finally:
        ics_expand.rebased = real


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calendars())
def test_rebased_rules_give_the_occurrences_of_the_rule_from_dtstart(case):
    data, start, end, room = case
    fast = build_index(data, room, "case.ics").expand(start, end)
    with rules_from_dtstart():
        slow = build_index(data, room, "case.ics").expand(start, end)
    assert fast.events == slow.events
    assert fast.problems == slow.problems


def test_a_late_window_takes_a_few_steps_and_an_earlier_one_still_sees_its_days():
    """The index moves its rules with the window, both ways."""
    tz = ZoneInfo("Europe/Berlin")
    data = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
            b"UID:d@t\r\nDTSTAMP:20200101T000000Z\r\n"
            b"DTSTART;TZID=Europe/Berlin:20200106T090000\r\nDURATION:PT1H\r\n"
            b"RRULE:FREQ=DAILY\r\nSUMMARY:Stand-up\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    index = build_index(data, tz, "d.ics")
    late = datetime(2026, 11, 25, tzinfo=tz)
    assert [e.start for e in index.expand(late, late + timedelta(days=1)).events] == [
        datetime(2026, 11, 25, 9, tzinfo=tz)]
    rule = index._series[0][1].recurrence.rrules[1]
    assert rule._dtstart.date() > date(2026, 11, 1), "the rule still starts in 2020"
    early = datetime(2020, 1, 7, tzinfo=tz)
    assert [e.start for e in index.expand(early, early + timedelta(days=1)).events] == [
        datetime(2020, 1, 7, 9, tzinfo=tz)]


def test_rules_that_cannot_move_are_returned_unchanged():
    start = datetime(2020, 1, 6, 9, tzinfo=ZoneInfo("Europe/Berlin"))
    far = datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC"))
    counted = rrule(DAILY, dtstart=start, count=5000)
    assert rebased(counted, far, timedelta(hours=1)) is counted
    monthly = rrule(1, dtstart=start)  # MONTHLY
    assert rebased(monthly, far, timedelta(hours=1)) is monthly
    daily = rrule(DAILY, dtstart=start)
    assert rebased(daily, start + timedelta(days=1), timedelta(hours=1)) is daily
    moved = rebased(daily, far, timedelta(hours=1))
    assert moved._dtstart.hour == 9 and moved._dtstart < far - timedelta(days=1)
    assert list(moved.between(far, far + timedelta(days=3))) == list(
        daily.between(far, far + timedelta(days=3)))


OUTLOOK_ZONES = (
    b"BEGIN:VCALENDAR\r\n"
    b"VERSION:2.0\r\n"
    b"PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r\n"
    b"BEGIN:VTIMEZONE\r\n"
    b"TZID:W. Europe Standard Time\r\n"
    b"BEGIN:STANDARD\r\n"
    b"DTSTART:16011028T030000\r\n"
    b"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\n"
    b"TZOFFSETFROM:+0200\r\n"
    b"TZOFFSETTO:+0100\r\n"
    b"END:STANDARD\r\n"
    b"BEGIN:DAYLIGHT\r\n"
    b"DTSTART:16010325T020000\r\n"
    b"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\n"
    b"TZOFFSETFROM:+0100\r\n"
    b"TZOFFSETTO:+0200\r\n"
    b"END:DAYLIGHT\r\n"
    b"END:VTIMEZONE\r\n"
    b"BEGIN:VTIMEZONE\r\n"
    b"TZID:Roomink Custom\r\n"
    b"BEGIN:STANDARD\r\n"
    b"DTSTART:16011028T030000\r\n"
    b"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\n"
    b"TZOFFSETFROM:+0330\r\n"
    b"TZOFFSETTO:+0230\r\n"
    b"END:STANDARD\r\n"
    b"BEGIN:DAYLIGHT\r\n"
    b"DTSTART:16010325T020000\r\n"
    b"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\n"
    b"TZOFFSETFROM:+0230\r\n"
    b"TZOFFSETTO:+0330\r\n"
    b"END:DAYLIGHT\r\n"
    b"END:VTIMEZONE\r\n"
    b"BEGIN:VEVENT\r\n"
    b"UID:a\r\n"
    b"DTSTAMP:20240101T000000Z\r\n"
    b"DTSTART;TZID=W. Europe Standard Time:20240105T083000\r\n"
    b"DTEND;TZID=W. Europe Standard Time:20240105T090000\r\n"
    b"RRULE:FREQ=DAILY\r\n"
    b"SUMMARY:A\r\n"
    b"END:VEVENT\r\n"
    b"BEGIN:VEVENT\r\n"
    b"UID:b\r\n"
    b"DTSTAMP:20240101T000000Z\r\n"
    b"DTSTART;TZID=Roomink Custom:20240105T020000\r\n"
    b"DTEND;TZID=Roomink Custom:20240105T030000\r\n"
    b"RRULE:FREQ=WEEKLY;BYDAY=MO,SU;INTERVAL=2\r\n"
    b"SUMMARY:B\r\n"
    b"END:VEVENT\r\n"
    b"END:VCALENDAR\r\n"
)


def test_series_in_calendar_defined_zones_move_the_same_way():
    """Outlook names its zones ("W. Europe Standard Time") and some exporters define their own
    in VTIMEZONE: the shifted rules give the same events there too, across both DST changes."""
    tz = ZoneInfo("Europe/Berlin")
    for days in range(0, 900, 15):  # the series start on 5 January 2024
        start = datetime(2024, 1, 6, tzinfo=tz) + timedelta(days=days)
        end = start + timedelta(days=3)
        fast = build_index(OUTLOOK_ZONES, tz, "outlook.ics").expand(start, end)
        with rules_from_dtstart():
            slow = build_index(OUTLOOK_ZONES, tz, "outlook.ics").expand(start, end)
        assert fast.events and fast.events == slow.events, start
