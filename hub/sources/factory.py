"""Build a room's calendar source from its config table (see docs/calendars.md).

    calendar = { type = "ics", path = "rooms/a.ics" }
    calendar = { type = "ics", url_file = "/etc/roomink/a.url" }      # secret iCal address
    calendar = { type = "ics", url_env = "ROOMINK_A_ICS" }
    calendar = { type = "caldav", username = "signs", password_file = "/etc/roomink/signs.pass",
                 url = "https://cloud.example.com/remote.php/dav/calendars/signs/room-a/" }

`check_options` validates a table without touching files, the environment or the network,
so the hub config can reject a wrong option when it loads, with file, line and room;
`source_from_options` checks again and then reads secrets. Errors are `OptionError`s naming
the option to fix; secrets never appear in them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from pathlib import Path
from typing import Any

from hub.errors import UserError, did_you_mean
from hub.sources.base import CalendarSource, SourceAuthError
from hub.sources.credentials import read_secret

_ICS_KEYS = ("path", "url", "url_file", "url_env", "timeout", "max_bytes", "verify")
_CALDAV_KEYS = ("url", "username", "password_file", "password_env", "expand", "verify",
                "timeout")
# Built by hub/calendars.py (it needs the [m365] table); only its option is checked here.
_M365_KEYS = ("mailbox",)
KEYS: dict[str, tuple[str, ...]] = {"ics": _ICS_KEYS, "caldav": _CALDAV_KEYS, "m365": _M365_KEYS}

_ICS_WHERE = ("path", "url", "url_file", "url_env")
_STRINGS = {"path", "url", "url_file", "url_env", "username", "password_file", "password_env",
            "expand", "mailbox"}
_EXPAND = ("auto", "server", "client")


class OptionError(UserError):
    """A calendar option is wrong. `key` names the option (None: the table as a whole) and
    `problem` says what to fix, so the hub config can put its own file, line and room first."""

    def __init__(self, problem: str, key: str | None = None) -> None:
        self.problem, self.key = problem, key
        super().__init__(f"calendar.{key}: {problem}" if key else f"calendar: {problem}")


def _type_name(value: Any) -> str:
    """The TOML name of a value's type: what the user wrote, not Python's name for it."""
    names = {bool: "boolean", int: "integer", float: "number", str: "string", dict: "table",
             list: "array"}
    return names.get(type(value), type(value).__name__)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_type(key: str, value: Any) -> None:
    """One option's type (and range): a wrong one would raise deep inside a source later."""
    if key in _STRINGS and not isinstance(value, str):
        raise OptionError(f"must be a string, not {_type_name(value)}", key)
    if key == "timeout" and not (_number(value) and value > 0):
        raise OptionError(f"{value!r}: seconds, more than 0 (e.g. 30)", key)
    if key == "max_bytes" and not (_number(value) and isinstance(value, int) and value > 0):
        raise OptionError(f"{value!r}: a size in bytes, more than 0 (e.g. 20000000)", key)
    if key == "verify" and not isinstance(value, (bool, str)):
        raise OptionError("true, false or the path of a CA bundle "
                          f"(e.g. \"/etc/ssl/private-ca.pem\"), not {_type_name(value)}", key)


def _check_keys(kind: str, options: Mapping[str, Any]) -> None:
    allowed = KEYS[kind]
    for key in options:
        if key not in allowed:
            raise OptionError(f"unknown option for type {kind!r} "
                              f"(known: {', '.join(allowed)}){did_you_mean(key, allowed)}", key)


def _given(options: Mapping[str, Any]) -> dict[str, Any]:
    """The options set; None (from Python callers, TOML has no null) counts as not set."""
    return {k: v for k, v in options.items() if v is not None}


def check_options(kind: str, options: Mapping[str, Any]) -> None:
    """Raise `OptionError` unless `options` can build a `kind` source (files and secrets are
    not read: commands that never poll, such as `roomink acl` under sudo, must still load)."""
    options = _given(options)
    if kind not in KEYS:
        raise OptionError(f"unknown calendar type {kind!r} (known: {', '.join(KEYS)})", "type")
    if kind == "caldav" and "password" in options:
        raise OptionError("put the password in password_file or password_env, not in the "
                          "config", "password")
    _check_keys(kind, options)
    for key, value in options.items():
        _check_type(key, value)
    if kind == "ics":
        _check_ics(options)
    elif kind == "caldav":
        _check_caldav(options)
    elif "@" not in options.get("mailbox", ""):
        raise OptionError('needs the room\'s mailbox, e.g. mailbox = "room@contoso.com"',
                          "mailbox")


def _check_ics(options: Mapping[str, Any]) -> None:
    given = [k for k in _ICS_WHERE if options.get(k)]
    if len(given) != 1:
        raise OptionError("type 'ics': give exactly one of path, url, url_file, url_env")
    if given[0] == "url":
        _check_url(options["url"], "url")


def _check_url(url: str, key: str) -> None:
    if not url.lower().startswith(("http://", "https://", "webcal://")):
        raise OptionError("the address must start with https:// (or http://, webcal://)", key)


def _check_caldav(options: Mapping[str, Any]) -> None:
    for key in ("url", "username"):
        if not options.get(key):
            raise OptionError("is required for type 'caldav'", key)
    if options.get("expand", "client") not in _EXPAND:
        raise OptionError(f"{options['expand']!r}: auto, server or client", "expand")
    if ("password_file" in options) == ("password_env" in options):
        raise OptionError("type 'caldav': give exactly one of password_file, password_env")


def _secret(options: Mapping[str, Any], file_key: str, env_key: str, what: str) -> str:
    try:
        return read_secret(file=options.get(file_key), env=options.get(env_key), what=what)
    except SourceAuthError as exc:
        raise OptionError(str(exc), file_key if file_key in options else env_key) from None


def source_from_options(kind: str, options: Mapping[str, Any], tz: tzinfo,
                        base_dir: Path | None = None) -> CalendarSource:
    """The source for one room; `base_dir` resolves relative ICS paths."""
    if kind == "m365":
        raise OptionError("type 'm365' is built from the hub config (hub/calendars.py)", "type")
    check_options(kind, options)
    options = _given(options)
    if kind == "ics":
        return _ics(options, tz, base_dir)
    return _caldav(options, tz)


def _ics(options: Mapping[str, Any], tz: tzinfo, base_dir: Path | None) -> CalendarSource:
    from hub.sources.ics import IcsFileSource, IcsUrlSource

    if options.get("path"):
        path = Path(options["path"]).expanduser()
        if base_dir is not None and not path.is_absolute():
            path = base_dir / path
        return IcsFileSource(path, tz)
    if options.get("url"):
        url = options["url"]
    else:
        url = _secret(options, "url_file", "url_env", "ICS address").strip()
        _check_url(url, "url_file" if options.get("url_file") else "url_env")
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://"):]
    extra: dict[str, Any] = {}
    if "timeout" in options:
        extra["read_timeout"] = float(options["timeout"])
    if "max_bytes" in options:
        extra["max_bytes"] = options["max_bytes"]
    if "verify" in options:
        extra["verify"] = options["verify"]
    return IcsUrlSource(url, tz, **extra)


def _caldav(options: Mapping[str, Any], tz: tzinfo) -> CalendarSource:
    from hub.sources.caldav_source import CalDavSource

    password = _secret(options, "password_file", "password_env", "CalDAV password")
    return CalDavSource(options["url"], options["username"], password, tz,
                        expand=options.get("expand", "client"),
                        timeout=float(options.get("timeout", 30)),
                        verify=options.get("verify", True))
