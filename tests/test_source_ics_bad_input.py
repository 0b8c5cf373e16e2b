"""Bad calendars give one clear line or a bounded result: never a hang, never a traceback."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

import pytest

from hub.sources.base import SourceDataError, SourceUnavailable
from hub.sources.ics import IcsFileSource, parse_ics
from hub.sources.ics_expand import MAX_INSTANCES_PER_SERIES
from hub.sources.recurrence_guard import MAX_RULE_STEPS
from tests.sources_contract import ROOM_TZ, local

START, END = local("2026-10-19 00:00"), local("2026-10-26 00:00")
GOOD = (
    "BEGIN:VEVENT\r\nUID:good@t\r\nDTSTART;TZID=Europe/Berlin:20261020T100000\r\n"
    "DTEND;TZID=Europe/Berlin:20261020T110000\r\nSUMMARY:Good one\r\nEND:VEVENT\r\n"
)


def _calendar(*events: str) -> bytes:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n" + "".join(events)
            + "END:VCALENDAR\r\n").encode()


def _event(uid: str, *lines: str) -> str:
    return f"BEGIN:VEVENT\r\nUID:{uid}\r\n" + "".join(f"{x}\r\n" for x in lines) + "END:VEVENT\r\n"


def _parse(data: bytes) -> list:
    """parse_ics in a thread, so a hang fails this test instead of the whole suite."""
    result: dict = {}

    def run() -> None:
        try:
            result["events"] = parse_ics(data, START, END, ROOM_TZ, "room.ics")
        except BaseException as exc:  # handed to the test thread
            result["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(60)  # a hang guard, not a speed check: real runs take milliseconds
    assert not worker.is_alive(), "parse_ics hung"
    if "error" in result:
        raise result["error"]
    return result["events"]


@pytest.mark.parametrize(("data", "text"), [
    (b"", "empty file"),
    (b"   \r\n", "empty file"),
    (b"garbage", "no BEGIN:VCALENDAR"),
    (b"<html><body>Sign in</body></html>", "no BEGIN:VCALENDAR"),
    (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n", "not a valid iCalendar file"),
    (b"BEGIN:VCALENDAR\r\nthis line has no colon\r\nEND:VCALENDAR\r\n",
     "not a valid iCalendar file"),
    (b"\x00\x01\x02\xff\xfe" * 100, "no BEGIN:VCALENDAR"),
])
def test_not_icalendar_is_one_line(data, text) -> None:
    with pytest.raises(SourceDataError, match=text) as err:
        _parse(data)
    message = str(err.value)
    assert "\n" not in message and message.startswith("room.ics: ")


def test_broken_events_are_skipped_and_the_rest_kept(caplog) -> None:
    data = _calendar(
        GOOD,
        _event("no-start", "DTEND:20261020T110000Z", "SUMMARY:No start"),
        _event("bad-start", "DTSTART:2026xx", "SUMMARY:Bad start"),
        _event("backwards", "DTSTART:20261021T110000Z", "DTEND:20261021T100000Z"),
        _event("mixed", "DTSTART;VALUE=DATE:20261021", "DTEND:20261021T100000Z"),
        _event("bad-rule", "DTSTART:20261021T110000Z", "RRULE:FREQ=SOMETIMES"),
    )
    with caplog.at_level(logging.WARNING):
        events = _parse(data)
    assert [e.subject for e in events] == ["Good one"]
    logged = caplog.text
    for uid in ("no-start", "bad-start", "backwards", "mixed", "bad-rule"):
        assert f"skipped event '{uid}'" in logged


def test_event_without_dtend() -> None:
    data = _calendar(
        _event("timed", "DTSTART:20261020T080000Z", "SUMMARY:Point in time"),
        _event("dated", "DTSTART;VALUE=DATE:20261021", "SUMMARY:Whole day"),
        _event("duration", "DTSTART:20261022T080000Z", "DURATION:PT90M", "SUMMARY:Lasts"),
    )
    by_subject = {e.subject: e for e in _parse(data)}
    assert by_subject["Point in time"].end == by_subject["Point in time"].start
    assert by_subject["Whole day"].end - by_subject["Whole day"].start == timedelta(days=1)
    assert by_subject["Whole day"].all_day
    assert by_subject["Lasts"].end - by_subject["Lasts"].start == timedelta(minutes=90)


@pytest.mark.parametrize("rule", [
    "FREQ=SECONDLY;UNTIL=20271019T000000Z",  # every second for a year, from the window start
    "FREQ=SECONDLY",  # forever
    "FREQ=MINUTELY;INTERVAL=1",  # every minute since 2020 (dateutil walks from DTSTART)
    # Every second again, spelled as a daily rule.
    "FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24))) + ";BYMINUTE="
    + ",".join(map(str, range(60))) + ";BYSECOND=" + ",".join(map(str, range(60))),
])
def test_absurd_recurrence_is_skipped(rule, caplog) -> None:
    start = "20200101T000000Z" if "MINUTELY" in rule else "20261019T000000Z"
    data = _calendar(GOOD, _event("storm", f"DTSTART:{start}", "DURATION:PT1S",
                                  f"RRULE:{rule}", "SUMMARY:Storm"))
    with caplog.at_level(logging.WARNING):
        events = _parse(data)
    assert [e.subject for e in events] == ["Good one"]
    assert "skipped event 'storm': recurrence too dense to expand" in caplog.text


def test_absurd_recurrence_without_uid_is_skipped(caplog) -> None:
    storm = "BEGIN:VEVENT\r\nDTSTART:20200101T000000Z\r\nRRULE:FREQ=SECONDLY\r\nEND:VEVENT\r\n"
    with caplog.at_level(logging.WARNING):
        events = _parse(_calendar(GOOD, storm))
    assert [e.subject for e in events] == ["Good one"]
    assert "recurrence too dense" in caplog.text


def test_count_bounds_a_dense_rule(caplog) -> None:
    # Every minute, but only ten times: harmless however long ago it started.
    data = _calendar(_event("ten", "DTSTART:20261020T080000Z", "DURATION:PT1M",
                            "RRULE:FREQ=MINUTELY;COUNT=10", "SUMMARY:Ten"),
                     _event("old-ten", "DTSTART:20200101T000000Z", "DURATION:PT1M",
                            "RRULE:FREQ=SECONDLY;COUNT=10", "SUMMARY:Long ago"))
    with caplog.at_level(logging.WARNING):
        assert [e.subject for e in _parse(data)] == ["Ten"] * 10
    assert "too dense" not in caplog.text


def test_dense_but_affordable_recurrence_is_capped(caplog) -> None:
    # Every minute, but only for the last day of the window: cheap to expand, too many to show.
    data = _calendar(_event("minutes", "DTSTART:20261025T000000Z", "DURATION:PT1M",
                            "RRULE:FREQ=MINUTELY", "SUMMARY:Tick"))
    with caplog.at_level(logging.WARNING):
        events = _parse(data)
    assert len(events) == MAX_INSTANCES_PER_SERIES
    assert "more than 500 occurrences" in caplog.text
    assert MAX_RULE_STEPS > 24 * 60


def test_ordinary_long_running_series_is_not_refused() -> None:
    # A weekly meeting since 1995 and a daily one since 2000 are real; they must expand.
    data = _calendar(
        _event("weekly", "DTSTART;TZID=Europe/Berlin:19950103T100000", "DURATION:PT1H",
               "RRULE:FREQ=WEEKLY;BYDAY=TU", "SUMMARY:Weekly since 1995"),
        _event("daily", "DTSTART;TZID=Europe/Berlin:20000103T090000", "DURATION:PT15M",
               "RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", "SUMMARY:Daily since 2000"),
    )
    events = _parse(data)
    assert sum(e.subject == "Weekly since 1995" for e in events) == 1
    assert sum(e.subject == "Daily since 2000" for e in events) == 5
    assert all(e.start.astimezone(ROOM_TZ).hour in (9, 10) for e in events)


def test_non_utf8_is_read_as_windows_1252(caplog) -> None:
    data = _calendar(_event("latin", "DTSTART:20261020T080000Z", "DTEND:20261020T090000Z",
                            "SUMMARY:Caf\u00e9 m\u00fcde")).decode().encode("cp1252")
    with caplog.at_level(logging.WARNING):
        events = _parse(data)
    assert [e.subject for e in events] == ["Caf\u00e9 m\u00fcde"]
    assert "not UTF-8" in caplog.text


def test_utf8_bom_and_bare_newlines_are_fine() -> None:
    data = b"\xef\xbb\xbf" + _calendar(GOOD).replace(b"\r\n", b"\n")
    assert [e.subject for e in _parse(data)] == ["Good one"]


def test_file_source_errors(tmp_path) -> None:
    source = IcsFileSource(tmp_path / "missing.ics", ROOM_TZ)
    with pytest.raises(SourceUnavailable, match="file not found"):
        source.fetch(START, END)
    (tmp_path / "room.ics").write_bytes(b"nonsense")
    with pytest.raises(SourceDataError, match="no BEGIN:VCALENDAR"):
        IcsFileSource(tmp_path / "room.ics", ROOM_TZ).fetch(START, END)


def test_file_source_reparses_only_when_changed(tmp_path) -> None:
    path = tmp_path / "room.ics"
    path.write_bytes(_calendar(GOOD))
    source = IcsFileSource(path, ROOM_TZ)
    source.fetch(START, END)
    source.fetch(START, END)
    assert source.parses == 1
    path.write_bytes(_calendar(GOOD.replace("Good one", "Changed!")))
    assert [e.subject for e in source.fetch(START, END)] == ["Changed!"]
    assert source.parses == 2
    # Same size, written right away (same mtime tick, likely): still noticed.
    path.write_bytes(_calendar(GOOD.replace("Good one", "Changed?")))
    assert [e.subject for e in source.fetch(START, END)] == ["Changed?"]
    assert source.parses == 3


def test_private_subject_never_leaves_the_source() -> None:
    data = _calendar(_event("p", "DTSTART:20261020T080000Z", "DTEND:20261020T090000Z",
                            "SUMMARY:Divorce lawyer", "CLASS:CONFIDENTIAL"))
    (event,) = _parse(data)
    assert event.private and event.subject == "" and "Divorce" not in repr(event)


def test_busy_status_free_from_outlook_is_not_busy() -> None:
    data = _calendar(_event("f", "DTSTART:20261020T080000Z", "DTEND:20261020T090000Z",
                            "X-MICROSOFT-CDO-BUSYSTATUS:FREE", "SUMMARY:Tentative"))
    (event,) = _parse(data)
    assert not event.busy


def test_window_in_another_zone_gives_same_events() -> None:
    data = _calendar(GOOD, _event("float", "DTSTART:20261020T235000", "DURATION:PT5M",
                                  "SUMMARY:Floating late"))
    here = _parse(data)
    utc = parse_ics(data, START.astimezone(UTC), END.astimezone(UTC), ROOM_TZ, "room.ics")
    assert here == utc
    assert datetime(2026, 10, 20, 23, 50, tzinfo=ROOM_TZ) in [e.start for e in here]


def test_calendar_wide_recurrence_budget(monkeypatch, caplog) -> None:
    # Each daily series since 2020 costs ~2,500 steps; a budget of 6,000 affords two.
    monkeypatch.setattr("hub.sources.ics_expand.MAX_CALENDAR_STEPS", 6_000)
    data = _calendar(*(_event(f"daily-{i}", "DTSTART;TZID=Europe/Berlin:20200101T090000",
                              "DURATION:PT15M", "RRULE:FREQ=DAILY", f"SUMMARY:Daily {i}")
                       for i in range(3)))
    with caplog.at_level(logging.WARNING):
        events = _parse(data)
    assert {e.subject for e in events} == {"Daily 0", "Daily 1"} and len(events) == 14
    assert "skipped event 'daily-2'" in caplog.text and "budget is used up" in caplog.text


def test_too_many_events_in_a_window_are_truncated(monkeypatch, caplog) -> None:
    monkeypatch.setattr("hub.sources.ics_expand.MAX_EVENTS", 3)
    data = _calendar(*(_event(f"e{i}", f"DTSTART:202610{20 + i}T080000Z", "DURATION:PT1H",
                              f"SUMMARY:E{i}") for i in range(5)))
    with caplog.at_level(logging.WARNING):
        events = _parse(data)
    assert [e.subject for e in events] == ["E0", "E1", "E2"]  # the earliest are kept
    assert "5 events in the window; kept the first 3" in caplog.text
