"""Build a room's calendar source from its config table (see docs/calendars.md).

    calendar = { type = "ics", path = "rooms/a.ics" }
    calendar = { type = "ics", url_file = "/etc/roomink/a.url" }      # secret iCal address
    calendar = { type = "ics", url_env = "ROOMINK_A_ICS" }
    calendar = { type = "caldav", username = "signs", password_file = "/etc/roomink/signs.pass",
                 url = "https://cloud.example.com/remote.php/dav/calendars/signs/room-a/" }

Errors are `UserError`s naming the key to fix; secrets never appear in them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from pathlib import Path
from typing import Any

from hub.errors import UserError
from hub.sources.base import CalendarSource, SourceAuthError
from hub.sources.credentials import read_secret

_ICS_KEYS = {"path", "url", "url_file", "url_env", "timeout", "max_bytes", "verify"}
_CALDAV_KEYS = {"url", "username", "password_file", "password_env", "expand", "verify",
                "timeout"}


def _secret(options: Mapping[str, Any], file_key: str, env_key: str, what: str) -> str:
    try:
        return read_secret(file=options.get(file_key), env=options.get(env_key), what=what)
    except SourceAuthError as exc:
        raise UserError(str(exc)) from None


def _check_keys(kind: str, options: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise UserError(f"calendar type {kind!r}: unknown option(s) {', '.join(unknown)} "
                        f"(known: {', '.join(sorted(allowed))})")


def source_from_options(kind: str, options: Mapping[str, Any], tz: tzinfo,
                        base_dir: Path | None = None) -> CalendarSource:
    """The source for one room; `base_dir` resolves relative ICS paths."""
    if kind == "ics":
        return _ics(options, tz, base_dir)
    if kind == "caldav":
        return _caldav(options, tz)
    raise UserError(f"unknown calendar type {kind!r} (known: ics, caldav, and m365 where "
                    "installed)")


def _ics(options: Mapping[str, Any], tz: tzinfo, base_dir: Path | None) -> CalendarSource:
    from hub.sources.ics import IcsFileSource, IcsUrlSource

    _check_keys("ics", options, _ICS_KEYS)
    given = [k for k in ("path", "url", "url_file", "url_env") if options.get(k)]
    if len(given) != 1:
        raise UserError("calendar type 'ics': give exactly one of path, url, url_file, url_env")
    if given[0] == "path":
        path = Path(str(options["path"])).expanduser()
        if base_dir is not None and not path.is_absolute():
            path = base_dir / path
        return IcsFileSource(path, tz)
    url = (str(options["url"]) if given[0] == "url"
           else _secret(options, "url_file", "url_env", "ICS address").strip())
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://"):]
    if not url.lower().startswith(("http://", "https://")):
        raise UserError("calendar type 'ics': the address must start with https:// "
                        "(or http://, webcal://)")
    extra: dict[str, Any] = {}
    if "timeout" in options:
        extra["read_timeout"] = float(options["timeout"])
    if "max_bytes" in options:
        extra["max_bytes"] = int(options["max_bytes"])
    if "verify" in options:
        extra["verify"] = options["verify"]
    return IcsUrlSource(url, tz, **extra)


def _caldav(options: Mapping[str, Any], tz: tzinfo) -> CalendarSource:
    from hub.sources.caldav_source import CalDavSource

    if "password" in options:
        raise UserError("calendar type 'caldav': put the password in password_file or "
                        "password_env, not in the config")
    _check_keys("caldav", options, _CALDAV_KEYS)
    for key in ("url", "username"):
        if not options.get(key):
            raise UserError(f"calendar type 'caldav': {key} is required")
    expand = str(options.get("expand", "client"))
    if expand not in ("auto", "server", "client"):
        raise UserError("calendar type 'caldav': expand must be auto, server or client")
    password = _secret(options, "password_file", "password_env", "CalDAV password")
    return CalDavSource(str(options["url"]), str(options["username"]), password, tz,
                        expand=expand,  # type: ignore[arg-type]
                        timeout=float(options.get("timeout", 30)),
                        verify=options.get("verify", True))
