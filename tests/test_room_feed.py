"""A failing calendar keeps the last good schedule, turns stale after a while, logs once."""

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hub.calendars import RoomFeed
from hub.schedule import Event
from hub.sources.base import SourceUnavailable

TZ = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=TZ)


class FlakySource:
    def __init__(self):
        self.down = False

    def fetch(self, start, end):
        if self.down:
            raise SourceUnavailable("calendar.example.com: connection refused")
        return [Event(T0 + timedelta(hours=1), T0 + timedelta(hours=2), "Planning")]


def test_outage_keeps_data_marks_stale_and_logs_once(caplog):
    source = FlakySource()
    feed = RoomFeed("Atlas", source, TZ, stale_after=timedelta(minutes=15))
    assert feed.poll(T0).events[0].subject == "Planning"
    source.down = True
    with caplog.at_level(logging.INFO, logger="hub.calendars"):
        for minutes in range(5, 65, 5):
            schedule = feed.poll(T0 + timedelta(minutes=minutes))
            assert schedule.events[0].subject == "Planning"  # last good data stays
            if minutes < 20:
                assert schedule.stale_since is None
            else:
                assert schedule.stale_since == T0  # "not updated since 09:00"
        source.down = False
        assert feed.poll(T0 + timedelta(minutes=70)).stale_since is None
    failing = [r for r in caplog.records if "failing" in r.getMessage()]
    recovered = [r for r in caplog.records if "reachable again" in r.getMessage()]
    assert len(failing) == 1 and len(recovered) == 1
