"""GET one secret URL politely: conditional requests, a size limit, a deadline, backoff.

`ConditionalFetcher.get()` returns the body and whether it changed since the last call. It
sends `If-None-Match` / `If-Modified-Since` from the previous answer, so an unchanged feed
costs a `304 Not Modified` and the caller can reuse its parse. Failures become `SourceError`s
whose text never contains the URL's secret parts (see `hub.sources.redact`), and exceptions
are raised `from None` so a logged traceback cannot print the URL either.

Status mapping:
    200                         body (streamed; aborted past `max_bytes` or the deadline)
    304                         the cached body, unchanged
    401, 403, 404, 410, 4xx     SourceAuthError: the address is wrong, revoked or reset
    408, 425, 429, 5xx          SourceUnavailable with `retry_after` (server's Retry-After wins)
    timeout, refused, DNS, TLS  SourceUnavailable
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import requests

from hub import __version__
from hub.sources.backoff import Backoff
from hub.sources.base import SourceAuthError, SourceDataError, SourceUnavailable
from hub.sources.ics_parse import MAX_ICS_BYTES
from hub.sources.redact import protect_url

_CHUNK = 64 * 1024
_TRANSIENT = {408, 425, 429}
_NEEDS_ADMIN = {
    401: "refused the credentials (HTTP 401)",
    403: "refused access (HTTP 403): the secret address may have been reset",
    404: "not found (HTTP 404): the calendar address is wrong or was reset",
    410: "gone (HTTP 410): the calendar address was revoked",
}


@dataclass
class CachedBody:
    """The last 200 answer and the validators to revalidate it."""

    body: bytes
    etag: str | None
    last_modified: str | None


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = datetime.now(UTC).timestamp() if now is None else now
    return max(0.0, when.timestamp() - current)


def _connection_problem(exc: requests.RequestException) -> str:
    """A URL-free description of a network failure."""
    text = repr(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS handshake failed (certificate not trusted or wrong host)"
    if "NameResolution" in text or "Name or service not known" in text or "getaddrinfo" in text:
        return "host name not found"
    if "Connection refused" in text or "ConnectionRefused" in text:
        return "connection refused"
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        return "too many redirects"
    if "RemoteDisconnected" in text or "ConnectionReset" in text or "Connection aborted" in text:
        return "the server closed the connection"
    return f"connection failed ({type(exc).__name__})"


class ConditionalFetcher:
    """One URL, fetched with `requests` and cached in memory between polls."""

    def __init__(
        self,
        url: str,
        *,
        session: requests.Session | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
        deadline: float = 60.0,
        max_bytes: int = MAX_ICS_BYTES,
        backoff: Backoff | None = None,
        verify: bool | str = True,
    ) -> None:
        if not url.lower().startswith(("http://", "https://")):
            raise ValueError("calendar URL must start with http:// or https://")
        self._url = url
        self.shown = protect_url(url)
        """The URL as it may be logged."""
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = f"roomink/{__version__}"
        self.session = session
        self.session.max_redirects = 5
        self.timeout = (connect_timeout, read_timeout)
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.backoff = backoff or Backoff()
        # Given per request, so it wins over REQUESTS_CA_BUNDLE (requests lets that env var
        # override a session's `verify`); a string is a CA bundle for a private CA.
        self.verify = verify
        self.cache: CachedBody | None = None
        self.requests = 0
        self.not_modified = 0

    def _unavailable(self, problem: str, retry_after: float | None = None) -> SourceUnavailable:
        delay = self.backoff.failure(retry_after)
        # The delay goes in `retry_after`, not the text: the same fault gives the same line,
        # so the hub's log-on-change logs it once.
        return SourceUnavailable(f"{self.shown}: {problem}", delay)

    def get(self) -> tuple[bytes, bool]:
        """(body, changed). Raises a `SourceError` subclass on failure."""
        headers = {"Accept": "text/calendar, */*;q=0.5"}
        if self.cache and self.cache.etag:
            headers["If-None-Match"] = self.cache.etag
        if self.cache and self.cache.last_modified:
            headers["If-Modified-Since"] = self.cache.last_modified
        started = time.monotonic()
        self.requests += 1
        try:
            with self.session.get(self._url, headers=headers, timeout=self.timeout,
                                  stream=True, verify=self.verify) as response:
                return self._handle(response, started)
        except requests.Timeout:
            raise self._unavailable(
                f"no answer within {self.timeout[1]:.0f} s (timeout)") from None
        except requests.RequestException as exc:
            raise self._unavailable(_connection_problem(exc)) from None

    def _handle(self, response: requests.Response, started: float) -> tuple[bytes, bool]:
        status = response.status_code
        if status == 304 and self.cache is not None:
            self.not_modified += 1
            self.backoff.success()
            return self.cache.body, False
        if status in _NEEDS_ADMIN:
            raise SourceAuthError(f"{self.shown}: {_NEEDS_ADMIN[status]}")
        if status in _TRANSIENT or status >= 500:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            reason = (response.reason or "").strip()[:40]
            raise self._unavailable(f"server answered HTTP {status} {reason}".rstrip(),
                                    retry_after)
        if status != 200:
            raise SourceAuthError(f"{self.shown}: unexpected HTTP {status}; check the address")
        body = self._read_body(response, started)
        self.cache = CachedBody(body, response.headers.get("ETag"),
                                response.headers.get("Last-Modified"))
        self.backoff.success()
        return body, True

    def _read_body(self, response: requests.Response, started: float) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise SourceDataError(f"{self.shown}: calendar is {int(declared):,} bytes, over the "
                                  f"{self.max_bytes:,}-byte limit")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(_CHUNK):
            size += len(chunk)
            if size > self.max_bytes:
                raise SourceDataError(f"{self.shown}: calendar is over the "
                                      f"{self.max_bytes:,}-byte limit; download stopped")
            if time.monotonic() - started > self.deadline:
                raise self._unavailable(f"download took over {self.deadline:.0f} s; stopped")
            chunks.append(chunk)
        return b"".join(chunks)
