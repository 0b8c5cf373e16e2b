"""Keep secret calendar addresses out of logs.

A Google "secret address in iCal format", an Outlook published-calendar link or a Nextcloud
share link *is* the password: whoever has the URL reads the calendar. So a URL is only ever
shown as `redact_url(url)`: scheme, host and a harmless file name, e.g.
`https://calendar.google.com/…/basic.ics`. `SecretUrlFilter` also scrubs the full path from
urllib3's own debug lines (`"GET /calendar/ical/…/private-…/basic.ics HTTP/1.1" 200`), which
`roomink -v` would otherwise print.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import urlsplit

# A last path segment is shown only if it looks like a plain file name, not a token.
_PLAIN_NAME = re.compile(r"^[A-Za-z][A-Za-z_-]{0,23}\.(ics|ical|ifb|vcs)$", re.IGNORECASE)
ELLIPSIS = "…"


def redact_url(url: str) -> str:
    """`url` without credentials, secret path, query or fragment; safe to log."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<unreadable URL>"
    if not parts.scheme or not host:
        return "<unreadable URL>"
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    segments = [s for s in parts.path.split("/") if s]
    shown = f"{parts.scheme}://{host}{port}"
    if not segments:
        return shown + ("/" + ELLIPSIS if parts.query else "")
    last = segments[-1]
    if _PLAIN_NAME.match(last):
        return f"{shown}/{ELLIPSIS}/{last}" if len(segments) > 1 else f"{shown}/{last}"
    return f"{shown}/{ELLIPSIS}"


class SecretUrlFilter(logging.Filter):
    """Replaces registered secret URL paths in log records with their redacted form."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._secrets: dict[str, str] = {}

    def add(self, url: str) -> None:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        with self._lock:
            if len(path) > 1:
                self._secrets[path] = redact_url(url)
            self._secrets[url] = redact_url(url)
            if parts.password:
                self._secrets[parts.password] = "***"

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            secrets = sorted(self._secrets.items(), key=lambda kv: -len(kv[0]))
        if not secrets:
            return True
        message = record.getMessage()
        cleaned = message
        for secret, shown in secrets:
            cleaned = cleaned.replace(secret, shown)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = SecretUrlFilter()
_INSTALLED = False


def protect_url(url: str) -> str:
    """Register `url` as a secret in the HTTP libraries' loggers; return its redacted form."""
    global _INSTALLED
    _FILTER.add(url)
    if not _INSTALLED:
        for name in ("urllib3.connectionpool", "urllib3.connection", "requests", "niquests",
                     "urllib3_future.connectionpool"):
            logging.getLogger(name).addFilter(_FILTER)
        _INSTALLED = True
    return redact_url(url)
