"""`roomink status`: rooms and nodes as the hub last saw them (read from its state file).

Calendar health is not in the state file (the hub keeps it in memory), so when the config has
a `[web]` table, status asks the running hub's dashboard for it.
"""

from __future__ import annotations

import argparse
import json
import time
import urllib.error
import urllib.request
from collections import Counter

from hub.commands.hubcmd import open_state
from hub.config import HubConfig, load_config
from hub.errors import UserError
from hub.web.snapshot import ago, span

UNKNOWN = "?"


def register(subparsers) -> None:
    p = subparsers.add_parser("status", help="tables of rooms and nodes")
    p.add_argument("--config", "-c", default="roomink.toml")
    p.set_defaults(func=run)


def _ago(ts: float | None) -> str:
    return ago(None if ts is None else time.time() - ts)


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                     for r in rows)


def dashboard_url(config: HubConfig) -> tuple[str, str | None] | None:
    """Where this machine reaches the hub's dashboard, and its token; None without `[web]`."""
    from hub.web.config import parse_web_config

    web = parse_web_config(config)
    if web is None:
        return None
    host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(web.host, web.host)
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{web.port}", web.token


def live_calendars(config: HubConfig, timeout: float = 3.0) -> tuple[dict[str, dict] | None, str]:
    """Each room's `calendar` entry from the running hub's /api/status, and a note saying where
    calendar errors came from (or why they are unknown)."""
    try:
        found = dashboard_url(config)
    except UserError as exc:
        return None, f"calendar errors: unknown, {exc}"
    if found is None:
        return None, ("calendar errors: unknown, the hub keeps them in memory; with a [web] "
                      "table status reads them from the running hub")
    base, token = found
    request = urllib.request.Request(f"{base}/api/status")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # this machine
    try:
        with opener.open(request, timeout=timeout) as response:
            rooms = json.load(response)["rooms"]
        calendars = {room["id"]: room["calendar"] for room in rooms}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        reason = getattr(exc, "reason", None) or exc
        return None, (f"calendar errors: unknown, the hub's dashboard at {base} did not answer "
                      f"({reason}); is `roomink run` running?")
    return calendars, f"calendar errors: from the running hub's dashboard at {base}"


def calendar_problem(calendar: dict | None) -> str:
    """'failing 42m: <error>' from one room's /api/status calendar entry; '' while it works."""
    if calendar is None:
        return UNKNOWN
    error = calendar.get("error")
    if not error:
        return ""
    failing_for = calendar.get("failing_for_s")
    return f"failing {span(failing_for)}: {error}" if isinstance(failing_for, int) else error


def room_rows(config: HubConfig, rooms_of_nodes: dict[str, str],
              calendars: dict[str, dict] | None) -> list[list[str]]:
    counts = Counter(rooms_of_nodes.values())
    rows = [["ROOM", "NAME", "DISPLAY", "CALENDAR", "NODES", "CALENDAR ERROR"]]
    for room in config.rooms:
        calendar = calendars.get(room.id) if calendars is not None else None
        rows.append([room.id, room.name, room.display, room.calendar.type,
                     str(counts[room.id]), calendar_problem(calendar)])
    return rows


def node_rows(config: HubConfig, store, rooms_of_nodes: dict[str, str]) -> list[list[str]]:
    """One row per node the hub has seen or a room is assigned to; a room that differs from
    the config's `[[nodes]]` entry (a `roomink assign` won) says so."""
    configured = {n.id: n.room for n in config.nodes}

    def room_of(node_id: str) -> str:
        room = rooms_of_nodes.get(node_id)
        if room is None:
            return "(unassigned)"
        was = configured.get(node_id)
        return f"{room} (assigned; config: {was})" if was not in (None, room) else room

    links = store.load_links()
    rows = [["NODE", "ROOM", "ONLINE", "LAST SEEN", "BATTERY", "RSSI", "FW", "FRAME", "ERROR"]]
    seen = set()
    for node in store.load_nodes():
        node_id = node["node_id"]
        seen.add(node_id)
        status, hello = node["status"], node["hello"]
        link = links.get(node_id)
        frame = f"{link.acked_seq}/{link.seq}" if link else "-"
        battery = status.get("battery_mv")
        rssi = status.get("rssi")
        rows.append([node_id, room_of(node_id),
                     "yes" if node["online"] else "no", _ago(node["last_seen"]),
                     f"{battery / 1000:.2f} V" if isinstance(battery, int | float) else "-",
                     f"{rssi} dBm" if isinstance(rssi, int) else "-", str(hello.get("fw", "-")),
                     frame, node["last_error"] or ""])
    for node_id in rooms_of_nodes:
        if node_id not in seen:
            rows.append([node_id, room_of(node_id), "no", "never", "-", "-", "-", "-", ""])
    return rows


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    store = open_state(config, "status")
    try:
        rooms_of_nodes = config.node_rooms(store.assignments())
        nodes = node_rows(config, store, rooms_of_nodes)
    finally:
        store.close()
    calendars, note = live_calendars(config)
    print(f"{len(config.rooms)} rooms, {len(nodes) - 1} nodes")
    print(table(room_rows(config, rooms_of_nodes, calendars)))
    print(note)
    print()
    print(table(nodes))
    print("(frame = acked/sent)")
    return 0
