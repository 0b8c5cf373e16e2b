"""A failing calendar is not asked again before its backoff (or the server's Retry-After) has
passed, however often nodes wake or timers fire; an admin's "poll now" still goes through."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hub.calendars import RoomFeed
from hub.schedule import Event
from hub.sources.base import SourceAuthError, SourceUnavailable

TZ = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=TZ)
MEETING = Event(T0.replace(hour=10), T0.replace(hour=11), "Review", "Ada")


class FlakySource:
    """Answers with one meeting, or raises what `fail` holds; counts the fetches."""

    def __init__(self) -> None:
        self.fail: Exception | None = None
        self.fetches = 0

    def fetch(self, start, end):
        self.fetches += 1
        if self.fail:
            raise self.fail
        return [MEETING]


def test_backoff_holds_polls_until_retry_after():
    source = FlakySource()
    feed = RoomFeed("Atlas", source, TZ, stale_after=timedelta(minutes=15))
    assert feed.poll(T0).events == (MEETING,)

    source.fail = SourceUnavailable("https://cal.example/…: HTTP 503", retry_after=1800)
    failed_at = T0 + timedelta(minutes=5)
    assert feed.poll(failed_at).events == (MEETING,)  # the last good events stay
    assert source.fetches == 2
    for minutes in (1, 10, 20, 29):  # node wakes and timers within the backoff: no request
        schedule = feed.poll(failed_at + timedelta(minutes=minutes))
        assert schedule.events == (MEETING,)
    assert source.fetches == 2
    # ...but the screen still turns stale on time, from the last good fetch
    assert schedule.stale_since == T0

    assert feed.poll(failed_at + timedelta(minutes=29), force=True).events == (MEETING,)
    assert source.fetches == 3  # an admin's "poll now" is not held back

    source.fail = None
    recovered = feed.poll(failed_at + timedelta(minutes=60))
    assert source.fetches == 4
    assert recovered.stale_since is None and recovered.fetched_at == failed_at + timedelta(
        minutes=60)
    feed.poll(failed_at + timedelta(minutes=61))
    assert source.fetches == 5  # healthy again: every poll asks


def test_failures_without_a_delay_are_retried_at_every_poll():
    source = FlakySource()
    feed = RoomFeed("Atlas", source, TZ)
    source.fail = SourceAuthError("token expired: run roomink login")
    for minutes in (0, 5, 10):
        feed.poll(T0 + timedelta(minutes=minutes))
    assert source.fetches == 3
