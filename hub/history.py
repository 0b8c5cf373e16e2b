"""Node history: one row per wake (the status a node sends before it sleeps).

The dashboard plots battery over weeks and counts wake-ups and bytes per day; the hub's own
state keeps only the latest values. This lives in its own SQLite file in `state_dir` so the
hub's delivery state is never slowed or migrated for the sake of a chart.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path

from hub.state import open_db

KEEP_DAYS = 35  # a 30-day chart plus a margin; older rows are pruned

SCHEMA = """
CREATE TABLE IF NOT EXISTS wakes (
    node_id TEXT NOT NULL,
    ts REAL NOT NULL,
    battery_mv INTEGER,
    rssi INTEGER,
    bytes_sent INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS wakes_node_ts ON wakes (node_id, ts);
"""


@dataclass(frozen=True)
class Day:
    """One calendar day (in the hub's zone) of one node."""

    day: date
    wakes: int
    bytes: int


def _int_or_none(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


class NodeHistory:
    """Written by the hub's worker thread, read by the web server's threads."""

    def __init__(self, path: str | Path) -> None:
        self._db = open_db(path, SCHEMA)
        self._lock = threading.Lock()
        self._pruned_at = 0.0
        self._closed = False

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._db.close()

    def record(self, node_id: str, ts: float, status: dict, bytes_sent: int) -> None:
        """One wake of `node_id`; `bytes_sent` is the hub's running total sent to the node."""
        with self._lock:
            if self._closed:  # a last status racing the hub's shutdown
                return
            self._db.execute("INSERT INTO wakes VALUES (?, ?, ?, ?, ?)",
                             (node_id, ts, _int_or_none(status.get("battery_mv")),
                              _int_or_none(status.get("rssi")), int(bytes_sent)))
            if ts - self._pruned_at > 86400:
                self._db.execute("DELETE FROM wakes WHERE ts < ?", (ts - KEEP_DAYS * 86400,))
                self._pruned_at = ts

    def battery(self, node_id: str, since: float) -> list[tuple[float, int]]:
        """(time, millivolts) of every wake since `since` that reported a battery voltage."""
        with self._lock:
            rows = self._db.execute(
                "SELECT ts, battery_mv FROM wakes WHERE node_id = ? AND ts >= ? "
                "AND battery_mv IS NOT NULL ORDER BY ts", (node_id, since)).fetchall()
        return [(ts, mv) for ts, mv in rows]

    def days(self, node_id: str, since: float, tz: tzinfo) -> list[Day]:
        """Wake-ups and bytes sent per day since `since`, oldest first, days without wakes left out.

        Bytes come from the hub's running total at each wake: a day's bytes are the growth of
        that total since the wake before. A total that went down (state file replaced) counts
        from zero again.
        """
        with self._lock:
            previous = self._db.execute(
                "SELECT bytes_sent FROM wakes WHERE node_id = ? AND ts < ? "
                "ORDER BY ts DESC LIMIT 1", (node_id, since)).fetchone()
            rows = self._db.execute(
                "SELECT ts, bytes_sent FROM wakes WHERE node_id = ? AND ts >= ? ORDER BY ts",
                (node_id, since)).fetchall()
        last = previous[0] if previous else None
        out: dict[date, list[int]] = {}
        for ts, total in rows:
            grown = total if last is None or total < last else total - last
            last = total
            entry = out.setdefault(datetime.fromtimestamp(ts, tz).date(), [0, 0])
            entry[0] += 1
            entry[1] += grown
        return [Day(day, wakes, sent) for day, (wakes, sent) in out.items()]
