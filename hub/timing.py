"""When will a room's screen next change? The answer decides when nodes wake.

A battery node should wake only when what it shows would change: a meeting starts or ends,
a meeting enters the "starting soon" window, the date rolls over, or a countdown shown on
screen ticks to its next step. Pure functions of the schedule and the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from hub.schedule import RoomSchedule

SOON = timedelta(minutes=10)


def next_midnight(now: datetime, tz: tzinfo) -> datetime:
    local = now.astimezone(tz)
    return datetime.combine(local.date() + timedelta(days=1), time.min, tzinfo=tz)


def next_change(schedule: RoomSchedule, now: datetime, tz: tzinfo, *,
                soon: timedelta = SOON, countdown_step: timedelta | None = None) -> datetime:
    """The earliest moment after `now` at which the rendered screen may differ.

    `countdown_step` is the granularity of any "ends in N min" text on screen (None when the
    layout shows absolute times only); DST is handled by working in aware datetimes.
    """
    candidates = [next_midnight(now, tz)]
    for event in schedule.busy_events():
        for moment in (event.start - soon, event.start, event.end):
            if moment > now:
                candidates.append(moment)
    if countdown_step:
        current = schedule.current(now)
        if current is not None:
            remaining = current.end - now
            steps = remaining // countdown_step
            tick = current.end - steps * countdown_step
            if tick <= now:
                tick += countdown_step
            candidates.append(tick)
    return min(candidates)


@dataclass(frozen=True)
class QuietHours:
    """Nights and weekends: the screen is refreshed once, then the node sleeps until morning.

    `start`/`end` are local times ("19:00" to "07:00" spans midnight); `days` are weekday
    numbers (0 = Monday) that are quiet all day.
    """

    start: time | None = None
    end: time | None = None
    days: frozenset[int] = frozenset()

    def contains(self, when: datetime) -> bool:
        if when.weekday() in self.days:
            return True
        if self.start is None or self.end is None:
            return False
        t = when.timetz().replace(tzinfo=None)
        if self.start <= self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    def end_after(self, when: datetime, tz: tzinfo) -> datetime:
        """The first moment after `when` that is not quiet (searched in 15-minute steps, so
        DST gaps and folds need no special cases)."""
        probe = when.astimezone(tz)
        for _ in range(8 * 24 * 4):
            if not self.contains(probe):
                return probe
            probe = _next_boundary(probe, tz, self)
        return probe


def _next_boundary(when: datetime, tz: tzinfo, quiet: QuietHours) -> datetime:
    """The next local quarter hour, or the quiet period's end if that comes first today."""
    candidates = [when + timedelta(minutes=15)]
    if quiet.end is not None:
        end_today = datetime.combine(when.date(), quiet.end, tzinfo=tz)
        if end_today > when:
            candidates.append(end_today)
    nxt = min(candidates)
    return nxt.replace(second=0, microsecond=0)


def apply_quiet(change: datetime, now: datetime, tz: tzinfo,
                quiet: QuietHours | None) -> datetime:
    """Move a change that falls into quiet hours to the end of them (one wake, not many)."""
    if quiet is None or not quiet.contains(change):
        return change
    return quiet.end_after(change, tz)


def parse_quiet(spec: str | None, days: list[str] | None) -> QuietHours | None:
    """"19:00-07:00" and ["sat", "sun"] -> QuietHours; ValueError names what is wrong."""
    names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    day_set = set()
    for day in days or []:
        key = str(day).strip().lower()[:3]
        if key not in names:
            raise ValueError(f"unknown day {day!r} (use mon, tue, ... sun)")
        day_set.add(names.index(key))
    start = end = None
    if spec:
        try:
            left, right = spec.split("-")
            start, end = time.fromisoformat(left.strip()), time.fromisoformat(right.strip())
        except ValueError:
            raise ValueError(f"{spec!r} is not a range like \"19:00-07:00\"") from None
    if start is None and not day_set:
        return None
    return QuietHours(start, end, frozenset(day_set))
