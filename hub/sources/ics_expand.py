"""A parsed calendar -> the `Event`s of one window, cheaply enough to run on every poll.

`CalendarIndex` is built once per version of the data. It checks every VEVENT (missing or
broken DTSTART, end before start, date/date-time mix), turns plain one-off events into
`Event`s right away, and keeps recurring ones (RRULE, RDATE, overrides) for
`recurring-ical-events`. `expand(start, end)` then filters the one-offs and expands only the
series, each behind the recurrence-density guard and an instance cap. A bad event is skipped
and reported in `Expansion.problems`; it never fails the room.

Why an index: with 5,000 events, building `recurring-ical-events` series for every one-off
meeting cost most of the time of each poll, and a `304 Not Modified` should cost little.
"""

from __future__ import annotations

import logging
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from itertools import islice

import icalendar
import recurring_ical_events

from hub.schedule import Event
from hub.sources.ics_parse import as_aware, event_from_component, load_calendar, text
from hub.sources.recurrence_guard import MAX_CALENDAR_STEPS, MAX_RULE_STEPS, rule_problem
from hub.sources.rule_rebase import rebased

log = logging.getLogger(__name__)

MAX_INSTANCES_PER_SERIES = 500
"""Occurrences of one series inside one window; a room has no more than ~100 slots a week."""

MAX_EVENTS = 5_000
"""Events returned for one window; beyond that the window is truncated with a warning."""


@dataclass
class Expansion:
    """The events of one window, and what had to be skipped to get them."""

    events: list[Event]
    problems: list[str] = field(default_factory=list)


def _label(component: icalendar.cal.Component, index: int) -> str:
    """How a problem event is named in logs: its UID, never its (maybe private) subject."""
    uid = text(component, "UID")
    return f"event {uid[:60]!r}" if uid else f"event #{index + 1} (no UID)"


def _one_line(exc: BaseException, limit: int = 100) -> str:
    return " ".join(str(exc).split())[:limit] or type(exc).__name__


def _structure_problem(component: icalendar.cal.Component, tz: tzinfo) -> str | None:
    """Why this VEVENT cannot be used at all, or None (window-independent checks)."""
    if component.get("DTSTART") is None:
        return "no DTSTART"
    try:
        start = component.decoded("DTSTART")
        if not isinstance(start, date):
            return "unreadable DTSTART"
        if component.get("DTEND") is not None:
            end = component.decoded("DTEND")
            if isinstance(start, datetime) != isinstance(end, datetime):
                return "DTSTART and DTEND mix a date and a date-time"
            if as_aware(end, tz) < as_aware(start, tz):
                return "ends before it starts"
        elif component.get("DURATION") is not None:
            if not isinstance(component.decoded("DURATION"), timedelta):
                return "unreadable DURATION"
    except Exception as exc:  # icalendar's broken-property errors have several types
        return f"unreadable date ({_one_line(exc, 80)})"
    return None


def _recurs(component: icalendar.cal.Component) -> bool:
    return any(component.get(key) is not None for key in ("RRULE", "RDATE", "RECURRENCE-ID"))


def _overlaps(event: Event, start: datetime, end: datetime) -> bool:
    return event.start < end and (event.end > start or event.start == start)


def _drop_rule_caches(series: object) -> None:
    """recurring-ical-events builds dateutil rules with cache=True: every occurrence ever
    iterated stays in memory, from DTSTART on and growing daily (~30 KB per daily rule after
    a year, 130+ MB for a thousand rooms). A kept index re-iterates instead."""
    rules = getattr(getattr(series, "recurrence", None), "rrules", None) or []
    for rule in rules:
        for one in [rule, *getattr(rule, "_rrule", [])]:
            if getattr(one, "_cache", None) is not None:
                one._cache = None
                one._cache_complete = False


class CalendarIndex:
    """One parsed calendar, prepared for repeated window queries in the room's zone."""

    def __init__(self, calendar: icalendar.Calendar, tz: tzinfo, name: str,
                 problems: list[str] | None = None) -> None:
        self.tz, self.name = tz, name
        self.problems: list[str] = list(problems or [])
        # The last window asked for and its answer: the hub asks for the same day window on
        # every poll, redraw and wake, and re-running the rules (dateutil walks each series
        # from its first occurrence) cost ~10 ms a room.
        self._last: tuple[tuple[datetime, datetime], Expansion] | None = None
        self._singles: list[Event] = []
        self._groups: dict[str, list[icalendar.cal.Component]] = {}
        self._timezones = [c for c in calendar.subcomponents if c.name == "VTIMEZONE"]
        for index, component in enumerate(calendar.subcomponents):
            if component.name != "VEVENT":
                continue
            problem = _structure_problem(component, tz)
            if problem:
                self.problems.append(f"{name}: skipped {_label(component, index)}: {problem}")
                continue
            if not text(component, "UID"):
                # recurring-ical-events groups series by UID: give each UID-less event its own,
                # so the density guard below can find its rule.
                component["UID"] = f"no-uid-{index + 1}"
            self._groups.setdefault(text(component, "UID"), []).append(component)
        for uid in [u for u, group in self._groups.items()
                    if len(group) == 1 and not _recurs(group[0])]:
            component = self._groups.pop(uid)[0]
            try:
                self._singles.append(event_from_component(component, tz))
            except Exception as exc:
                self.problems.append(f"{name}: skipped event {uid[:60]!r}: {_one_line(exc)}")
        self._singles.sort(key=lambda e: e.start)
        self._longest = max((e.end - e.start for e in self._singles), default=timedelta(0))
        self._series: list[tuple[str, object]] | None = None
        self._rules: list[list[object]] = []  # each series' rules as parsed, from DTSTART

    def _build_series(self) -> list[tuple[str, object]]:
        """`recurring-ical-events` series for the recurring groups, built once."""
        if self._series is not None:
            return self._series
        calendar = icalendar.Calendar()
        calendar.subcomponents.extend(self._timezones)
        for group in self._groups.values():
            calendar.subcomponents.extend(group)
        try:
            series = [(str(s.uid), s) for s in recurring_ical_events.of(calendar).series]
        except Exception:  # build group by group to find and skip the culprit
            series = []
            for uid, group in self._groups.items():
                single = icalendar.Calendar()
                single.subcomponents.extend(self._timezones + group)
                try:
                    series.extend((uid, s) for s in recurring_ical_events.of(single).series)
                except Exception as exc:
                    self.problems.append(
                        f"{self.name}: skipped event {uid[:60]!r}: {_one_line(exc)}")
        for _, one in series:
            _drop_rule_caches(one)
        self._rules = [list(getattr(getattr(one, "recurrence", None), "rrules", None) or [])
                       for _, one in series]
        self._series = series
        return series

    def _start_rules_near(self, index: int, series: object, start: datetime) -> None:
        """Point the series' rules at copies that start shortly before `start`
        (`rule_rebase`): the same occurrences in the window, a few steps instead of one per
        day since DTSTART."""
        recurrence = getattr(series, "recurrence", None)
        lead = getattr(series, "_subtract_from_start", None)
        originals = self._rules[index]
        if not originals or not isinstance(lead, timedelta):
            return
        recurrence.rrules = [rebased(rule, start, lead) for rule in originals]  # type: ignore[union-attr]

    def _guard(self, uid: str, end: datetime, budget: list[int]) -> str | None:
        """Refuse a series whose RRULE would take too long to expand up to `end`."""
        for component in self._groups.get(uid, ()):
            if component.get("RRULE") is None:
                continue
            problem, steps = rule_problem(component, end, self.tz, budget[0])
            if problem:
                if budget[0] < MAX_RULE_STEPS and steps > budget[0]:  # a cost, not a flaw
                    problem += "; the calendar's recurrence budget is used up"
                return problem
            budget[0] -= steps
        return None

    def expand(self, start: datetime, end: datetime) -> Expansion:
        """Events overlapping [start, end), at most `MAX_EVENTS` of them, sorted."""
        start, end = start.astimezone(self.tz), end.astimezone(self.tz)
        if self._last is not None and self._last[0] == (start, end):
            last = self._last[1]
            return Expansion(list(last.events), list(last.problems))
        expansion = self._expand(start, end)
        self._last = ((start, end), expansion)
        return Expansion(list(expansion.events), list(expansion.problems))

    def _expand(self, start: datetime, end: datetime) -> Expansion:
        all_series = self._build_series()
        problems = list(self.problems)
        # One-offs: every event starting before `end` and not finished by `start`.
        first = bisect_left(self._singles, start - self._longest, key=lambda e: e.start)
        events = [e for e in self._singles[first:] if e.start < end and _overlaps(e, start, end)]
        budget = [MAX_CALENDAR_STEPS]
        for index, (uid, series) in enumerate(all_series):
            problem = self._guard(uid, end, budget)
            if problem:
                problems.append(f"{self.name}: skipped event {uid[:60]!r}: {problem}")
                continue
            try:
                self._start_rules_near(index, series, start)
                occurrences = list(islice(series.between(start, end),  # type: ignore[attr-defined]
                                          MAX_INSTANCES_PER_SERIES + 1))
            except Exception as exc:
                problems.append(f"{self.name}: skipped event {uid[:60]!r}: {_one_line(exc)}")
                continue
            if len(occurrences) > MAX_INSTANCES_PER_SERIES:
                problems.append(f"{self.name}: event {uid[:60]!r} has more than "
                                f"{MAX_INSTANCES_PER_SERIES} occurrences in the window; kept "
                                "the first ones")
                occurrences = occurrences[:MAX_INSTANCES_PER_SERIES]
            for occurrence in occurrences:
                try:
                    event = event_from_component(occurrence.as_component(False), self.tz)
                except Exception as exc:
                    problems.append(f"{self.name}: skipped an occurrence of {uid[:60]!r}: "
                                    f"{_one_line(exc)}")
                    continue
                if _overlaps(event, start, end):
                    events.append(event)
        events.sort(key=lambda e: (e.start, e.end, e.uid))
        if len(events) > MAX_EVENTS:
            problems.append(f"{self.name}: {len(events):,} events in the window; kept the "
                            f"first {MAX_EVENTS:,}")
            del events[MAX_EVENTS:]
        return Expansion(events, problems)


def build_index(data: bytes, tz: tzinfo, name: str) -> CalendarIndex:
    """Parse `data` and index it; `SourceDataError` if it is not iCalendar."""
    calendar, problems = load_calendar(data, name)
    return CalendarIndex(calendar, tz, name, problems)


def expand_calendar(calendar: icalendar.Calendar, start: datetime, end: datetime, tz: tzinfo,
                    name: str) -> Expansion:
    """One-shot: the events of `calendar` overlapping [start, end)."""
    return CalendarIndex(calendar, tz, name).expand(start, end)


def parse_ics(data: bytes, start: datetime, end: datetime, tz: tzinfo, name: str) -> list[Event]:
    """Events of an ICS document overlapping [start, end). `name` is only used in messages.

    Raises `SourceDataError` if `data` is not iCalendar; skipped events are logged as warnings.
    """
    expansion = build_index(data, tz, name).expand(start, end)
    for problem in expansion.problems:
        log.warning("%s", problem)
    return expansion.events
