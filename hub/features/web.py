"""`[web]`: the dashboard, served by `roomink run` (docs/dashboard.md).

Other features put pages on the same server by defining any of these methods; they are
collected when the dashboard starts (after every feature was created):

    web_routes() -> list[starlette.routing.BaseRoute]
    web_public_prefixes() -> list[str]     # paths served without the token (e.g. "/book/")
    web_nav() -> list[tuple[str, str]]     # (label, path) links in the page header
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from hub.history import NodeHistory
from hub.web import Context, WebServer, build_app, parse_web_config
from hub.web.config import WebConfig

log = logging.getLogger(__name__)


def create(app) -> WebFeature | None:
    web = parse_web_config(app.config)
    return WebFeature(app, web) if web is not None else None


class WebFeature:
    def __init__(self, app, web: WebConfig) -> None:
        self.web = web
        self.hub = app.hub
        self.history = NodeHistory(Path(app.config.state_dir) / "history.sqlite")
        self.server: WebServer | None = None
        self._stop = threading.Event()
        self._warmer: threading.Thread | None = None
        # Attached now, before the hub's worker starts, so no wake goes unrecorded.
        self.hub.uplink_listeners.append(self._on_uplink)

    def _on_uplink(self, node_id: str, kind: str, message: dict) -> None:
        """Runs on the hub's worker thread: one history row per wake (its status message)."""
        if kind == "status":
            link = self.hub.links.get(node_id)
            self.history.record(node_id, self.hub.clock(), message,
                                link.bytes_sent if link else 0)

    def start(self, app) -> None:
        routes: list = []
        public: list[str] = []
        nav: list[tuple[str, str]] = []
        for feature in app.features:
            if feature is self:
                continue
            routes.extend(getattr(feature, "web_routes", list)())
            public.extend(getattr(feature, "web_public_prefixes", list)())
            nav.extend(getattr(feature, "web_nav", list)())

        def transport_up() -> bool:
            return app.transport is not None and app.transport.connected.is_set()

        ctx = Context(app.hub, self.web, self.history, broker_up=transport_up, nav=nav)
        asgi = build_app(ctx, extra_routes=routes, public_prefixes=public)
        self.server = WebServer(asgi, self.web.host, self.web.port)
        self.server.start()
        # Pictures are rendered on first view and cached; render them now in the background
        # so the first page after a restart is as fast as the next.
        self._warmer = threading.Thread(target=asgi.state.dashboard.warm, args=(self._stop,),
                                        name="web-warm", daemon=True)
        self._warmer.start()

    def stop(self) -> None:
        self._stop.set()
        if self._warmer is not None:
            self._warmer.join(timeout=10)
        if self._on_uplink in self.hub.uplink_listeners:
            self.hub.uplink_listeners.remove(self._on_uplink)
        if self.server is not None:
            self.server.stop()
        self.history.close()
