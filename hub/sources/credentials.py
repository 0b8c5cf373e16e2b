"""Passwords for calendar sources come from a file or an environment variable, never the config.

The hub config names where the secret is (`password_file = "/etc/roomink/room-a.pass"` or
`password_env = "ROOMINK_ROOM_A_PASSWORD"`), so the config can be shared, diffed and backed up
without leaking anything. A file must not be world-readable (group-readable is fine, for a
service group).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from hub.sources.base import SourceAuthError


def read_secret(*, file: str | Path | None = None, env: str | None = None,
                what: str = "password", environ: dict[str, str] | None = None) -> str:
    """The secret from exactly one of `file` or `env`; `SourceAuthError` says what to fix."""
    if (file is None) == (env is None):
        raise SourceAuthError(f"{what}: give exactly one of password_file or password_env")
    if env is not None:
        value = (os.environ if environ is None else environ).get(env)
        if not value:
            raise SourceAuthError(f"{what}: environment variable {env} is not set or empty")
        return value.strip("\r\n")
    path = Path(os.path.expanduser(str(file)))
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceAuthError(f"{what}: file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise SourceAuthError(f"{what}: cannot read {path} ({reason})") from None
    if mode & stat.S_IRWXO:
        raise SourceAuthError(f"{what}: {path} is readable by every user; run chmod 600 {path}")
    secret = text.strip("\r\n")
    if not secret:
        raise SourceAuthError(f"{what}: file {path} is empty")
    return secret
