"""Wires booking into a hub: button labels and presses on the signs, the phone page's server."""

from __future__ import annotations

import logging
from pathlib import Path

from hub.booking.config import BookingConfig
from hub.booking.m365 import m365_writers
from hub.booking.server import ThreadedServer
from hub.booking.service import BookingService
from hub.booking.sign import SignBooking
from hub.booking.tokens import RoomTokens, load_secret
from hub.booking.web import BookingPages
from renderer.strings import get_locale

log = logging.getLogger(__name__)


class BookingFeature:
    """Booking for every room of `hub`; `start()` serves the phone page, `stop()` ends it.

    `serve=False` leaves serving to the web dashboard, which collects `web_routes()` and
    `web_public_prefixes()` (the page needs no dashboard token: its room token is the key).
    """

    def __init__(self, hub, config: BookingConfig, state_dir: Path, *,
                 serve: bool = True) -> None:
        self.hub = hub
        self.config = config
        secret = load_secret(Path(state_dir))
        self.tokens = RoomTokens(secret, list(hub.feeds))
        sources = {r: f.source for r, f in hub.feeds.items()}
        sources.update(m365_writers(hub.config, hub.feeds))
        self.service = BookingService(sources,
                                      lambda room_id: hub.feeds[room_id].schedule,
                                      get_locale(hub.config.locale), config.subject)
        self.sign = SignBooking(hub, self.service, config, self.tokens)
        self.sign.install()
        self.pages = BookingPages(self.sign, secret)
        self.server = ThreadedServer(self.pages.router(), config.host, config.port) \
            if serve else None
        for room_id in hub.feeds:
            if not self.service.writable(room_id):
                log.info("room %s: calendar is read-only; its sign and page say so", room_id)

    def web_routes(self) -> list:
        return [] if self.server is not None else list(self.pages.router().routes)

    def web_public_prefixes(self) -> list[str]:
        return [] if self.server is not None else ["/book/"]

    def start(self, app=None) -> None:
        if self.server is not None:
            self.server.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    @property
    def base_url(self) -> str:
        assert self.server is not None
        host = self.config.host if self.config.host not in ("", "0.0.0.0") else "127.0.0.1"
        return f"http://{host}:{self.server.port}"
