"""`roomink rooms`: list the tenant's room mailboxes and add them to the hub config."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from hub.errors import UserError
from hub.m365 import connect
from hub.m365.options import add_options, config_from_args
from hub.m365.rooms import list_rooms, rooms_toml


def register(subparsers) -> None:
    p = subparsers.add_parser("rooms", help="list Microsoft 365 rooms (name, e-mail, capacity)")
    add_options(p)
    p.add_argument("--toml", action="store_true", help="print [[rooms]] tables for the config")
    p.add_argument("--append", metavar="CONFIG",
                   help="append rooms not yet in CONFIG to it as [[rooms]] tables")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    rooms = list_rooms(connect(config))
    if not rooms:
        print("no rooms found (rooms hidden from the address list are not listed)")
        return 0
    if args.append:
        path = Path(args.append)
        try:
            text = path.read_text(encoding="utf-8") if path.exists() else ""
        except OSError as exc:
            raise UserError(f"{path}: cannot read ({exc.strerror})") from exc
        new = [r for r in rooms if r.email not in text.lower()]
        taken = set(re.findall(r'^\s*id\s*=\s*"([^"]+)"', text, re.MULTILINE))
        if new:
            with path.open("a", encoding="utf-8") as f:
                f.write(("\n" if text and not text.endswith("\n\n") else "")
                        + rooms_toml(new, taken))
        print(f"added {len(new)} room(s) to {path}; {len(rooms) - len(new)} already there")
        return 0
    if args.toml:
        print(rooms_toml(rooms), end="")
        return 0
    width = max(len(r.name) for r in rooms)
    for r in rooms:
        capacity = str(r.capacity) if r.capacity is not None else "-"
        print(f"{r.name:<{width}}  {r.email:<40}  {capacity:>4}")
    return 0
