"""`roomink init`: write a commented example config to start from."""

from __future__ import annotations

import argparse
from pathlib import Path

from hub.errors import UserError

EXAMPLE = '''# roomink hub configuration. Docs: docs/hub.md
[hub]
# "embedded" runs a small MQTT broker inside the hub (fine for small sites);
# for mosquitto use e.g. broker = "mqtt://127.0.0.1:1883" (see docs/hub.md).
broker = "embedded"
listen = "0.0.0.0:1883"        # where the embedded broker listens for display nodes
timezone = "Europe/Berlin"     # the rooms' time zone (IANA name)
locale = "en"                  # en, de, fr, zh
poll_interval = 300            # seconds between calendar polls per room
state_dir = "roomink-state"    # SQLite state, relative to this file
quiet_hours = "19:00-07:00"    # nights: one refresh, then nodes sleep until morning
quiet_days = ["sat", "sun"]    # quiet all day

# The web dashboard (docs/dashboard.md). Bound to this machine only; to reach it from
# other machines set listen = "0.0.0.0:8080" and a token (or token_file).
[web]
listen = "127.0.0.1:8080"

# One [[rooms]] table per meeting room.
[[rooms]]
id = "atlas"                   # short id used by nodes and commands
name = "Atlas"                 # shown on the sign
display = "7.5-bwr"            # 2.9-bw(r), 4.2-bw(r), 7.5-bw(r)
calendar = "atlas.ics"         # an .ics file (relative to this file) or https:// URL

# Each display node shows one room. Unassigned nodes show a pairing screen;
# assign them here or with `roomink assign NODE ROOM`.
[[nodes]]
id = "node-atlas"
room = "atlas"
'''


def register(subparsers) -> None:
    p = subparsers.add_parser("init", help="write a commented example config")
    p.add_argument("path", nargs="?", default="roomink.toml")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if path.is_dir():
        raise UserError(f"{path} is a folder; name the file, e.g. {path / 'roomink.toml'}")
    _write(path, force=args.force)
    print(f"wrote {path}; edit the rooms, then run: roomink run --config {path}")
    return 0


def _write(path: Path, *, force: bool) -> None:
    """Write the example; mode "x" keeps an existing file (even one created meanwhile)
    unless --force, and an OSError becomes one line rather than a traceback."""
    try:
        with path.open("w" if force else "x", encoding="utf-8") as file:
            file.write(EXAMPLE)
    except FileExistsError:
        raise UserError(f"{path} exists; use --force to overwrite") from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if not path.parent.exists():
            reason = f"folder {path.parent} does not exist"
        raise UserError(f"cannot write {path}: {reason}") from None
