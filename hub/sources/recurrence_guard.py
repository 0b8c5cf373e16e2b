"""Refuse recurrence rules whose expansion would take too long, before expanding them.

`dateutil` (under `recurring-ical-events`) walks a rule from its DTSTART up to the end of the
requested window, candidate by candidate, even when only the last week is wanted. A rule like
`FREQ=SECONDLY` that started a year ago means tens of millions of steps: the hub would hang.
We estimate the number of candidates from the rule itself (no expansion) and skip the series
when the estimate passes a budget. The estimate is an upper bound, so real room calendars
(daily, weekly, monthly meetings over decades) stay far below it.

dateutil also walks *after* the window, to the first occurrence past it, and checks UNTIL and
COUNT only on dates that passed the rule's filters. A rule whose filters no date can pass
(`BYMONTH=2;BYMONTHDAY=30`, or `FREQ=DAILY;INTERVAL=7;BYDAY=TU` started on a Monday) is
walked to the year 9999: seconds per rule. So rules whose date filters might reject everything
are tried once over a whole 400-year Gregorian cycle (dates, weekdays and week numbers repeat
exactly after it) at the end of dateutil's range, where its walk is bounded by construction;
a rule that never matches is refused, one that matches is charged the walk to its next date.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from math import gcd
from typing import Any

import icalendar
from dateutil.rrule import (
    DAILY,
    HOURLY,
    MINUTELY,
    MONTHLY,
    SECONDLY,
    WEEKLY,
    YEARLY,
    rrule,
    rrulestr,
    weekday,
)

# Candidates dateutil may visit for one series, and for a whole calendar. dateutil needs about
# 5 µs a candidate (measured on a laptop core), so ~0.5 s and ~10 s at worst.
MAX_RULE_STEPS = 100_000
MAX_CALENDAR_STEPS = 2_000_000

_PERIOD_SECONDS = {
    "SECONDLY": 1,
    "MINUTELY": 60,
    "HOURLY": 3_600,
    "DAILY": 86_400,
    "WEEKLY": 7 * 86_400,
    "MONTHLY": 31 * 86_400,
    "YEARLY": 366 * 86_400,
}
_ORDER = ["SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"]
# A BYxxx part multiplies the candidates only when it is finer than the rule's own period.
_FINER_THAN = {"BYSECOND": "SECONDLY", "BYMINUTE": "MINUTELY", "BYHOUR": "HOURLY"}
_DAY_PARTS = ("BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO")
_DAYS_IN_PERIOD = {"WEEKLY": 7, "MONTHLY": 31, "YEARLY": 366}


def _as_datetime(value: date | datetime, tz: tzinfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    return datetime.combine(value, time.min, tzinfo=tz)


def estimate_steps(rule: icalendar.vRecur, dtstart: date | datetime, window_end: datetime,
                   tz: tzinfo) -> int:
    """Upper bound of the candidates dateutil visits to expand `rule` up to `window_end`."""
    freq = str((rule.get("FREQ") or ["DAILY"])[0]).upper()
    if freq not in _PERIOD_SECONDS:
        raise ValueError(f"unknown FREQ={freq}")
    interval = max(1, int((rule.get("INTERVAL") or [1])[0]))
    stop = window_end
    until = (rule.get("UNTIL") or [None])[0]
    if isinstance(until, date):
        stop = min(stop, _as_datetime(until, tz))
    span = (stop - _as_datetime(dtstart, tz)).total_seconds()
    if span <= 0:
        return 1
    periods = int(span // (_PERIOD_SECONDS[freq] * interval)) + 1
    count = (rule.get("COUNT") or [None])[0]
    if count is not None and not any(key.startswith("BY") for key in rule):
        periods = min(periods, int(count))  # every candidate is an instance: COUNT stops it
    rank = _ORDER.index(freq)
    per_period = 1
    for part, level in _FINER_THAN.items():
        if rank > _ORDER.index(level) and rule.get(part):
            per_period *= len(rule[part])
    if freq in _DAYS_IN_PERIOD and any(rule.get(part) for part in _DAY_PARTS):
        per_period *= _DAYS_IN_PERIOD[freq]
    return periods * per_period


# --- Rules whose date filters may never match -------------------------------------------

_CYCLE_START = datetime(9600, 1, 1)
"""The last whole 400-year cycle before dateutil's year-9999 stop: a walk from here ends."""
_SOLAR_START = datetime(9972, 1, 1)
"""The last 28 years: every kind of year (leap or not, each weekday of 1 January, after a leap
year or not) is among them, which is all that dateutil's day filters look at."""
_CYCLE_YEARS = 400
_CYCLE_DAYS = 146_097  # days in 400 Gregorian years; also a whole number of weeks (20,871)
_CYCLE_PERIODS = {YEARLY: _CYCLE_YEARS, MONTHLY: 12 * _CYCLE_YEARS, WEEKLY: _CYCLE_DAYS // 7,
                  DAILY: _CYCLE_DAYS}
_UNIT_SECONDS = {HOURLY: 3_600, MINUTELY: 60, SECONDLY: 1}
_SPARSE_PARTS = ("BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYSETPOS", "BYEASTER")
_ALL_WEEKDAYS = tuple(weekday(day) for day in range(7))

Parsed = Any
"""A dateutil `rrule`: the probe reads its normalised parts (`_bymonth`, `_bynweekday`, the
defaults taken from DTSTART...), private but what its own filters use; `rule_rebase` too."""


def may_never_match(rule: icalendar.vRecur) -> bool:
    """Whether the rule's date filters could reject every date it reaches (cheap, on the text).

    Only these rules pay for the probe below. BYMONTH and plain BYDAY match some day of every
    year, month and week, so alone they can miss only when INTERVAL skips the matching ones
    (a WEEKLY step still sees every weekday)."""
    if any(rule.get(part) for part in _SPARSE_PARTS):
        return True
    days = [str(day) for day in rule.get("BYDAY") or ()]
    if any(char.isdigit() for day in days for char in day):
        return True  # BYDAY=5MO, -1FR: an ordinal may not exist in any month
    if int((rule.get("INTERVAL") or [1])[0]) <= 1:
        return False
    weekly = str((rule.get("FREQ") or [""])[0]).upper() == "WEEKLY"
    return bool(rule.get("BYMONTH") or (days and not weekly))


def _date_rule_text(rule: icalendar.vRecur) -> str:
    """The rule without UNTIL and COUNT, which dateutil applies only to dates that matched."""
    kept = icalendar.vRecur({k: v for k, v in rule.items() if k not in ("UNTIL", "COUNT")})
    return kept.to_ical().decode()


def _wall_clock(value: date | datetime) -> datetime:
    """dateutil steps through naive wall-clock times (it only attaches the zone)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, microsecond=0)
    return datetime.combine(value, time.min)


def _period_index(freq: int, when: datetime, wkst: int) -> int:
    """Number of the YEARLY/MONTHLY/WEEKLY period or day holding `when`, counted from year 1."""
    if freq == YEARLY:
        return when.year
    if freq == MONTHLY:
        return when.year * 12 + when.month - 1
    if freq == WEEKLY:
        return (when.toordinal() - 1 - wkst) // 7  # day 1 (0001-01-01) is a Monday
    return when.toordinal()


def _period_start(freq: int, index: int, wkst: int) -> datetime:
    if freq == YEARLY:
        return datetime(index, 1, 1)
    if freq == MONTHLY:
        return datetime(index // 12, index % 12 + 1, 1)
    return datetime.fromordinal(index * 7 + 1 + wkst)


def _day_offsets(rule: Parsed) -> list[int]:
    """Positions within a day (in the rule's unit) that its time filters allow."""
    hours = rule._byhour or range(24)
    if rule._freq == HOURLY:
        return list(hours)
    minutes = [h * 60 + m for h in hours for m in rule._byminute or range(60)]
    if rule._freq == MINUTELY:
        return minutes
    return [m * 60 + s for m in minutes for s in rule._bysecond or range(60)]


def _reached_days(rule: Parsed) -> tuple[int, frozenset[int]]:
    """(G, classes): the days a DAILY-or-finer rule's own steps reach, over all cycles, are
    those whose day number modulo G (a divisor of the cycle) is in `classes`.

    The rule reaches DTSTART + k * INTERVAL units; the calendar repeats every cycle, so only
    the step's common divisor with the cycle decides which days of the cycle are reachable."""
    start, step = rule._dtstart, rule._interval
    if rule._freq == DAILY:
        g = gcd(step, _CYCLE_DAYS)
        return g, frozenset({start.toordinal() % g})
    unit = _UNIT_SECONDS[rule._freq]
    per_day = 86_400 // unit
    g = gcd(step, _CYCLE_DAYS * per_day)
    first = start.toordinal() * per_day + (start.hour * 3_600 + start.minute * 60
                                           + start.second) // unit
    k = gcd(g, per_day)
    whole = g // k  # day * per_day = first - offset (mod g)  <=>  day = ... (mod whole)
    inverse = pow(per_day // k, -1, whole) if whole > 1 else 0
    classes: set[int] = set()
    for offset in _day_offsets(rule):
        if (first - offset) % k == 0:
            classes.add((first - offset) // k * inverse % whole)
            if len(classes) == whole:
                break
    return whole, frozenset(classes)


class _Probe:
    """The dates a rule can ever produce, found by dateutil itself from a chosen day on.

    YEARLY and MONTHLY rules (and WEEKLY ones with BYSETPOS, whose sets are per period) are
    probed with their own FREQ, stepping every period the rule reaches in a cycle; finer rules
    by a YEARLY rule with the same day filters (their BYSETPOS only picks among times of one
    day), keeping the days the rule's steps reach. Started in or after year 9200, a probe never
    walks more than a cycle past its start before dateutil stops at 9999."""

    def __init__(self, rule: Parsed) -> None:
        self.rule = rule
        freq: int = rule._freq
        self.own = freq in (YEARLY, MONTHLY) or (freq == WEEKLY and bool(rule._bysetpos))
        self.step = gcd(rule._interval, _CYCLE_PERIODS[freq]) if freq in _CYCLE_PERIODS else 1
        self.days: tuple[int, frozenset[int]] = (1, frozenset({0}))
        if freq == DAILY or freq in _UNIT_SECONDS:
            self.days = _reached_days(rule)
        self.filters = self._filters()

    @property
    def solar(self) -> bool:
        """Whether 28 years show every date the rule can produce: yes when it steps through
        every period (INTERVAL shares no factor with the cycle) and knows no Easter. (Checked
        against the whole cycle and dateutil's own walk on 1,500 random rules.)"""
        return self.step == 1 and self.days[0] == 1 and not self.rule._byeaster

    def _filters(self) -> dict[str, object] | None:
        """dateutil arguments for the probe; None when no day can pass them."""
        rule, freq = self.rule, self.rule._freq
        days = [weekday(d) for d in rule._byweekday or ()]
        days += [weekday(d, n) for d, n in rule._bynweekday or ()]
        whole, classes = self.days
        if not classes:
            return None  # the steps never land on an allowed time of day
        if whole % 7 == 0:  # the steps fall on some weekdays only: let dateutil skip the rest
            reached = {(c - 1) % 7 for c in classes}
            days = [d for d in days or _ALL_WEEKDAYS if d.weekday in reached]
            if not days:
                return None
        monthdays = (*rule._bymonthday, *rule._bynmonthday)
        if not (days or monthdays or rule._byyearday or rule._byweekno or rule._byeaster):
            days = list(_ALL_WEEKDAYS)  # an explicit no-op, or dateutil adds DTSTART's day
        filters: dict[str, object] = {
            "freq": freq if self.own else YEARLY, "wkst": rule._wkst, "bymonth": rule._bymonth,
            "bymonthday": monthdays or None, "byyearday": rule._byyearday,
            "byweekno": rule._byweekno, "byweekday": days or None, "byeaster": rule._byeaster,
            "byhour": 0, "byminute": 0, "bysecond": 0, "cache": False,
        }
        if rule._bysetpos:
            if not self.own:
                return filters if self._setpos_fits_a_day() else None
            filters.update(bysetpos=rule._bysetpos, byhour=rule._byhour,
                           byminute=rule._byminute, bysecond=rule._bysecond)
        return filters

    def _setpos_fits_a_day(self) -> bool:
        """DAILY and finer: BYSETPOS picks among the times of one day (or hour, or minute)."""
        rule = self.rule
        times = {DAILY: len(rule._timeset or ()),
                 HOURLY: len(rule._byminute or ()) * len(rule._bysecond or ()),
                 MINUTELY: len(rule._bysecond or ())}.get(rule._freq, 1)
        return any(-times <= pos <= times for pos in rule._bysetpos)

    def _start(self, not_before: datetime) -> datetime:
        """Own-FREQ probes begin at the latest period the rule reaches, before `not_before`."""
        if not self.own:
            return not_before
        freq, wkst = self.rule._freq, self.rule._wkst
        first = _period_index(freq, self.rule._dtstart, wkst)
        here = _period_index(freq, not_before, wkst)
        return _period_start(freq, here - (here - first) % self.step, wkst)

    def _reached(self, when: datetime) -> bool:
        if self.own:
            return True  # stepping by `self.step` from a reached period visits only those
        freq, wkst = self.rule._freq, self.rule._wkst
        if freq == WEEKLY:
            first = _period_index(WEEKLY, self.rule._dtstart, wkst)
            return (_period_index(WEEKLY, when, wkst) - first) % self.step == 0
        whole, classes = self.days
        return when.toordinal() % whole in classes

    def first(self, not_before: datetime) -> datetime | None:
        """The first date >= `not_before` the rule can produce (calendar-wise: shifted by whole
        cycles), or None if there is none up to the year 9999."""
        if self.filters is None:
            return None
        probe = rrule(dtstart=self._start(not_before), interval=self.step if self.own else 1,
                      **self.filters)
        for when in probe:
            if when >= not_before and self._reached(when):
                return when
        return None


@lru_cache(maxsize=2_048)
def _probe(text: str, dtstart: datetime) -> tuple[_Probe | None, str | None]:
    """(probe, None), or (None, why the rule never produces a date); built once per rule."""
    rule = rrulestr(text, dtstart=dtstart, cache=False)
    if not isinstance(rule, rrule):
        raise ValueError("unreadable RRULE")
    probe = _Probe(rule)
    try:
        found = probe.first(_SOLAR_START if probe.solar else _CYCLE_START)
    except (ValueError, OverflowError):  # a date past 9999 at the very end: not "never"
        return probe, None
    if found is None:
        shown = text if len(text) <= 100 else text[:99] + "…"
        return None, f"recurrence never occurs: no date matches {shown}"
    return probe, None


def _in_last_cycles(when: datetime) -> datetime | None:
    """`when` moved by whole cycles into [9200, 9600): the same date, weekday and week."""
    cycles = -((when.year - 9_200) // _CYCLE_YEARS)
    moved = when.year + cycles * _CYCLE_YEARS
    return when.replace(year=moved) if 9_200 <= moved < 9_600 else None


def _walk_steps(rule: Parsed, gap: timedelta) -> int:
    """dateutil's iterations to cross `gap` for this rule: a filtered day costs one step even for
    HOURLY and finer rules (dateutil jumps to the next day), a WEEKLY/MONTHLY/YEARLY period
    costs one check per day in it."""
    freq, step = rule._freq, rule._interval
    if freq in _UNIT_SECONDS:
        days_per_step = step * _UNIT_SECONDS[freq] / 86_400
        return int(gap.days / max(1.0, days_per_step)) + 1
    name = _ORDER[6 - freq]  # dateutil numbers YEARLY=0 ... SECONDLY=6
    periods = gap.total_seconds() // (_PERIOD_SECONDS[name] * step) + 1
    return int(periods) * _DAYS_IN_PERIOD.get(name, 1)


def steps_after_window(rule: icalendar.vRecur, dtstart: date | datetime, window_end: datetime,
                       tz: tzinfo) -> int:
    """dateutil's walk past `window_end` to the rule's next possible date (0 for rules whose
    filters match every period); ValueError if no date can ever match."""
    if not may_never_match(rule):
        return 0
    try:
        probe, never = _probe(_date_rule_text(rule), _wall_clock(dtstart))
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"unreadable RRULE ({exc})") from None
    if never:
        raise ValueError(never)
    start = _in_last_cycles(_wall_clock(window_end.astimezone(tz)))
    if start is None:
        return 0
    try:
        found = probe.first(start)
    except (ValueError, OverflowError):
        return 0
    return _walk_steps(probe.rule, (found or start) - start)


def rule_steps(component: icalendar.cal.Component, window_end: datetime, tz: tzinfo) -> int:
    """Estimated expansion cost of this VEVENT's RRULEs (0 without one); ValueError if bad."""
    rules = component.get("RRULE")
    if rules is None:
        return 0
    if not isinstance(rules, list):
        rules = [rules]
    dtstart = component.decoded("DTSTART")
    total = 0
    for rule in rules:
        if not isinstance(rule, icalendar.vRecur):
            raise ValueError("unreadable RRULE")
        try:
            total += estimate_steps(rule, dtstart, window_end, tz)
            total += steps_after_window(rule, dtstart, window_end, tz)
        except (TypeError, IndexError) as exc:
            raise ValueError(f"unreadable RRULE ({exc})") from None
    return total


def rule_problem(component: icalendar.cal.Component, window_end: datetime, tz: tzinfo,
                 budget: int = MAX_RULE_STEPS) -> tuple[str | None, int]:
    """(why this VEVENT must not be expanded or None, its estimated steps)."""
    try:
        steps = rule_steps(component, window_end, tz)
    except ValueError as exc:
        return str(exc), 0
    limit = min(budget, MAX_RULE_STEPS)
    if steps > limit:
        rules = component.get("RRULE")
        rules = rules if isinstance(rules, list) else [rules]
        freq = "/".join(str((r.get("FREQ") or ["?"])[0]) for r in rules)
        return (f"recurrence too dense to expand (FREQ={freq}, ~{steps:,} steps, "
                f"limit {limit:,})"), steps
    return None, steps


__all__ = ["MAX_CALENDAR_STEPS", "MAX_RULE_STEPS", "estimate_steps", "may_never_match",
           "rule_problem", "rule_steps", "steps_after_window"]
