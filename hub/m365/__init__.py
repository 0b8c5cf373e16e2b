"""Microsoft 365 room calendars through Microsoft Graph (delegated user or app-only).

    m365 = M365Hub.shared(M365Config.from_table(toml["m365"]), poll_interval=300,
                          mailboxes=hub_mailboxes(hub_config))   # every room known up front
    source = m365.source("room@contoso.com")   # a hub CalendarSource; rooms share $batch
    source.fetch(start, end)                   # [Event], or raises a SourceError subclass
    m365.calendars.fetch_many(rooms, start, end)   # {room: [Event] | SourceError}

Modules: config (clouds, settings), auth (msal, token cache file), graph (HTTP client:
retries, paging, $batch), events (Graph event -> Event), source (room calendars), rooms
(discovery), doctor (setup diagnostics), booking (write path), errors (what to tell the admin).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import requests

from hub.m365.auth import AppOnlyAuth, DelegatedAuth, make_auth, make_session
from hub.m365.booking import RoomBooking
from hub.m365.config import CLOUDS, ConfigError, M365Config
from hub.m365.errors import GraphAuthError, GraphBugError, GraphUnavailable
from hub.m365.graph import GraphClient
from hub.m365.source import GraphRoomCalendars, GraphRoomGroup, GraphRoomSource

__all__ = [
    "CLOUDS", "AppOnlyAuth", "ConfigError", "DelegatedAuth", "GraphAuthError", "GraphBugError",
    "GraphClient", "GraphRoomCalendars", "GraphRoomGroup", "GraphRoomSource", "GraphUnavailable",
    "M365Config", "M365Hub", "RoomBooking", "connect", "hub_mailboxes", "make_auth",
    "make_session",
]


def hub_mailboxes(hub_config: Any) -> tuple[str, ...]:
    """The mailbox of every `[[rooms]]` table read through Microsoft 365, lowercased.

    Handing them all to `M365Hub.shared` when it is built makes the first poll round one
    `$batch` refresh instead of one per room. `hub_config` is a `hub.config.HubConfig`.
    """
    return tuple(dict.fromkeys(
        str(room.calendar.options.get("mailbox", "")).lower() for room in hub_config.rooms
        if room.calendar.type == "m365" and room.calendar.options.get("mailbox")))


def hub_poll_interval(hub_config: Any) -> float:
    """How old a batched answer may be: the shortest poll interval of the Microsoft 365 rooms
    (a room's own `poll_interval`, else the hub's), so a faster room is really polled faster.
    The hub's sources and its booking writer must pass the same value to share one client."""
    return min((room.poll_interval_s or hub_config.poll_interval_s for room in hub_config.rooms
                if room.calendar.type == "m365"), default=hub_config.poll_interval_s)


def connect(config: M365Config, session: requests.Session | None = None) -> GraphClient:
    """A Graph client with the token provider `config.auth` asks for."""
    session = session or make_session(config)
    return GraphClient(config, make_auth(config, session), session)


_SHARED: dict[tuple[M365Config, float], M365Hub] = {}
_SHARED_LOCK = threading.Lock()


class M365Hub:
    """What one hub needs for its Microsoft 365 rooms: one session, one token provider, one
    Graph client, and one batch group so rooms polled one by one share `$batch` refreshes.

    `poll_interval` is the hub's per-room poll interval in seconds; `mailboxes` are the rooms
    the hub will poll (see `hub_mailboxes`), known to the batch group from the start.
    """

    def __init__(self, config: M365Config, poll_interval: float,
                 session: requests.Session | None = None, mailboxes: Iterable[str] = ()) -> None:
        self.config = config
        self.client = connect(config, session)
        self.calendars = GraphRoomCalendars(self.client, config.timezone, config.page_size)
        self.group = GraphRoomGroup(self.calendars, max_age=poll_interval * 0.9)
        self.group.add_all((*config.rooms, *mailboxes))

    @classmethod
    def shared(cls, config: M365Config, poll_interval: float,
               mailboxes: Iterable[str] = ()) -> M365Hub:
        """One instance per distinct config in this process, so every room shares it.

        `mailboxes` join the batch group (of a new or an existing instance).
        """
        with _SHARED_LOCK:
            key = (config, poll_interval)
            if key not in _SHARED:
                _SHARED[key] = cls(config, poll_interval, mailboxes=mailboxes)
                return _SHARED[key]
            m365 = _SHARED[key]
        m365.group.add_all(mailboxes)  # e.g. built first by the booking writer, without them
        return m365

    def source(self, mailbox: str) -> GraphRoomSource:
        return self.group.add(mailbox.lower())

    def booking(self, mailbox: str) -> RoomBooking:
        return RoomBooking(self.client, self.calendars, mailbox.lower())
