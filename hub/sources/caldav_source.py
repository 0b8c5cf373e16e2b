"""One room = one CalDAV calendar (Nextcloud, Radicale, SOGo, iCloud...), read and booked.

Reading: a time-range REPORT for the room's events, then one of three expansion modes:

* `"client"` (default): the server returns the matching objects as stored (master, overrides,
  VTIMEZONEs) and they go through the same `ics_parse` code as ICS feeds, so every source
  gives the same `Event`s, with the same limits on absurd recurrences.
* `"auto"`: the server is asked to expand recurrences (RFC 4791 9.6.5). Its first answer is
  checked against client-side expansion; if they disagree, or the server refuses or fails
  (Radicale 3.9 answers 500 for recurring floating events), the source switches to
  client-side expansion for good and says so once.
* `"server"`: server-side expansion only.

Client-side is the default because server-side expansion is only as right as the server:
the contract suite caught Radicale 3.9 returning instances shifted by an hour on one side of
a DST change (depending on how the VTIMEZONE is written and which one it saw first). Use
`"auto"` with a server you have checked (`roomink` contract cases) when calendars are large.

Writing (`WritableSource`): `book`, `end_early`, `extend` each read the room's busy events
right before the PUT and raise `BookingConflict` if the new time overlaps another meeting.
Updates carry `If-Match` with the ETag just read, so a meeting edited meanwhile is not
overwritten (also `BookingConflict`). Creates carry `If-None-Match: *`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Literal

import caldav
from caldav.lib import error as dav_error

from hub.schedule import Event
from hub.sources.backoff import Backoff
from hub.sources.base import (
    BookingConflict,
    SourceAuthError,
    SourceDataError,
    SourceError,
    SourceUnavailable,
)
from hub.sources.ical_edit import (
    BOOKED_MARK,
    booking_calendar,
    occurrence_component,
    set_end,
    single_event,
)
from hub.sources.ics_expand import expand_calendar
from hub.sources.ics_parse import ProblemLog, event_from_component
from hub.sources.redact import redact_url

log = logging.getLogger(__name__)

ExpandMode = Literal["auto", "server", "client"]


def _network_errors() -> tuple[type[BaseException], ...]:
    """Exception types of whichever HTTP library caldav uses (niquests or requests)."""
    errors: list[type[BaseException]] = [OSError]
    try:
        import niquests

        errors.append(niquests.RequestException)
    except ImportError:  # pragma: no cover - depends on what caldav pulled in
        pass
    import requests

    errors.append(requests.RequestException)
    return tuple(errors)


_NETWORK_ERRORS = _network_errors()


class CalDavSource:
    """One room's CalDAV calendar at `url` (the calendar collection itself, not the server)."""

    def __init__(self, url: str, username: str, password: str, tz: tzinfo, *,
                 expand: ExpandMode = "client", timeout: float = 30.0,
                 verify: bool | str = True, clock: Callable[[], datetime] | None = None,
                 backoff: Backoff | None = None) -> None:
        self.url = url if url.endswith("/") else url + "/"
        self.tz = tz
        self.expand: ExpandMode = expand
        self.shown = redact_url(self.url)
        self.backoff = backoff or Backoff()
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self._client = caldav.DAVClient(
            url=self.url, username=username, password=password, timeout=max(1, round(timeout)),
            ssl_verify_cert=verify, require_tls=not self.url.lower().startswith("http://"),
            enable_rfc6764=False,
        )
        self._calendar = self._client.calendar(url=self.url)
        self._problems = ProblemLog(log)
        self._server_checked = False

    @property
    def next_attempt(self) -> float | None:
        """`time.monotonic()` before which another attempt is pointless; None while healthy."""
        return self.backoff.next_attempt

    # --- errors -------------------------------------------------------------------------

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Turn caldav and network exceptions into one-line `SourceError`s.

        The text stays the same while the same fault persists (the delay is in `retry_after`,
        not in the message), so a caller that logs on change logs once.
        """
        try:
            yield
            self.backoff.success()
        except SourceError:
            raise
        except dav_error.AuthorizationError as exc:
            raise SourceAuthError(f"{self.shown}: {action}: the server refused the username "
                                  f"or password, or the user may not use this calendar "
                                  f"(HTTP {exc.status or '401/403'})") from None
        except dav_error.NotFoundError:
            raise SourceAuthError(f"{self.shown}: {action}: no calendar at this address "
                                  "(HTTP 404); check the calendar URL") from None
        except dav_error.RateLimitError as exc:
            delay = self.backoff.failure(exc.retry_after_seconds)
            raise SourceUnavailable(f"{self.shown}: {action}: server is throttling", delay) \
                from None
        except dav_error.DAVError as exc:
            status = getattr(exc, "status", None)
            delay = self.backoff.failure()
            raise SourceUnavailable(f"{self.shown}: {action}: server error "
                                    f"({type(exc).__name__}, HTTP {status or '?'})", delay) \
                from None
        except _NETWORK_ERRORS as exc:
            delay = self.backoff.failure()
            kind = "timed out" if "timeout" in type(exc).__name__.lower() else "unreachable"
            raise SourceUnavailable(f"{self.shown}: {action}: server {kind} "
                                    f"({type(exc).__name__})", delay) from None

    # --- reading ------------------------------------------------------------------------

    def fetch(self, start: datetime, end: datetime) -> list[Event]:
        with self._errors("reading events"):
            if self.expand != "client":
                try:
                    events = self._fetch_server_expanded(start, end)
                except (dav_error.ReportError, SourceDataError) as exc:
                    if self.expand == "server":
                        raise
                    self._give_up_server_expansion(f"failed ({type(exc).__name__})")
                else:
                    if self.expand == "server" or self._server_checked:
                        return events
                    return self._check_server_expansion(events, start, end)
            return self._fetch_client_expanded(start, end)

    def _give_up_server_expansion(self, why: str) -> None:
        log.warning("%s: server-side expansion %s; expanding recurrences here from now on",
                    self.shown, why)
        self.expand = "client"

    def _check_server_expansion(self, events: list[Event], start: datetime,
                                end: datetime) -> list[Event]:
        """In "auto" mode, compare the server's first expansion with our own, once."""
        ours = self._fetch_client_expanded(start, end)
        if _comparable(ours) != _comparable(events):
            self._give_up_server_expansion(
                f"disagrees with the stored events ({len(events)} vs {len(ours)} in the "
                "first window, or times differ)")
            return ours
        self._server_checked = True
        return events

    def _fetch_server_expanded(self, start: datetime, end: datetime) -> list[Event]:
        objects = self._calendar.search(start=start, end=end, event=True, expand=True,
                                        server_expand=True)
        events, problems = [], []
        for obj in objects:
            try:
                component = obj.icalendar_component
            except Exception as exc:
                raise SourceDataError(f"server returned an unreadable object ({exc})") from None
            if component.get("RRULE") is not None or component.get("RDATE") is not None:
                raise SourceDataError("server returned unexpanded recurrences")
            try:
                event = event_from_component(component, self.tz)
            except Exception as exc:
                problems.append(f"{self.shown}: skipped event {str(component.get('UID'))!r}: "
                                f"{exc}")
                continue
            if event.start < end and (event.end > start or event.start == start):
                events.append(event)
        self._problems.report(problems)
        return sorted(events, key=lambda e: (e.start, e.end, e.uid))

    def _fetch_client_expanded(self, start: datetime, end: datetime) -> list[Event]:
        objects = self._calendar.search(start=start, end=end, event=True, expand=False)
        events, problems = [], []
        for obj in objects:
            try:
                instance = obj.icalendar_instance
            except Exception as exc:  # one unreadable object must not fail the room
                problems.append(f"{self.shown}: skipped unreadable object "
                                f"{str(obj.url).rsplit('/', 1)[-1][:60]!r}: "
                                f"{' '.join(str(exc).split())[:100]}")
                continue
            expansion = expand_calendar(instance, start, end, self.tz, self.shown)
            events.extend(expansion.events)
            problems.extend(expansion.problems)
        self._problems.report(problems)
        return sorted(events, key=lambda e: (e.start, e.end, e.uid))

    # --- booking ------------------------------------------------------------------------

    def _conflicts(self, start: datetime, end: datetime, ignore_uid: str = "") -> list[Event]:
        return [e for e in self._fetch_client_expanded(start, end)
                if e.busy and e.uid != ignore_uid and e.start < end and e.end > start]

    def _refuse_if_taken(self, start: datetime, end: datetime, ignore_uid: str = "") -> None:
        conflicts = self._conflicts(start, end, ignore_uid)
        if conflicts:
            first = conflicts[0]
            raise BookingConflict(
                f"room is taken {first.start.astimezone(self.tz):%H:%M}–"
                f"{first.end.astimezone(self.tz):%H:%M} ({first.display_subject})", conflicts)

    def book(self, start: datetime, end: datetime, subject: str) -> Event:
        """Create a meeting in [start, end) unless a busy event overlaps it."""
        if end <= start:
            raise ValueError("a booking must end after it starts")
        calendar, vevent = booking_calendar(f"{uuid.uuid4()}@roomink", start, end, subject,
                                            self.clock())
        with self._errors("booking"):
            self._refuse_if_taken(start, end)
            try:
                self._calendar.add_event(calendar.to_ical().decode(), no_overwrite=True)
            except dav_error.ConsistencyError:
                raise BookingConflict("an event with this UID already exists") from None
        return event_from_component(vevent, self.tz)

    def _load(self, uid: str):
        try:
            obj = self._calendar.get_event_by_uid(uid)
        except dav_error.NotFoundError:
            raise BookingConflict(f"meeting {uid!r} no longer exists") from None
        obj.load()  # a fresh body and its ETag, for If-Match
        return obj

    def _save(self, obj, action: str) -> None:
        try:
            obj.save(precondition="etag", increase_seqno=True)
        except dav_error.ETagMismatchError:
            raise BookingConflict(f"{action}: the meeting was changed meanwhile; "
                                  "try again") from None

    def end_early(self, uid: str, when: datetime) -> Event:
        """End the occurrence in progress at `when`.

        A meeting booked at the sign that has not started yet is removed; someone else's
        meeting that has not started is refused (`BookingConflict`): cancelling it is the
        organizer's business, and deleting it here would not tell the attendees.
        """
        with self._errors("ending a meeting"):
            obj = self._load(uid)
            instance = obj.icalendar_instance
            single = single_event(instance)
            if single is not None and event_from_component(single, self.tz).start >= when:
                current = event_from_component(single, self.tz)
                if single.get(BOOKED_MARK) is None:
                    raise BookingConflict("the meeting has not started; only its organizer "
                                          "can cancel it")
                obj.delete(if_match=True)
                return replace(current, end=current.start, busy=False)
            component = occurrence_component(instance, when, self.tz)
            if component is None:
                raise BookingConflict("the meeting is not on at that time")
            set_end(component, when, self.tz, self.clock())
            self._save(obj, "ending a meeting")
            return event_from_component(component, self.tz)

    def extend(self, uid: str, new_end: datetime) -> Event:
        """Move the end of the occurrence that started last before `new_end`."""
        with self._errors("extending a meeting"):
            obj = self._load(uid)
            instance = obj.icalendar_instance
            component = occurrence_component(instance, new_end - timedelta(seconds=1), self.tz,
                                             before=True)
            if component is None:
                raise BookingConflict("the meeting is not on at that time")
            current = event_from_component(component, self.tz)
            if new_end <= current.end:
                raise ValueError("extend() needs a later end; use end_early() to shorten")
            self._refuse_if_taken(current.end, new_end, ignore_uid=uid)
            set_end(component, new_end, self.tz, self.clock())
            self._save(obj, "extending a meeting")
            return event_from_component(component, self.tz)


def _comparable(events: list[Event]) -> list[tuple]:
    """What two expansions of the same data must agree on (instants, not zones)."""
    return sorted((e.uid, e.start.timestamp(), e.end.timestamp(), e.busy, e.all_day)
                  for e in events)
