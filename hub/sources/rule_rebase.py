"""Start a simple recurrence rule close to the window asked for, not at its first occurrence.

dateutil finds the occurrences in a window by walking the rule from DTSTART: a daily meeting
that began in January costs ~330 steps in late November, every room, every new window; that
was most of the hub's time per room. For a rule that repeats with a fixed period -- DAILY
or WEEKLY, no COUNT, no BYSETPOS -- the occurrences from DTSTART + k periods on are exactly
the original ones from that moment on: the BY* parts of such a rule either filter single days
or repeat every period, and a shift by whole periods keeps the week alignment (WKST) and the
wall-clock time. COUNT rules depend on every earlier occurrence, so they keep their start.

The shifted start is kept at least a period (plus the event's length and a day for zone
offsets) before the window, so the artificial first instance a shifted DTSTART would add is
never inside it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dateutil.rrule import DAILY, WEEKLY, rrule

PERIOD_DAYS = {DAILY: 1, WEEKLY: 7}


def period(rule: object) -> timedelta | None:
    """The fixed period of `rule` when it may be shifted by whole periods, else None."""
    if type(rule) is not rrule or rule._count is not None:  # type: ignore[attr-defined]
        return None
    if rule._bysetpos or getattr(rule, "_byeaster", None):  # type: ignore[attr-defined]
        return None
    days = PERIOD_DAYS.get(rule._freq)  # type: ignore[attr-defined]
    start = rule._dtstart  # type: ignore[attr-defined]
    if days is None or start is None or hasattr(start.tzinfo, "localize"):
        return None  # pytz zones need localize() after arithmetic: leave those alone
    return timedelta(days=days * rule._interval)  # type: ignore[attr-defined]


def rebased(rule: rrule, window_start: datetime, lead: timedelta) -> rrule:
    """`rule`, started the most whole periods later that still leave `lead` plus a period
    (and a day) before `window_start`; `rule` itself when it cannot or need not move.

    `window_start` may be in another zone than the rule, or naive when the rule is."""
    step = period(rule)
    if step is None:
        return rule
    start: datetime = rule._dtstart  # type: ignore[attr-defined]
    try:
        if (start.tzinfo is None) != (window_start.tzinfo is None):
            return rule
        if start.tzinfo is not None:
            window_start = window_start.astimezone(start.tzinfo)
        gap = window_start.replace(tzinfo=None) - start.replace(tzinfo=None)
    except (OverflowError, ValueError):
        return rule
    periods = (gap - lead - step - timedelta(days=1)) // step
    if periods < 1:
        return rule
    moved = rule.replace(dtstart=start + periods * step)
    # recurring-ical-events keeps its own parsed UNTIL and rule text on the rule object.
    for name in ("until", "string"):
        if hasattr(rule, name):
            setattr(moved, name, getattr(rule, name))
    return moved
