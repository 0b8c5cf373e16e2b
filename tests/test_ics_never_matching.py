"""A recurrence rule no date can satisfy is refused up front, never walked to the year 9999.

dateutil looks for the next occurrence period by period until a date passes the rule's
filters, and checks UNTIL and COUNT only on such dates: `BYMONTH=2;BYMONTHDAY=30` used to cost
seconds per rule and stall the hub. Each test runs the expansion in a thread that must finish
within a generous 20 s: if the guard let one walk happen, ten of them could not.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from typing import Any

import icalendar
import pytest
from dateutil.rrule import rrulestr

from hub.sources.ics_expand import Expansion, build_index
from hub.sources.recurrence_guard import MAX_RULE_STEPS, rule_problem, steps_after_window
from tests.sources_contract import ROOM_TZ, local

MONDAY = "20251020T090000"  # DTSTART of the impossible rules: a Monday, in 2025
GOOD = ("good", f"DTSTART;TZID=Europe/Berlin:{MONDAY}", "DURATION:PT1H", "RRULE:FREQ=WEEKLY",
        "SUMMARY:Weekly")
ONE_OFF = ("one-off", "DTSTART;TZID=Europe/Berlin:20261021T140000", "DURATION:PT1H",
           "SUMMARY:One-off")

IMPOSSIBLE = [  # (UID, RRULE, a part of it the problem must quote)
    ("feb-30", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "BYMONTHDAY=30"),
    ("apr-31", "FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31", "BYMONTHDAY=31"),
    ("feb-minus-31", "FREQ=DAILY;BYMONTHDAY=-31;BYMONTH=2", "BYMONTHDAY=-31"),
    ("yearday-outside-months", "FREQ=DAILY;BYYEARDAY=200;BYMONTH=1,2", "BYYEARDAY=200"),
    ("hourly-feb-30", "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30", "FREQ=HOURLY"),
    ("minutely-apr-31", "FREQ=MINUTELY;BYMONTH=4;BYMONTHDAY=31", "FREQ=MINUTELY"),
    ("until-does-not-stop-it", "FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31;UNTIL=20261231T000000Z",
     "BYMONTHDAY=31"),
    ("count-does-not-stop-it", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=3", "BYMONTHDAY=30"),
    ("week-1-in-june", "FREQ=DAILY;BYWEEKNO=1;BYMONTH=6", "BYWEEKNO=1"),
    ("sixth-monday", "FREQ=MONTHLY;BYDAY=6MO", "BYDAY=6MO"),
    ("yearly-apr-31", "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31", "BYMONTHDAY=31"),
    ("third-of-two-days", "FREQ=WEEKLY;BYDAY=MO,TU;BYSETPOS=3", "BYSETPOS=3"),
    ("second-of-one-time", "FREQ=DAILY;BYSETPOS=2", "BYSETPOS=2"),
    # INTERVAL keeps the rule on days its filters reject: every 7th day from a Monday is a
    # Monday, every 2nd month from October never March, every 4th year from 2025 not leap.
    ("every-7-days-on-tuesday", "FREQ=DAILY;INTERVAL=7;BYDAY=TU", "INTERVAL=7"),
    ("weekly-in-hours-on-tuesday", "FREQ=HOURLY;INTERVAL=168;BYDAY=TU", "INTERVAL=168"),
    ("even-months-in-march", "FREQ=MONTHLY;INTERVAL=2;BYMONTH=3", "BYMONTH=3"),
    ("every-4-years-feb-29", "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29", "INTERVAL=4"),
]


def _event(uid: str, *lines: str) -> str:
    return f"BEGIN:VEVENT\r\nUID:{uid}\r\n" + "".join(f"{x}\r\n" for x in lines) + "END:VEVENT\r\n"


def _calendar(*events: tuple[str, ...]) -> bytes:
    body = "".join(_event(*event) for event in events)
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
    return f"{head}{body}END:VCALENDAR\r\n".encode()


def _impossible(uid: str, rule: str) -> tuple[str, ...]:
    return (uid, f"DTSTART;TZID=Europe/Berlin:{MONDAY}", "DURATION:PT30M", f"RRULE:{rule}",
            f"SUMMARY:{uid}")


def _bounded(work: Any, *args: Any) -> Any:
    """`work(*args)` in a thread that must finish within 20 s: a walk to 9999 costs seconds
    per rule (4-6 s measured), the guarded expansion milliseconds. A hang check, not timing."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = work(*args)
        except BaseException as exc:  # handed to the test thread
            result["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(20)
    assert not worker.is_alive(), "dateutil walked a rule that can never match"
    if "error" in result:
        raise result["error"]
    return result["value"]


def _expand(data: bytes, start: datetime, end: datetime) -> Expansion:
    return _bounded(lambda: build_index(data, ROOM_TZ, "room.ics").expand(start, end))


@pytest.mark.parametrize(("uid", "rule", "quoted"), IMPOSSIBLE)
def test_an_impossible_rule_is_one_clear_problem_and_the_rest_is_shown(uid, rule, quoted) -> None:
    data = _calendar(GOOD, _impossible(uid, rule), ONE_OFF)
    expansion = _expand(data, local("2026-10-19 00:00"), local("2026-10-26 00:00"))
    assert [e.subject for e in expansion.events] == ["Weekly", "One-off"]
    assert len(expansion.problems) == 1, expansion.problems
    problem = expansion.problems[0]
    assert problem.startswith(f"room.ics: skipped event '{uid}': recurrence never occurs: ")
    assert "no date matches" in problem and quoted in problem
    assert "UNTIL" not in problem and "COUNT" not in problem  # they are not the reason
    assert "\n" not in problem


def test_ten_impossible_rules_do_not_stall_the_calendar() -> None:
    # The reported file: ten such rules in 1.4 KB kept the hub busy for 30-55 s.
    rules = [rule for _, rule, _ in IMPOSSIBLE if rule.startswith(("FREQ=DAILY", "FREQ=HOURLY"))]
    bad = [_impossible(f"bad-{i}", rules[i % len(rules)]) for i in range(10)]
    data = _calendar(*bad, GOOD, ONE_OFF)
    index = _bounded(build_index, data, ROOM_TZ, "room.ics")
    mondays = ["2026-10-19", "2026-10-26", "2026-11-02", "2026-11-09"]
    for start, end in zip(mondays, mondays[1:], strict=False):  # each window guarded anew
        expansion = _bounded(index.expand, local(f"{start} 00:00"), local(f"{end} 00:00"))
        assert sum(e.subject == "Weekly" for e in expansion.events) == 1
        assert sorted(p.split("'")[1] for p in expansion.problems) == sorted(
            uid for uid, *_ in bad)


LEGITIMATE = [  # (DTSTART, RRULE): rare, but real dates; the guard must let them through
    ("20240229T100000", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"),  # leap years only
    ("20240229T100000", "FREQ=YEARLY"),  # the same, from DTSTART alone
    ("20250131T100000", "FREQ=MONTHLY;BYMONTHDAY=-1"),
    ("20250131T100000", "FREQ=MONTHLY;BYMONTHDAY=31"),  # the months with 31 days
    ("20250613T100000", "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13"),  # Friday the 13th
    ("20250101T100000", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"),  # last workday
    ("20250106T100000", "FREQ=MONTHLY;INTERVAL=3;BYDAY=-1FR"),
    ("20240101T100000", "FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO"),  # years with a week 53
    ("20250101T100000", "FREQ=YEARLY;BYYEARDAY=366"),  # 31 December of leap years
    ("20251021T100000", "FREQ=DAILY;INTERVAL=7;BYDAY=TU;BYMONTH=2"),  # from a Tuesday: fine
    ("20240229T100000", "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29"),
    ("20250201T100000", "FREQ=MONTHLY;INTERVAL=12;BYMONTH=2;BYMONTHDAY=29"),
    ("20240229T100000", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=TH"),  # next in 2052
]


@pytest.mark.parametrize(("first", "rule"), LEGITIMATE)
def test_rare_but_real_rules_give_the_same_dates_as_dateutil(first, rule) -> None:
    start, end = local("2026-01-01 00:00"), local("2056-01-01 00:00")
    data = _calendar(("rare", f"DTSTART;TZID=Europe/Berlin:{first}", "DURATION:PT1H",
                      f"RRULE:{rule}", "SUMMARY:Rare"))
    expansion = _expand(data, start, end)
    assert expansion.problems == []
    got = [e.start.astimezone(ROOM_TZ).replace(tzinfo=None) for e in expansion.events]
    dtstart = datetime.strptime(first, "%Y%m%dT%H%M%S")
    expected = rrulestr(rule, dtstart=dtstart).between(start.replace(tzinfo=None),
                                                       end.replace(tzinfo=None), inc=True)
    assert got == expected and got


def _steps_after(rule: str, first: date, window_end: datetime) -> int:
    return steps_after_window(icalendar.vRecur.from_ical(rule), first, window_end, UTC)


def test_the_walk_past_the_window_to_a_rare_date_is_counted() -> None:
    end = datetime(2026, 10, 26, tzinfo=UTC)
    # dateutil skips a rejected day in one step even for MINUTELY: ~490 days to 29 Feb 2028.
    days = (date(2028, 2, 29) - end.date()).days
    assert days <= _steps_after("FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=29", date(2026, 10, 25),
                                end) <= days + 2
    # The next Thursday 29 February is in 2052: a long walk, still far below the limit.
    far = _steps_after("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=TH", date(2024, 2, 29), end)
    assert (date(2052, 2, 29) - end.date()).days <= far < MAX_RULE_STEPS
    # Rules whose filters match every period cost nothing extra.
    assert _steps_after("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH", date(2020, 1, 7), end) == 0
    assert _steps_after("FREQ=DAILY", date(2020, 1, 7), end) == 0


def test_an_impossible_rule_is_refused_whatever_its_dtstart_or_window() -> None:
    # The verdict does not depend on the window; only the days a rule's INTERVAL can reach do.
    event = icalendar.Event()
    event.add("UID", "x")
    event.add("DTSTART", date(2025, 10, 20))  # all-day, a Monday
    event.add("RRULE", icalendar.vRecur.from_ical("FREQ=DAILY;INTERVAL=14;BYDAY=WE"))
    for end in (datetime(2026, 1, 1, tzinfo=UTC), datetime(2400, 1, 1, tzinfo=UTC)):
        problem, _ = _bounded(rule_problem, event, end, UTC)
        assert problem and problem.startswith("recurrence never occurs")
    event["RRULE"] = icalendar.vRecur.from_ical("FREQ=DAILY;INTERVAL=14;BYDAY=MO")
    assert _bounded(rule_problem, event, datetime(2026, 1, 1, tzinfo=UTC), UTC)[0] is None


def test_a_used_up_budget_is_not_blamed_for_an_impossible_rule(monkeypatch) -> None:
    # Two daily series since 2020 (~2,500 steps each) exhaust a 4,000-step calendar budget.
    monkeypatch.setattr("hub.sources.ics_expand.MAX_CALENDAR_STEPS", 4_000)
    daily = [(f"daily-{i}", "DTSTART;TZID=Europe/Berlin:20200101T090000", "DURATION:PT15M",
              "RRULE:FREQ=DAILY", f"SUMMARY:Daily {i}") for i in range(2)]
    data = _calendar(*daily, _impossible("feb-30", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"))
    problems = _expand(data, local("2026-10-19 00:00"), local("2026-10-26 00:00")).problems
    by_uid = {p.split("'")[1]: p for p in problems}
    assert by_uid["daily-1"].endswith("the calendar's recurrence budget is used up")
    assert by_uid["feb-30"].endswith("no date matches FREQ=DAILY;BYMONTHDAY=30;BYMONTH=2")
