"""Node history: days in the hub's zone, bytes from a running total, pruning, shutdown."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from hub.history import KEEP_DAYS, Day, NodeHistory

TZ = ZoneInfo("Europe/Berlin")


def ts(day: int, hour: int, minute: int = 0) -> float:
    return datetime(2026, 11, day, hour, minute, tzinfo=TZ).timestamp()


def test_days_count_wakes_and_bytes_in_the_hub_zone(tmp_path):
    history = NodeHistory(tmp_path / "history.sqlite")
    history.record("n1", ts(24, 23, 50), {"battery_mv": 3900, "rssi": -60}, 1000)
    history.record("n1", ts(25, 0, 10), {"battery_mv": 3890}, 1500)  # after local midnight
    history.record("n1", ts(25, 9), {"battery_mv": "bad"}, 1500)  # nothing sent this wake
    history.record("n1", ts(25, 12), {}, 200)  # state file replaced: the total restarted
    history.record("n2", ts(25, 12), {"battery_mv": 3000}, 99999)  # another node
    assert history.days("n1", ts(25, 0), TZ) == [Day(date(2026, 11, 25), 3, 500 + 0 + 200)]
    assert history.days("n1", 0, TZ) == [Day(date(2026, 11, 24), 1, 1000),
                                         Day(date(2026, 11, 25), 3, 700)]
    assert history.battery("n1", 0) == [(ts(24, 23, 50), 3900), (ts(25, 0, 10), 3890)]
    history.close()
    history.record("n1", ts(25, 13), {}, 300)  # a status racing shutdown is dropped quietly
    reopened = NodeHistory(tmp_path / "history.sqlite")
    assert sum(d.wakes for d in reopened.days("n1", 0, TZ)) == 4  # kept across restarts
    reopened.close()


def test_old_rows_are_pruned(tmp_path):
    history = NodeHistory(tmp_path / "history.sqlite")
    old = ts(1, 12) - KEEP_DAYS * 86400
    history.record("n1", old, {"battery_mv": 4000}, 10)
    history.record("n1", ts(1, 12) + 86400 * 2, {"battery_mv": 3950}, 20)
    assert [mv for _, mv in history.battery("n1", 0)] == [3950]
    history.close()
