"""Microsoft 365 room calendars through Microsoft Graph (delegated user or app-only).

    m365 = M365Hub(M365Config.from_table(toml["m365"]), poll_interval=300)
    source = m365.source("room@contoso.com")   # a hub CalendarSource; rooms share $batch
    source.fetch(start, end)                   # [Event], or raises a SourceError subclass
    m365.calendars.fetch_many(rooms, start, end)   # {room: [Event] | SourceError}

Modules: config (clouds, settings), auth (msal, token cache file), graph (HTTP client:
retries, paging, $batch), events (Graph event -> Event), source (room calendars), rooms
(discovery), doctor (setup diagnostics), booking (write path), errors (what to tell the admin).
"""

from __future__ import annotations

import threading

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
    "M365Config", "M365Hub", "RoomBooking", "connect", "make_auth", "make_session",
]


def connect(config: M365Config, session: requests.Session | None = None) -> GraphClient:
    """A Graph client with the token provider `config.auth` asks for."""
    session = session or make_session(config)
    return GraphClient(config, make_auth(config, session), session)


_SHARED: dict[tuple[M365Config, float], M365Hub] = {}
_SHARED_LOCK = threading.Lock()


class M365Hub:
    """What one hub needs for its Microsoft 365 rooms: one session, one token provider, one
    Graph client, and one batch group so rooms polled one by one share `$batch` refreshes.

    `poll_interval` is the hub's per-room poll interval in seconds.
    """

    def __init__(self, config: M365Config, poll_interval: float,
                 session: requests.Session | None = None) -> None:
        self.config = config
        self.client = connect(config, session)
        self.calendars = GraphRoomCalendars(self.client, config.timezone, config.page_size)
        self.group = GraphRoomGroup(self.calendars, max_age=poll_interval * 0.9)
        for room in config.rooms:
            self.group.add(room)

    @classmethod
    def shared(cls, config: M365Config, poll_interval: float) -> M365Hub:
        """One instance per distinct config in this process, so every room shares it."""
        with _SHARED_LOCK:
            key = (config, poll_interval)
            if key not in _SHARED:
                _SHARED[key] = cls(config, poll_interval)
            return _SHARED[key]

    def source(self, mailbox: str) -> GraphRoomSource:
        return self.group.add(mailbox.lower())

    def booking(self, mailbox: str) -> RoomBooking:
        return RoomBooking(self.client, self.calendars, mailbox.lower())
