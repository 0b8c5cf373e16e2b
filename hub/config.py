"""Hub configuration: one TOML file, validated up front with errors that name key and line."""

from __future__ import annotations

import re
import socket
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub import topics
from hub.errors import UserError
from hub.timing import QuietHours, parse_quiet
from renderer.profiles import PROFILES
from renderer.strings import get_locale


@dataclass(frozen=True)
class CalendarConfig:
    """Where a room's events come from. `type` selects the source; the rest are its options."""

    type: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RoomConfig:
    id: str
    name: str
    calendar: CalendarConfig
    display: str = "4.2-bwr"


@dataclass(frozen=True)
class NodeConfig:
    id: str
    room: str


@dataclass(frozen=True)
class HubConfig:
    rooms: tuple[RoomConfig, ...]
    nodes: tuple[NodeConfig, ...]
    broker: str = "embedded"
    listen: str = "0.0.0.0:1883"
    address: str = ""
    quiet: QuietHours | None = None
    timezone: str = "UTC"
    locale: str = "en"
    prefix: str = topics.DEFAULT_PREFIX
    poll_interval_s: int = 300
    stale_after_s: int = 900
    soon_wake: bool = False
    state_dir: Path = Path("roomink-state")
    base_dir: Path = Path(".")
    # Other top-level tables ([web], [m365], [booking], ...), raw, for the feature that owns
    # them to validate; `path`/`text` let it report errors with line numbers too.
    tables: dict[str, dict] = field(default_factory=dict)
    path: Path = Path("roomink.toml")
    text: str = ""

    @property
    def broker_url(self) -> str:
        """Where local tools reach the hub's broker (the embedded one listens on `listen`)."""
        if self.broker != "embedded":
            return self.broker
        return f"mqtt://127.0.0.1:{self.listen.rsplit(':', 1)[1]}"

    @property
    def public_address(self) -> str:
        """How people and nodes find this hub (shown on pairing screens)."""
        if self.address:
            return self.address
        port = self.listen.rsplit(":", 1)[1] if self.broker == "embedded" else ""
        host = socket.gethostname()
        return f"{host}:{port}" if port and port != "1883" else host

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def room(self, room_id: str) -> RoomConfig | None:
        return next((r for r in self.rooms if r.id == room_id), None)

    def room_for_node(self, node_id: str) -> RoomConfig | None:
        node = next((n for n in self.nodes if n.id == node_id), None)
        return self.room(node.room) if node else None


class ConfigError(UserError):
    pass


def _line_of(text: str, where: str) -> int | None:
    """1-based line of the key a dotted path like `rooms[2].display` names, for errors.

    tomllib reports no positions for valid-but-wrong values, so find the table header
    (`[hub]`, the n-th `[[rooms]]`) and then the key's line inside that table.
    """
    lines = text.splitlines()
    parts = where.split(".")
    key = re.sub(r"\[\d+\]$", "", parts[-1])
    start, end = 0, len(lines)
    if len(parts) > 1:
        table = re.match(r"^(\w+)(?:\[(\d+)\])?$", parts[0])
        if table:
            name, index = table.group(1), int(table.group(2) or 0)
            header = re.compile(rf"^\s*\[\[?\s*{re.escape(name)}\s*\]\]?\s*(#.*)?$")
            found = [i for i, line in enumerate(lines) if header.match(line)]
            if len(found) > index:
                start = found[index] + 1
                end = next((i for i in range(start, len(lines))
                            if lines[i].lstrip().startswith("[")), len(lines))
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for i in range(start, end):
        if pattern.match(lines[i]):
            return i + 1
    return start if start else None


class _Validator:
    def __init__(self, path: Path, text: str) -> None:
        self.path, self.text = path, text

    def fail(self, where: str, message: str) -> NoReturn:
        line = _line_of(self.text, where)
        at = f"{self.path}:{line}" if line else str(self.path)
        raise ConfigError(f"{at}: {where}: {message}")

    def only_keys(self, table: dict, section: str, known: tuple[str, ...]) -> None:
        """Fail on the first key of `[section]` that is not in `known` (a typo, mostly)."""
        for key in table:
            if key not in known:
                self.fail(f"{section}.{key}", f"unknown key (known: {', '.join(known)})")

    def get(self, table: dict, key: str, kind: type | tuple[type, ...], where: str,
            default: Any = ...) -> Any:
        path = f"{where}.{key}" if where else key
        if key not in table:
            if default is ...:
                self.fail(path, "is required")
            return default
        value = table[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
            self.fail(path, f"must be a {names}, not {type(value).__name__}")
        return value

    def listen(self, table: dict, section: str, default: str) -> tuple[str, int]:
        """A `listen = "host:port"` key ("[::1]:8080" for IPv6; an empty host is all)."""
        value = self.get(table, "listen", str, section, default)
        address = split_listen(value)
        if address is None:
            self.fail(f"{section}.listen", f"{value!r}: use host:port, e.g. \"{default}\"")
        return address

    def secret(self, table: dict, key: str, section: str, base_dir: Path) -> str | None:
        """`key` inline or `key_file` (relative to the config file), not both; stripped."""
        value = self.get(table, key, str, section, None)
        file = self.get(table, f"{key}_file", str, section, None)
        if value is not None and file is not None:
            self.fail(f"{section}.{key}_file", f"set either {key} or {key}_file, not both")
        if file is None:
            return value
        path = Path(file) if Path(file).is_absolute() else base_dir / file
        try:
            return path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            self.fail(f"{section}.{key}_file",
                      f"cannot read {path} ({getattr(exc, 'strerror', exc)})")


def split_listen(value: str) -> tuple[str, int] | None:
    """"host:port" -> (host, port); None when it is not one."""
    match = re.match(r"^(?:\[([0-9a-fA-F:.]+)\]|([\w.-]*)):(\d{1,5})$", value)
    if not match or int(match.group(3)) > 65535:
        return None
    return match.group(1) or match.group(2) or "0.0.0.0", int(match.group(3))


def parse_config(text: str, path: Path) -> HubConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    v = _Validator(path, text)
    hub = v.get(data, "hub", dict, "", {})
    timezone = v.get(hub, "timezone", str, "hub", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        v.fail("hub.timezone", f"unknown time zone {timezone!r} (e.g. 'Europe/Berlin')")
    base_dir = path.parent
    rooms = []
    for i, room in enumerate(v.get(data, "rooms", list, "", [])):
        where = f"rooms[{i}]"
        if not isinstance(room, dict):
            v.fail(where, "must be a table ([[rooms]])")
        room_id = v.get(room, "id", str, where)
        display = v.get(room, "display", str, where, "4.2-bwr")
        if display not in PROFILES:
            v.fail(f"{where}.display", f"unknown display {display!r} "
                   f"(known: {', '.join(sorted(PROFILES))})")
        cal = v.get(room, "calendar", (str, dict), where)
        if isinstance(cal, str):
            calendar = CalendarConfig("ics", {"url" if "://" in cal else "path": cal})
        else:
            options = dict(cal)
            kind = options.pop("type", "ics")
            calendar = CalendarConfig(str(kind), options)
        rooms.append(RoomConfig(room_id, v.get(room, "name", str, where, room_id), calendar,
                                display))
    ids = [r.id for r in rooms]
    for dup in {i for i in ids if ids.count(i) > 1}:
        v.fail(f"rooms[{ids.index(dup, ids.index(dup) + 1)}].id", f"room id {dup!r} appears twice")
    nodes = []
    for i, node in enumerate(v.get(data, "nodes", list, "", [])):
        where = f"nodes[{i}]"
        node_id = v.get(node, "id", str, where)
        if not topics.valid_node_id(node_id):
            v.fail(f"{where}.id", f"{node_id!r} is not a valid node id (1-32 of a-z, 0-9, -)")
        room_id = v.get(node, "room", str, where)
        if room_id not in ids:
            v.fail(f"{where}.room", f"no room with id {room_id!r}")
        nodes.append(NodeConfig(node_id, room_id))
    broker = v.get(hub, "broker", str, "hub", "embedded")
    if broker != "embedded" and not broker.startswith(("mqtt://", "mqtts://")):
        v.fail("hub.broker", f"{broker!r}: use \"embedded\" or a URL like mqtt://host:1883")
    try:
        quiet = parse_quiet(v.get(hub, "quiet_hours", str, "hub", None),
                            v.get(hub, "quiet_days", list, "hub", None))
    except ValueError as exc:
        v.fail("hub.quiet_days" if "day" in str(exc) else "hub.quiet_hours", str(exc))
    locale = v.get(hub, "locale", str, "hub", "en")
    try:
        get_locale(locale)
    except ValueError as exc:
        v.fail("hub.locale", str(exc))
    v.listen(hub, "hub", "0.0.0.0:1883")
    listen = hub.get("listen", "0.0.0.0:1883")
    state_dir = Path(v.get(hub, "state_dir", str, "hub", "roomink-state"))
    return HubConfig(
        rooms=tuple(rooms),
        nodes=tuple(nodes),
        broker=broker,
        listen=listen,
        address=v.get(hub, "address", str, "hub", ""),
        quiet=quiet,
        timezone=timezone,
        locale=locale,
        prefix=v.get(hub, "prefix", str, "hub", topics.DEFAULT_PREFIX),
        poll_interval_s=v.get(hub, "poll_interval", int, "hub", 300),
        stale_after_s=v.get(hub, "stale_after", int, "hub", 900),
        soon_wake=v.get(hub, "soon_wake", bool, "hub", False),
        state_dir=state_dir if state_dir.is_absolute() else base_dir / state_dir,
        base_dir=base_dir,
        tables={k: v for k, v in data.items()
                if k not in ("hub", "rooms", "nodes") and isinstance(v, dict)},
        path=path,
        text=text,
    )


def load_config(path: str | Path) -> HubConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found (create one with `roomink init`)") \
            from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config ({exc})") from exc
    return parse_config(text, path)
