"""Builds the calendar source a room's config names, and keeps each room's last good schedule."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, time, timedelta, tzinfo

from hub.config import CalendarConfig, HubConfig
from hub.errors import UserError
from hub.schedule import Event, RoomSchedule
from hub.sources.base import CalendarSource, SourceAuthError, SourceError, SourceUnavailable

log = logging.getLogger(__name__)


def make_source(calendar: CalendarConfig, config: HubConfig) -> CalendarSource:
    """The source a room's `calendar` names; a UserError names the key to fix."""
    if calendar.type == "m365":
        return _m365_source(calendar, config)
    from hub.config import fail_room_option
    from hub.sources.factory import OptionError, source_from_options

    try:
        return source_from_options(calendar.type, calendar.options, config.tz, config.base_dir)
    except OptionError as exc:  # e.g. a secret's file or variable missing at start-up
        fail_room_option(config, calendar, exc)


def _m365_source(calendar: CalendarConfig, config: HubConfig) -> CalendarSource:
    from hub.m365 import M365Hub, hub_mailboxes, hub_poll_interval
    from hub.m365.config import ConfigError as M365ConfigError
    from hub.m365.config import M365Config

    mailbox = calendar.options.get("mailbox")
    unknown = sorted(set(calendar.options) - {"mailbox"})
    if not isinstance(mailbox, str) or "@" not in mailbox or unknown:
        raise UserError('calendar type "m365" takes one option: mailbox = "room@contoso.com"')
    table = config.tables.get("m365")
    if table is None:
        raise UserError(f"{config.path}: rooms use Microsoft 365 but there is no [m365] table "
                        "(see docs/microsoft365.md)")
    table = {"timezone": config.timezone, **table}
    try:
        m365 = M365Config.from_table(table, config.base_dir)
    except (M365ConfigError, ValueError) as exc:
        raise UserError(f"{config.path}: {exc}") from None
    # msal fetches the authority's metadata when its app is built: do that on the first
    # poll, so a hub started while Microsoft is unreachable runs and keeps retrying.
    # Every Microsoft 365 room joins the batch group up front: the first poll round is then
    # one $batch refresh (20 rooms a request), not one request per room.
    mailboxes = hub_mailboxes(config)
    interval = hub_poll_interval(config)
    return LazySource(lambda: M365Hub.shared(m365, interval, mailboxes).source(mailbox))


class LazySource:
    """A source built on first use; failures to build count as failures to fetch."""

    def __init__(self, build: Callable[[], CalendarSource]) -> None:
        self._build = build
        self._source: CalendarSource | None = None

    @property
    def source(self) -> CalendarSource:
        if self._source is None:
            self._source = self._build()
        return self._source

    def fetch(self, start: datetime, end: datetime) -> list[Event]:
        return self.source.fetch(start, end)


def day_window(now: datetime, tz: tzinfo) -> tuple[datetime, datetime]:
    """Today's midnight to the end of tomorrow, in the room's zone: what a sign can show."""
    local = now.astimezone(tz)
    start = datetime.combine(local.date(), time.min, tzinfo=tz)
    return start, datetime.combine(local.date() + timedelta(days=2), time.min, tzinfo=tz)


class RoomFeed:
    """One room's source plus its last good data.

    A failing source never blanks the screen: the last good events stay, and once the source
    has failed for `stale_after` the screen says since when it has not been updated. The feed
    logs once when a source starts failing (again for a different error) and once when it
    recovers — no log spam from a room that stays down for days.
    """

    def __init__(self, room_name: str, source: CalendarSource, tz: tzinfo, *,
                 stale_after: timedelta = timedelta(minutes=15)) -> None:
        self.room_name = room_name
        self.source = source
        self.tz = tz
        self.stale_after = stale_after
        self.schedule = RoomSchedule(room_name)
        self.last_error: str | None = None
        self.failing_since: datetime | None = None
        # After a temporary failure: no new attempt before this moment (the source's backoff,
        # or the server's Retry-After), however often nodes wake or timers fire.
        self.retry_at: datetime | None = None
        # Called with every schedule the source answered (the hub keeps it across restarts).
        self.on_fetched: Callable[[RoomSchedule], None] | None = None

    def restore(self, fetched_at: datetime, events: list[Event]) -> None:
        """Start from data saved before a restart: shown until the source answers, and marked
        stale from `fetched_at` if it keeps failing."""
        events = [replace(e, start=e.start.astimezone(self.tz), end=e.end.astimezone(self.tz))
                  for e in events]
        self.schedule = RoomSchedule(self.room_name, tuple(events),
                                     fetched_at=fetched_at.astimezone(self.tz))

    def poll(self, now: datetime, *, force: bool = False) -> RoomSchedule:
        """The room's schedule as of `now`; `force` (an admin's "poll now") ignores backoff."""
        if self.retry_at is not None and now < self.retry_at and not force:
            return self._keep_last(now)
        start, end = day_window(now, self.tz)
        try:
            events = self.source.fetch(start, end)
        except SourceError as exc:
            if str(exc) != self.last_error:
                level = logging.ERROR if isinstance(exc, SourceAuthError) else logging.WARNING
                log.log(level, "room %s: calendar failing: %s", self.room_name, exc)
            self.last_error = str(exc)
            self.failing_since = self.failing_since or now
            wait = exc.retry_after if isinstance(exc, SourceUnavailable) else None
            self.retry_at = now + timedelta(seconds=wait) if wait else None
            return self._keep_last(now)
        if self.last_error is not None:
            log.info("room %s: calendar reachable again", self.room_name)
            self.last_error = None
        self.failing_since = None
        self.retry_at = None
        self.schedule = RoomSchedule(self.room_name, tuple(events), fetched_at=now)
        if self.on_fetched is not None:
            self.on_fetched(self.schedule)
        return self.schedule

    def _keep_last(self, now: datetime) -> RoomSchedule:
        """The last good events, marked stale once the source has failed for `stale_after`."""
        stale = None
        if self.failing_since is not None and now - self.failing_since >= self.stale_after:
            stale = self.schedule.fetched_at or self.failing_since
        self.schedule = RoomSchedule(self.room_name, self.schedule.events,
                                     self.schedule.fetched_at, stale_since=stale)
        return self.schedule
