"""Command-line options shared by `roomink login`, `rooms` and `doctor`.

Settings come from the hub config's `[m365]` table (`--config`, when the file exists) and
are overridden by options; secrets come from a file or the environment, never argv.
"""

from __future__ import annotations

import argparse
import os
import tomllib
from pathlib import Path
from typing import Any

from hub.errors import UserError
from hub.m365.config import CLOUDS, ConfigError, M365Config

SECRET_ENV = "ROOMINK_M365_CLIENT_SECRET"


def add_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("Microsoft 365")
    g.add_argument("--config", "-c", default="roomink.toml",
                   help="hub config file whose [m365] table supplies defaults")
    g.add_argument("--tenant", help="tenant id or domain (default: organizations)")
    g.add_argument("--client-id", help="application (client) id of the app registration")
    g.add_argument("--cloud", choices=sorted(CLOUDS), help="Microsoft cloud (default worldwide)")
    g.add_argument("--authority", help="identity authority URL (overrides --cloud/--tenant)")
    g.add_argument("--graph-url", help="Microsoft Graph base URL (overrides --cloud)")
    g.add_argument("--ca-bundle", help="PEM file of CAs to trust (proxy or emulator)")
    g.add_argument("--token-cache", help="token cache file (created 0600)")
    g.add_argument("--app-only", action="store_true",
                   help=f"app-only access: secret from ${SECRET_ENV} or --client-secret-file")
    g.add_argument("--client-secret-file", help="file holding the app's client secret")
    g.add_argument("--certificate", help="PEM with the app's certificate and private key")
    g.add_argument("--timezone", help="IANA zone for meeting times (default: hub's)")


def room_mailboxes(data: dict[str, Any]) -> list[str]:
    """Mailboxes of the parsed hub config's `[[rooms]]` that read Microsoft 365, as written."""
    rooms = data.get("rooms", [])
    if not isinstance(rooms, list):
        return []
    return [r["calendar"]["mailbox"] for r in rooms
            if isinstance(r, dict) and isinstance(r.get("calendar"), dict)
            and r["calendar"].get("type") == "m365" and r["calendar"].get("mailbox")]


def _hub_file(path: str) -> tuple[dict[str, Any], list[str], str | None, Path]:
    """[m365] table, Graph mailboxes of [[rooms]], and the hub time zone, if the file exists."""
    file = Path(path)
    if not file.exists():
        return {}, [], None, Path.cwd()
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{file}: cannot read config ({exc})") from exc
    tz = data.get("hub", {}).get("timezone")
    return dict(data.get("m365", {})), room_mailboxes(data), tz, file.parent


def config_from_args(args: argparse.Namespace) -> M365Config:
    table, mailboxes, hub_tz, base = _hub_file(args.config)
    if mailboxes:
        table["rooms"] = list(dict.fromkeys([*table.get("rooms", []), *mailboxes]))
    if hub_tz and "timezone" not in table:
        table["timezone"] = hub_tz
    overrides = {"tenant": args.tenant, "client_id": args.client_id, "cloud": args.cloud,
                 "authority": args.authority, "graph_url": args.graph_url,
                 "ca_bundle": args.ca_bundle, "token_cache": args.token_cache,
                 "certificate": args.certificate, "timezone": args.timezone,
                 "client_secret_file": args.client_secret_file}
    table.update({k: v for k, v in overrides.items() if v is not None})
    if args.app_only or args.certificate or args.client_secret_file:
        table["auth"] = "app"
    if table.get("auth") == "app" and not (table.get("certificate") or
                                           table.get("client_secret_file") or
                                           table.get("client_secret_env")):
        if SECRET_ENV in os.environ:
            table["client_secret_env"] = SECRET_ENV
    if not table.get("client_id"):
        raise UserError("no client id: pass --client-id or set client_id in the [m365] table "
                        "(see docs/microsoft365.md)")
    try:
        return M365Config.from_table(table, base_dir=base)
    except ConfigError as exc:
        raise UserError(str(exc)) from exc
