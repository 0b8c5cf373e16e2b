"""`roomink status`: rooms and nodes as the hub last saw them (read from its state file)."""

from __future__ import annotations

import argparse
import time

from hub.config import load_config
from hub.state import StateStore


def register(subparsers) -> None:
    p = subparsers.add_parser("status", help="table of rooms and nodes")
    p.add_argument("--config", "-c", default="roomink.toml")
    p.set_defaults(func=run)


def _ago(ts: float | None) -> str:
    if ts is None:
        return "never"
    seconds = int(time.time() - ts)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                     for r in rows)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    store = StateStore(config.state_dir / "hub.sqlite")
    assignments = {n.id: n.room for n in config.nodes} | store.assignments()
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
        rows.append([node_id, assignments.get(node_id, "(unassigned)"),
                     "yes" if node["online"] else "no", _ago(node["last_seen"]),
                     f"{battery / 1000:.2f} V" if isinstance(battery, int | float) else "-",
                     f"{rssi} dBm" if isinstance(rssi, int) else "-", str(hello.get("fw", "-")),
                     frame, node["last_error"] or ""])
    for node_id, room in assignments.items():
        if node_id not in seen:
            rows.append([node_id, room, "no", "never", "-", "-", "-", "-", ""])
    print(f"{len(config.rooms)} rooms, {len(rows) - 1} nodes  (frame = acked/sent)")
    print(table(rows))
    return 0
