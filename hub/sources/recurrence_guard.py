"""Refuse recurrence rules whose expansion would take too long, before expanding them.

`dateutil` (under `recurring-ical-events`) walks a rule from its DTSTART up to the end of the
requested window, candidate by candidate, even when only the last week is wanted. A rule like
`FREQ=SECONDLY` that started a year ago means tens of millions of steps: the hub would hang.
We estimate the number of candidates from the rule itself (no expansion) and skip the series
when the estimate passes a budget. The estimate is an upper bound, so real room calendars
(daily, weekly, monthly meetings over decades) stay far below it.
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo

import icalendar

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


__all__ = ["MAX_CALENDAR_STEPS", "MAX_RULE_STEPS", "estimate_steps", "rule_problem", "rule_steps"]
