"""Hub configuration: one TOML file, validated up front with errors that name key and line."""

from __future__ import annotations

import re
import socket
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub import topics
from hub.errors import UserError, did_you_mean
from hub.sources.factory import OptionError, check_options
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
    # Seconds between polls of this room's calendar; None: the hub's `poll_interval`.
    poll_interval_s: int | None = None


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

    def node_rooms(self, saved: Mapping[str, str]) -> dict[str, str]:
        """Which room each node shows: the one rule the hub and `roomink status` both follow.

        A room saved by `roomink assign` (or `roomink flash --room`) wins over the config's
        `[[nodes]]` entry: it was typed after the config was written, and it is how an admin
        moves a sign without editing the file and restarting. A saved room the config no
        longer has is ignored, so the node falls back to its `[[nodes]]` entry, or to its
        pairing screen.
        """
        rooms = {node.id: node.room for node in self.nodes}
        rooms.update((node, room) for node, room in saved.items() if self.room(room) is not None)
        return rooms

    def poll_interval_for(self, room_id: str) -> int:
        """Seconds between polls of the room's calendar: its own setting, else the hub's."""
        room = self.room(room_id)
        return room.poll_interval_s if room and room.poll_interval_s else self.poll_interval_s

    def room_for_node(self, node_id: str) -> RoomConfig | None:
        node = next((n for n in self.nodes if n.id == node_id), None)
        return self.room(node.room) if node else None


class ConfigError(UserError):
    pass


#: Top-level tables. [hub], [[rooms]] and [[nodes]] are read here, the others by what owns
#: them (hub/web/config.py, hub/booking/config.py, [m365] in hub/calendars.py). Anything else
#: is rejected as a typo, so a feature with a new table adds its name here.
TABLES = ("hub", "rooms", "nodes", "web", "booking", "m365")
ARRAYS = ("rooms", "nodes")  # arrays of tables: [[rooms]]
HUB_KEYS = ("broker", "listen", "address", "timezone", "locale", "prefix", "poll_interval",
            "stale_after", "soon_wake", "state_dir", "quiet_hours", "quiet_days")
ROOM_KEYS = ("id", "name", "display", "calendar", "poll_interval")
NODE_KEYS = ("id", "room")
# Polling faster than this only loads the calendar servers (and 0 would make the hub spin).
MIN_POLL_INTERVAL = 10


_HEADER = re.compile(r"^\s*(\[\[?)\s*([\w\-]+(?:\s*\.\s*[\w\-]+)*)\s*\]\]?\s*(#.*)?$")


def _headers(lines: list[str]) -> list[tuple[int, str]]:
    """(0-based line, dotted path) of each table header, arrays indexed like error paths:
    the second `[[rooms]]` is `rooms[1]`, a `[rooms.calendar]` after it `rooms[1].calendar`."""
    counts: dict[str, int] = {}
    found = []
    for i, line in enumerate(lines):
        match = _HEADER.match(line)
        if not match:
            continue
        names = [name.strip() for name in match.group(2).split(".")]
        path = ""
        for n, name in enumerate(names):
            path = f"{path}.{name}" if path else name
            if n == len(names) - 1 and match.group(1) == "[[":
                counts[path] = counts.get(path, 0) + 1
            if path in counts:
                path = f"{path}[{counts[path] - 1}]"
        found.append((i, path))
    return found


def _key_line(lines: list[str], start: int, end: int, key: str) -> int | None:
    """1-based line in [start, end) that sets `key` (`key = ...` or dotted `key.x = ...`)."""
    name = re.escape(re.sub(r"\[\d+\]$", "", key))
    pattern = re.compile(rf"^\s*{name}\s*[.=]")
    return next((i + 1 for i in range(start, end) if pattern.match(lines[i])), None)


def _line_of(text: str, where: str) -> int | None:
    """1-based line of what a dotted path like `rooms[2].display` names, for errors.

    tomllib reports no positions for valid-but-wrong values, so find the deepest table header
    the path is in (`[hub]`, the third `[[rooms]]`, its `[rooms.calendar]`), then the key's
    line inside that table; a key not found there points at the header. A path in no table
    (`rooms = [1]`, or an inline `calendar = {...}`) is looked up among the keys above it.
    """
    lines = text.splitlines()
    headers = _headers(lines)
    parts = where.split(".")
    unindexed = [(i, re.sub(r"\[\d+\]", "", path)) for i, path in headers]
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        starts = ([i for i, path in headers if path == prefix]
                  or [i for i, path in unindexed if path == prefix])
        if starts:
            start = starts[0]
            if n == len(parts):
                return start + 1
            end = next((i for i, _ in headers if i > start), len(lines))
            return _key_line(lines, start + 1, end, parts[n]) or start + 1
    return _key_line(lines, 0, headers[0][0] if headers else len(lines), parts[0])


class _Validator:
    def __init__(self, path: Path, text: str) -> None:
        self.path, self.text = path, text

    def fail(self, where: str, message: str) -> NoReturn:
        line = _line_of(self.text, where)
        at = f"{self.path}:{line}" if line else str(self.path)
        raise ConfigError(f"{at}: {where}: {message}")

    def only_keys(self, table: dict, section: str, known: tuple[str, ...]) -> None:
        """Fail on the first key of `[section]` that is not in `known`: a typo would otherwise
        be ignored silently and its setting quietly left at the default."""
        for key in table:
            if key not in known:
                self.fail(f"{section}.{key}",
                          f"unknown key (known: {', '.join(known)}){did_you_mean(key, known)}")

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


def _header(name: str) -> str:
    return f"[[{name}]]" if name in ARRAYS else f"[{name}]"


def _check_top_level(v: _Validator, data: dict) -> None:
    """Only known tables, each of the right shape: a misspelt `[wbe]` would otherwise just
    switch the dashboard off, and `poll_interval` above `[hub]` would be ignored."""
    for key, value in data.items():
        if key in ARRAYS:
            if isinstance(value, dict):
                v.fail(key, f"write {_header(key)} (once per entry), not [{key}]")
            v.get(data, key, list, "")
        elif key in TABLES:
            if not isinstance(value, dict):
                v.fail(key, f"must be a table ({_header(key)}), not {type(value).__name__}")
        elif key in HUB_KEYS:
            v.fail(key, "belongs in the [hub] table: move it below [hub]")
        elif isinstance(value, (dict, list)):
            shown = f"[[{key}]]" if isinstance(value, list) else f"[{key}]"
            known = ", ".join(_header(t) for t in TABLES)
            v.fail(key, f"unknown table {shown} (known: {known})"
                   f"{did_you_mean(key, TABLES, _header)}")
        else:
            v.fail(key, f"unknown key{did_you_mean(key, HUB_KEYS, lambda k: f'{k!r} in [hub]')}")


def _entries(v: _Validator, data: dict, name: str, keys: tuple[str, ...]) -> list[dict]:
    """The `[[name]]` tables, each holding only `keys`; an entry that is no table fails."""
    entries = v.get(data, name, list, "", [])
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            v.fail(f"{name}[{i}]", f"must be a table ({_header(name)}), "
                   f"not {type(entry).__name__}")
        v.only_keys(entry, f"{name}[{i}]", keys)
    return entries


def _seconds(v: _Validator, table: dict, key: str, default: int | None, least: int,
             section: str = "hub", default_text: str | None = None) -> int | None:
    """A duration of at least `least` seconds (0 would make the hub spin); None if unset and
    `default` is None."""
    value = v.get(table, key, int, section, default)
    if value is not None and value < least:
        v.fail(f"{section}.{key}", f"{value}: seconds, at least {least} "
               f"(default {default_text or default})")
    return value


def _calendar(v: _Validator, room: dict, where: str) -> CalendarConfig:
    """The room's calendar, its options checked now: a typo or a wrong type is reported with
    file, line and room at start-up rather than as a bare message when the source is built."""
    cal = v.get(room, "calendar", (str, dict), where)
    if isinstance(cal, str):
        return CalendarConfig("ics", {"url" if "://" in cal else "path": cal})
    options = dict(cal)
    kind = v.get(options, "type", str, f"{where}.calendar", "ics")
    options.pop("type", None)
    try:
        check_options(kind, options)
    except OptionError as exc:
        _fail_option(v, where, exc)
    return CalendarConfig(kind, options)


def _fail_option(v: _Validator, where: str, exc: OptionError) -> NoReturn:
    v.fail(f"{where}.calendar.{exc.key}" if exc.key else f"{where}.calendar", exc.problem)


def fail_room_option(config: HubConfig, calendar: CalendarConfig, exc: OptionError) -> NoReturn:
    """Raise `exc` with the file, line and room of `calendar` in front, as loading does: for
    problems found only when the source is built (a secret's file or variable missing)."""
    index = next((i for i, room in enumerate(config.rooms) if room.calendar is calendar), None)
    if index is None:
        raise exc
    _fail_option(_Validator(config.path, config.text), f"rooms[{index}]", exc)


def _rooms(v: _Validator, data: dict) -> list[RoomConfig]:
    rooms = []
    for i, room in enumerate(_entries(v, data, "rooms", ROOM_KEYS)):
        where = f"rooms[{i}]"
        room_id = v.get(room, "id", str, where)
        display = v.get(room, "display", str, where, "4.2-bwr")
        if display not in PROFILES:
            v.fail(f"{where}.display", f"unknown display {display!r} "
                   f"(known: {', '.join(sorted(PROFILES))})")
        calendar = _calendar(v, room, where)
        interval = _seconds(v, room, "poll_interval", None, MIN_POLL_INTERVAL, where,
                            "the [hub] poll_interval")
        rooms.append(RoomConfig(room_id, v.get(room, "name", str, where, room_id), calendar,
                                display, interval))
    ids = [r.id for r in rooms]
    for dup in {i for i in ids if ids.count(i) > 1}:
        v.fail(f"rooms[{ids.index(dup, ids.index(dup) + 1)}].id", f"room id {dup!r} appears twice")
    return rooms


def _nodes(v: _Validator, data: dict, room_ids: list[str]) -> list[NodeConfig]:
    nodes = []
    for i, node in enumerate(_entries(v, data, "nodes", NODE_KEYS)):
        where = f"nodes[{i}]"
        node_id = v.get(node, "id", str, where)
        if not topics.valid_node_id(node_id):
            v.fail(f"{where}.id", f"{node_id!r} is not a valid node id (1-32 of a-z, 0-9, -)")
        room_id = v.get(node, "room", str, where)
        if room_id not in room_ids:
            v.fail(f"{where}.room", f"no room with id {room_id!r}")
        nodes.append(NodeConfig(node_id, room_id))
    return nodes


def parse_config(text: str, path: Path) -> HubConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    v = _Validator(path, text)
    _check_top_level(v, data)
    hub = data.get("hub", {})
    v.only_keys(hub, "hub", HUB_KEYS)
    timezone = v.get(hub, "timezone", str, "hub", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        v.fail("hub.timezone", f"unknown time zone {timezone!r} (e.g. 'Europe/Berlin')")
    base_dir = path.parent
    rooms = _rooms(v, data)
    nodes = _nodes(v, data, [r.id for r in rooms])
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
        poll_interval_s=_seconds(v, hub, "poll_interval", 300, MIN_POLL_INTERVAL),
        stale_after_s=_seconds(v, hub, "stale_after", 900, 1),
        soon_wake=v.get(hub, "soon_wake", bool, "hub", False),
        state_dir=state_dir if state_dir.is_absolute() else base_dir / state_dir,
        base_dir=base_dir,
        tables={name: table for name, table in data.items() if name not in ("hub", *ARRAYS)},
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
