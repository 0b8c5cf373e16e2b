"""Hub state in SQLite: what each node has acknowledged, the node registry, source sync.

Written on every change that matters for delivery, so a restarted hub neither re-sends
screens a node already shows nor forgets a frame still in flight.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import cbor2

from hub.delivery import NodeLink
from hub.schedule import Event

# A room's unchanged calendar data is saved again (for its newer fetch time) at most this often.
SCHEDULE_SAVE_S = 600

SCHEMA = """
CREATE TABLE IF NOT EXISTS links (
    node_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    acked_seq INTEGER NOT NULL,
    acked_crc INTEGER,
    inflight_crc INTEGER,
    wbits INTEGER NOT NULL,
    max_msg INTEGER NOT NULL,
    bytes_sent INTEGER NOT NULL DEFAULT 0,
    inflight BLOB,
    acked_planes BLOB,
    inflight_planes BLOB,
    partials INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS nodes (
    node_id TEXT PRIMARY KEY,
    hello TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT '{}',
    online INTEGER NOT NULL DEFAULT 0,
    last_seen REAL,
    last_error TEXT
);
CREATE TABLE IF NOT EXISTS assignments (
    node_id TEXT PRIMARY KEY,
    room_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS schedules (
    room_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    fetched_at REAL NOT NULL,
    events TEXT NOT NULL
);
"""


def open_db(path: str | Path, schema: str) -> sqlite3.Connection:
    """One SQLite file shared by threads (callers serialise with a lock): WAL, so the web
    dashboard's reads never wait on the hub's writes; autocommit; the schema created."""
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(schema)
    return db


class StateStore:
    """A small SQLite file; one connection guarded by a lock (the hub has one writer thread)."""

    def __init__(self, path: str | Path) -> None:
        self._db = open_db(path, SCHEMA)
        self._lock = threading.Lock()
        self._saved_schedules: dict[str, tuple[tuple[Event, ...], float]] = {}

    def close(self) -> None:
        self._db.close()

    def save_link(self, link: NodeLink) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO links VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (link.node_id, link.seq, link.acked_seq, link.acked_crc, link.inflight_crc,
                 link.wbits, link.max_msg, link.bytes_sent,
                 cbor2.dumps(link.inflight_chunks) if link.inflight_chunks else None,
                 link.acked_planes, link.inflight_planes, link.partials),
            )

    def load_links(self) -> dict[str, NodeLink]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM links").fetchall()
        return {
            row[0]: NodeLink(node_id=row[0], seq=row[1], acked_seq=row[2], acked_crc=row[3],
                             inflight_crc=row[4], wbits=row[5], max_msg=row[6],
                             bytes_sent=row[7],
                             inflight_chunks=list(cbor2.loads(row[8])) if row[8] else [],
                             acked_planes=row[9], inflight_planes=row[10], partials=row[11])
            for row in rows
        }

    def save_node(self, node_id: str, hello: dict, status: dict, online: bool,
                  last_seen: float | None, last_error: str | None) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO nodes VALUES (?, ?, ?, ?, ?, ?)",
                (node_id, json.dumps(hello), json.dumps(status), int(online), last_seen,
                 last_error),
            )

    def load_nodes(self) -> list[dict]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM nodes ORDER BY node_id").fetchall()
        return [
            {"node_id": r[0], "hello": json.loads(r[1]), "status": json.loads(r[2]),
             "online": bool(r[3]), "last_seen": r[4], "last_error": r[5]}
            for r in rows
        ]

    def assign(self, node_id: str, room_id: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO assignments VALUES (?, ?)",
                             (node_id, room_id))

    def assignments(self) -> dict[str, str]:
        with self._lock:
            return dict(self._db.execute("SELECT node_id, room_id FROM assignments").fetchall())

    def save_schedule(self, room_id: str, source: str, fetched_at: datetime,
                      events: tuple[Event, ...]) -> None:
        """The room's last good calendar data, so a hub restarted during a calendar outage
        still shows the meetings (not "no calendar data"). `source` identifies the room's
        calendar settings: data from other settings is never restored. Unchanged events are
        written again only every `SCHEDULE_SAVE_S`, for their newer fetch time: most polls
        change nothing."""
        last = self._saved_schedules.get(room_id)
        if last and last[0] == events and fetched_at.timestamp() - last[1] < SCHEDULE_SAVE_S:
            return
        rows = [[e.start.isoformat(), e.end.isoformat(), e.subject, e.organizer, e.all_day,
                 e.private, e.busy, e.uid] for e in events]
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO schedules VALUES (?, ?, ?, ?)",
                             (room_id, source, fetched_at.timestamp(), json.dumps(rows)))
        self._saved_schedules[room_id] = (events, fetched_at.timestamp())

    def load_schedule(self, room_id: str, source: str) -> tuple[datetime, list[Event]] | None:
        """(fetched_at in UTC, events) saved for the room with the same `source`, or None."""
        with self._lock:
            row = self._db.execute("SELECT fetched_at, events FROM schedules WHERE room_id = ? "
                                   "AND source = ?", (room_id, source)).fetchone()
        if row is None:
            return None
        try:
            events = [Event(datetime.fromisoformat(r[0]), datetime.fromisoformat(r[1]), r[2],
                            r[3], bool(r[4]), bool(r[5]), bool(r[6]), r[7])
                      for r in json.loads(row[1])]
        except (ValueError, TypeError, IndexError):  # damaged row: as if never saved
            return None
        self._saved_schedules[room_id] = (tuple(events), row[0])
        return datetime.fromtimestamp(row[0], UTC), events
