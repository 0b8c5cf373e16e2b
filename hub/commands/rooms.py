"""`roomink rooms`: list the tenant's room mailboxes and add them to the hub config."""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

from hub.errors import UserError
from hub.m365 import connect
from hub.m365.options import add_options, config_from_args, room_mailboxes
from hub.m365.rooms import RoomInfo, list_rooms, rooms_toml


def register(subparsers) -> None:
    p = subparsers.add_parser("rooms", help="list Microsoft 365 rooms (name, e-mail, capacity)")
    add_options(p)
    p.add_argument("--toml", action="store_true", help="print [[rooms]] tables for the config")
    p.add_argument("--append", metavar="CONFIG",
                   help="append rooms not yet in CONFIG to it as [[rooms]] tables")
    p.set_defaults(func=run)


def _read_config(path: Path) -> tuple[str, set[str], set[str]]:
    """The file's text, the mailboxes its `[[rooms]]` read, and the room ids it uses.

    Parsed, not searched: an address in a comment or in `m365.rooms` does not make a room
    "already there", and a@x must not match data@x. A missing file is an empty config.
    """
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: not valid TOML ({exc}); fix it before appending rooms") \
            from None
    rooms = data.get("rooms", [])
    if not isinstance(rooms, list):
        raise UserError(f"{path}: `rooms` must be [[rooms]] tables to append more")
    ids = {str(r["id"]) for r in rooms if isinstance(r, dict) and "id" in r}
    return text, {str(m).lower() for m in room_mailboxes(data)}, ids


def append_rooms(path: Path, rooms: list[RoomInfo]) -> int:
    """Append `[[rooms]]` for the rooms `path` does not read yet; returns how many."""
    text, present, taken = _read_config(path)
    new = [r for r in rooms if r.email.lower() not in present]
    if new:
        try:
            with path.open("a", encoding="utf-8") as f:
                f.write(("\n" if text and not text.endswith("\n\n") else "")
                        + rooms_toml(new, taken))
        except OSError as exc:
            raise UserError(f"{path}: cannot write ({exc.strerror or exc}); check that the "
                            "folder exists and is writable") from None
    return len(new)


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    rooms = list_rooms(connect(config))
    if not rooms:
        print("no rooms found (rooms hidden from the address list are not listed)")
        return 0
    if args.append:
        path = Path(args.append)
        added = append_rooms(path, rooms)
        print(f"added {added} room(s) to {path}; {len(rooms) - added} already there")
        return 0
    if args.toml:
        print(rooms_toml(rooms), end="")
        return 0
    width = max(len(r.name) for r in rooms)
    for r in rooms:
        capacity = str(r.capacity) if r.capacity is not None else "-"
        print(f"{r.name:<{width}}  {r.email:<40}  {capacity:>4}")
    return 0
