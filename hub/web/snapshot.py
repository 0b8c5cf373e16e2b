"""A read-only picture of the hub for the dashboard: rooms, their nodes, health.

All hub state belongs to the hub's worker thread. The web server only reads it, copying the
registries first and reading each value once, so a page is consistent per node and never
blocks the hub. The same plain dicts feed the HTML pages and the JSON endpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hub.history import NodeHistory
from hub.schedule import RoomSchedule
from hub.service import Hub, NodeState
from hub.web.config import WebConfig

SOON = timedelta(minutes=10)  # the screen's "starting soon" window


@dataclass
class Context:
    """What the dashboard reads: the hub, its settings, history, and the broker link."""

    hub: Hub
    web: WebConfig
    history: NodeHistory | None = None
    broker_up: Callable[[], bool] = lambda: True
    # Features add links to the page header: (label, path).
    nav: list[tuple[str, str]] = field(default_factory=list)
    # When a request first found the broker link down (hub clock); None while it is up.
    broker_down_since: float | None = field(default=None, init=False)

    @property
    def config(self):
        return self.hub.config

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.hub.clock(), UTC).astimezone(self.config.tz)

    def broker_down_for(self) -> float | None:
        """Seconds the broker link has been down, None while it is up.

        Only `broker_up()` is known, not when the link dropped: the outage is timed from the
        first request that finds it down (monitoring polls /healthz, the grid reloads each
        minute), so /healthz fails at most one polling interval late.
        """
        now = self.hub.clock()
        if self.broker_up():
            self.broker_down_since = None
            return None
        if self.broker_down_since is None:
            self.broker_down_since = now
        return now - self.broker_down_since


def _iso(value: datetime | float | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, int | float):
        value = datetime.fromtimestamp(value, UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds")


def ago(seconds: float | None) -> str:
    """"3m ago" style, for people; the JSON carries the timestamps."""
    return "never" if seconds is None else span(seconds) + " ago"


def span(seconds: float) -> str:
    """"3m", "2h": a duration in its largest whole unit."""
    seconds = max(0, int(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def room_state(schedule: RoomSchedule, now: datetime) -> dict:
    """What the sign says about the room, in one line: busy / starting soon / free / unknown."""
    if schedule.fetched_at is None:
        return {"kind": "unknown", "text": "no calendar data yet"}
    current = schedule.current(now)
    if current is not None:
        return {"kind": "busy", "text": f"busy until {current.end:%H:%M}",
                "subject": current.display_subject}
    upcoming = [e for e in schedule.upcoming(now) if e.start.date() == now.date()]
    if upcoming and upcoming[0].start - now <= SOON:
        return {"kind": "soon", "text": f"starting at {upcoming[0].start:%H:%M}",
                "subject": upcoming[0].display_subject}
    if upcoming:
        return {"kind": "free", "text": f"free until {upcoming[0].start:%H:%M}"}
    return {"kind": "free", "text": "free for the rest of the day"}


def failing_since(feed) -> datetime | None:
    """When the room's calendar started failing (None while it works)."""
    if feed.last_error is None:
        return None
    since = getattr(feed, "failing_since", None)
    return since if since is not None else feed.schedule.stale_since


def calendar_view(ctx: Context, room_id: str, now_ts: float) -> dict:
    feed = ctx.hub.feeds[room_id]
    schedule, error = feed.schedule, feed.last_error
    since = failing_since(feed)
    failing_since_ts = since.timestamp() if since else None
    return {"ok": error is None, "error": error, "failing_since": _iso(failing_since_ts),
            "failing_for_s": None if failing_since_ts is None else int(now_ts - failing_since_ts),
            "fetched_at": _iso(schedule.fetched_at)}


def node_view(ctx: Context, node_id: str, room_id: str | None, now_ts: float,
              display: str = "4.2-bwr") -> dict:
    hub = ctx.hub
    state = hub.nodes.get(node_id) or NodeState(node_id)
    link = hub.links.get(node_id)
    status, hello = state.status, state.hello
    battery = status.get("battery_mv")
    battery = battery if isinstance(battery, int) and not isinstance(battery, bool) else None
    rssi = status.get("rssi")
    rssi = rssi if isinstance(rssi, int) and not isinstance(rssi, bool) else None
    crc = link.acked_crc if link and link.acked_planes is not None else None
    return {
        "id": node_id, "room": room_id, "online": state.online,
        "last_seen": _iso(state.last_seen),
        "last_seen_ago": ago(now_ts - state.last_seen if state.last_seen else None),
        "battery_mv": battery,
        "low_battery": battery is not None and battery < ctx.web.low_battery_mv,
        "rssi": rssi, "fw": hello.get("fw"), "profile": hub.profile_for(node_id, display).name,
        "error": state.last_error, "error_msg": status.get("msg") if state.last_error else None,
        "seq": link.seq if link else 0, "acked_seq": link.acked_seq if link else 0,
        "bytes_sent": link.bytes_sent if link else 0,
        "screen_crc": f"{crc:08x}" if crc is not None else None,
        "screen": f"/nodes/{node_id}/screen/{crc:08x}.png" if crc is not None else None,
    }


def rooms(ctx: Context) -> list[dict]:
    """Every configured room with its state, calendar health and nodes."""
    now = ctx.now()
    now_ts = now.timestamp()
    by_room: dict[str, list[str]] = {}
    for node_id, room_id in sorted(dict(ctx.hub.assignments).items()):
        by_room.setdefault(room_id, []).append(node_id)
    out = []
    for room in ctx.config.rooms:
        feed = ctx.hub.feeds[room.id]
        out.append({
            "id": room.id, "name": room.name, "display": room.display,
            "state": room_state(feed.schedule, now),
            "calendar": calendar_view(ctx, room.id, now_ts),
            "nodes": [node_view(ctx, n, room.id, now_ts, room.display)
                      for n in by_room.get(room.id, [])],
        })
    return out


def unassigned_nodes(ctx: Context) -> list[dict]:
    """Nodes that said hello but show no room (their pairing screen)."""
    now_ts = ctx.hub.clock()
    assigned = dict(ctx.hub.assignments)
    rooms_known = {r.id for r in ctx.config.rooms}
    return [node_view(ctx, n, None, now_ts) for n in sorted(dict(ctx.hub.nodes))
            if assigned.get(n) not in rooms_known]


def schedule_view(schedule: RoomSchedule, now: datetime) -> list[dict]:
    """The room's meetings from now on (today and tomorrow), private subjects hidden."""
    return [{"start": e.start.isoformat(timespec="minutes"),
             "end": e.end.isoformat(timespec="minutes"),
             "subject": e.display_subject, "all_day": e.all_day, "now": e.covers(now)}
            for e in schedule.busy_events() if e.end > now]


def history_view(ctx: Context, node_id: str, days: int = 30) -> dict:
    """Battery samples and per-day wake-ups and bytes over the last `days` days."""
    if ctx.history is None:
        return {"battery": [], "days": []}
    since = ctx.hub.clock() - days * 86400
    return {
        "battery": [[_iso(ts), mv] for ts, mv in ctx.history.battery(node_id, since)],
        "days": [{"date": d.day.isoformat(), "wakes": d.wakes, "bytes": d.bytes}
                 for d in ctx.history.days(node_id, since, ctx.config.tz)],
    }


def health(ctx: Context) -> list[str]:
    """Problems that should page someone; empty when the hub is healthy."""
    problems = []
    down_for = ctx.broker_down_for()
    if down_for is not None and down_for >= ctx.web.broker_failing_after:
        problems.append(f"broker: the hub is not connected to the MQTT broker (for "
                        f"{span(down_for)})")
    now_ts = ctx.hub.clock()
    limit = ctx.web.calendar_failing_after
    for room in ctx.config.rooms:
        feed = ctx.hub.feeds[room.id]
        error, since = feed.last_error, failing_since(feed)
        if error is not None and since is not None and now_ts - since.timestamp() >= limit:
            problems.append(f"calendar {room.id}: failing for "
                            f"{span(now_ts - since.timestamp())}: {error}")
    return problems
