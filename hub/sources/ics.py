"""ICS room calendars: a file on disk (`IcsFileSource`) or an http(s) address (`IcsUrlSource`).

Both keep the parsed, indexed calendar while the data is unchanged (same file content, or a
`304 Not Modified`), so a poll costs only the expansion of the window.
`open_ics_source(location, tz)` picks the right one. Parsing lives in `hub.sources.ics_parse`,
window expansion in `hub.sources.ics_expand`.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from datetime import datetime, tzinfo
from pathlib import Path

from hub.schedule import Event
from hub.sources.backoff import Backoff
from hub.sources.base import SourceDataError, SourceUnavailable
from hub.sources.http_cache import ConditionalFetcher
from hub.sources.ics_expand import CalendarIndex, build_index, parse_ics
from hub.sources.ics_parse import MAX_ICS_BYTES, ProblemLog, event_from_component

log = logging.getLogger(__name__)

__all__ = [
    "IcsFileSource",
    "IcsUrlSource",
    "event_from_component",
    "open_ics_source",
    "parse_ics",
]


class _ParsedCache:
    """The indexed calendar for one version of the data."""

    def __init__(self) -> None:
        self.key: object = None
        self.index: CalendarIndex | None = None
        self.parses = 0

    def get(self, key: object, load: Callable[[], CalendarIndex]) -> CalendarIndex:
        if self.index is None or key != self.key:
            self.index = load()
            self.key = key
            self.parses += 1
        return self.index


class IcsFileSource:
    """A room calendar kept as an `.ics` file on disk (re-read when it changes)."""

    def __init__(self, path: str | Path, tz: tzinfo) -> None:
        self.path = Path(path)
        self.tz = tz
        self._cache = _ParsedCache()
        self._problems = ProblemLog(log)

    @property
    def parses(self) -> int:
        """How many times the file was parsed (it is not re-parsed while unchanged)."""
        return self._cache.parses

    def _read(self) -> bytes:
        try:
            size = self.path.stat().st_size
            if size > MAX_ICS_BYTES:
                raise SourceDataError(f"{self.path}: file is {size:,} bytes, over the "
                                      f"{MAX_ICS_BYTES:,}-byte limit")
            return self.path.read_bytes()
        except FileNotFoundError:
            raise SourceUnavailable(f"{self.path}: file not found") from None
        except OSError as exc:
            raise SourceUnavailable(f"{self.path}: cannot read ({exc.strerror})") from None

    def fetch(self, start: datetime, end: datetime) -> list[Event]:
        data = self._read()
        # The content, not the mtime, says whether it changed: two quick same-size writes can
        # share an mtime tick. Hashing 1 MB takes about a millisecond.
        key = hashlib.blake2b(data, digest_size=16).digest()
        index = self._cache.get(key, lambda: build_index(data, self.tz, str(self.path)))
        expansion = index.expand(start, end)
        self._problems.report(expansion.problems)
        return expansion.events


class IcsUrlSource:
    """A room calendar published at a secret http(s) address (Google, Outlook, Nextcloud).

    The URL is never logged in full: messages use `self.shown`. On a transient failure the
    raised `SourceUnavailable` carries `retry_after`, and `next_attempt` (a `time.monotonic()`
    value) says when polling again makes sense.
    """

    def __init__(self, url: str, tz: tzinfo, *, fetcher: ConditionalFetcher | None = None,
                 **fetcher_options) -> None:
        self.tz = tz
        self.fetcher = fetcher or ConditionalFetcher(url, **fetcher_options)
        self.shown = self.fetcher.shown
        self._cache = _ParsedCache()
        self._version = 0
        self._problems = ProblemLog(log)

    @property
    def backoff(self) -> Backoff:
        return self.fetcher.backoff

    @property
    def next_attempt(self) -> float | None:
        """`time.monotonic()` before which polling again is pointless; None while healthy."""
        return self.fetcher.backoff.next_attempt

    @property
    def parses(self) -> int:
        """How many bodies were parsed; a 304 reuses the previous parse."""
        return self._cache.parses

    def fetch(self, start: datetime, end: datetime) -> list[Event]:
        body, changed = self.fetcher.get()
        if changed:
            self._version += 1
        index = self._cache.get(self._version, lambda: build_index(body, self.tz, self.shown))
        expansion = index.expand(start, end)
        self._problems.report(expansion.problems)
        return expansion.events


def open_ics_source(location: str, tz: tzinfo, **options) -> IcsFileSource | IcsUrlSource:
    """An ICS source for a file path, `file://` URL, or http(s) URL."""
    lowered = location.strip().lower()
    if lowered.startswith(("http://", "https://")):
        return IcsUrlSource(location.strip(), tz, **options)
    if lowered.startswith("webcal://"):
        return IcsUrlSource("https://" + location.strip()[len("webcal://"):], tz, **options)
    if lowered.startswith("file://"):
        location = location.strip()[len("file://"):]
    return IcsFileSource(Path(os.path.expanduser(location)), tz)
