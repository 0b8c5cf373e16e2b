"""The dashboard's ASGI app: pages, screen PNGs, admin actions, JSON, /healthz.

Other features (booking) add their own starlette routes through `build_app(extra_routes=)`;
they are served by the same server, behind the same access check unless they declare a
public path prefix.
"""

from __future__ import annotations

import asyncio
import hmac
import threading
from collections.abc import Sequence
from urllib.parse import parse_qs, quote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import BaseRoute, Route

from hub.web import pages, snapshot
from hub.web.access import COOKIE, AccessGuard, CsrfTokens, same_origin, session_value
from hub.web.snapshot import Context
from hub.web.tiles import TileCache

MAX_TEXT = 60
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
FLASH = {
    "draw": "Test screen sent to node {node}: it shows it now if awake, else at its next wake.",
    "redraw": "Node {node} gets its current screen again (a sleeping node at its next wake).",
}


class Dashboard:
    """Request handlers over one hub `Context`."""

    def __init__(self, ctx: Context, tiles: TileCache | None = None) -> None:
        self.ctx = ctx
        self.tiles = tiles or TileCache()
        self.csrf = CsrfTokens()

    # -- helpers ------------------------------------------------------------------------
    def _room_of(self, node_id: str):
        room_id = self.ctx.hub.assignments.get(node_id)
        return self.ctx.config.room(room_id) if room_id else None

    def _known_node(self, node_id: str) -> bool:
        return node_id in self.ctx.hub.assignments or node_id in self.ctx.hub.nodes

    def _room_data(self, room_id: str) -> dict | None:
        return next((r for r in snapshot.rooms(self.ctx) if r["id"] == room_id), None)

    def warm(self, stop: threading.Event | None = None) -> int:
        """Render every acknowledged picture into the cache (at start: a fast first page).

        Returns how many pictures were rendered; `stop` ends it early.
        """
        rendered = 0
        for node_id, link in list(self.ctx.hub.links.items()):
            if stop is not None and stop.is_set():
                break
            compressed, crc = link.acked_planes, link.acked_crc
            room = self._room_of(node_id)
            profile = self.ctx.hub.profile_for(node_id, room.display if room else "4.2-bwr")
            if compressed is None or crc is None or self.tiles.get(crc, profile) is not None:
                continue
            try:
                self.tiles.render(compressed, profile)
                rendered += 1
            except ValueError:  # planes of another panel size: served as an error later
                continue
        return rendered

    # -- pages --------------------------------------------------------------------------
    async def grid(self, request: Request) -> Response:
        html = pages.grid_page(snapshot.rooms(self.ctx), snapshot.unassigned_nodes(self.ctx),
                               snapshot.health(self.ctx), self.ctx.nav)
        return HTMLResponse(html)

    async def room(self, request: Request) -> Response:
        room = self._room_data(request.path_params["room_id"])
        if room is None:
            return PlainTextResponse("no such room\n", status_code=404)
        now = self.ctx.now()
        events = snapshot.schedule_view(self.ctx.hub.feeds[room["id"]].schedule, now)
        span = (now.timestamp() - 30 * 86400, now.timestamp())
        cards = []
        for node in room["nodes"]:
            forms = {action: self.csrf.token(f"{action}:{node['id']}")
                     for action in ("redraw", "draw")}
            cards.append(pages.node_card(node, snapshot.history_view(self.ctx, node["id"]),
                                         forms, self.ctx.web.low_battery_mv, span,
                                         self.ctx.config.tz))
        done, node_id = request.query_params.get("done"), request.query_params.get("node", "")
        flash = FLASH[done].format(node=node_id) if done in FLASH else None
        return HTMLResponse(pages.room_page(room, events, cards, flash,
                                            snapshot.health(self.ctx), self.ctx.nav,
                                            self.ctx.config.tz))

    async def screen(self, request: Request) -> Response:
        """PNG of what the node's panel shows; the versioned URL is cached forever."""
        node_id = request.path_params["node_id"]
        wanted = request.path_params.get("crc")
        room = self._room_of(node_id)
        profile = self.ctx.hub.profile_for(node_id, room.display if room else "4.2-bwr")
        if wanted is not None:
            try:
                png = self.tiles.get(int(wanted, 16), profile)
            except ValueError:
                return PlainTextResponse("bad picture id\n", status_code=404)
            if png is not None:
                return Response(png, media_type="image/png", headers=IMMUTABLE)
        link = self.ctx.hub.links.get(node_id)
        compressed = link.acked_planes if link else None
        if compressed is None:
            return PlainTextResponse("no picture acknowledged by this node\n", status_code=404)
        try:
            crc, png = await run_in_threadpool(self.tiles.render, compressed, profile)
        except ValueError as exc:
            return PlainTextResponse(f"cannot show this picture: {exc}\n", status_code=404)
        if wanted is None:
            return Response(png, media_type="image/png",
                            headers={"Cache-Control": "no-cache", "ETag": f'"{crc:08x}"'})
        if crc != int(wanted, 16):
            return PlainTextResponse("the node no longer shows this picture\n", status_code=404)
        return Response(png, media_type="image/png", headers=IMMUTABLE)

    # -- actions ------------------------------------------------------------------------
    async def command(self, request: Request) -> Response:
        node_id, action = request.path_params["node_id"], request.path_params["action"]
        if action not in FLASH or not self._known_node(node_id):
            return PlainTextResponse("no such node or action\n", status_code=404)
        form = await _form(request)
        if not same_origin(request.headers) or not self.csrf.check(f"{action}:{node_id}",
                                                                   form.get("csrf")):
            return PlainTextResponse("form expired or not from this dashboard: reload the "
                                     "page and try again\n", status_code=403)
        command = {"cmd": action, "node": node_id}
        if action == "draw":
            command["text"] = (form.get("text") or "").strip()[:MAX_TEXT] or "roomink test"
        self.ctx.hub.submit_command(command)
        room = self._room_of(node_id)
        target = f"/rooms/{quote(room.id)}" if room else "/"
        return RedirectResponse(f"{target}?done={action}&node={quote(node_id)}", status_code=303)

    # -- machines -----------------------------------------------------------------------
    async def api_status(self, request: Request) -> Response:
        problems = snapshot.health(self.ctx)
        return JSONResponse({"now": self.ctx.now().isoformat(timespec="seconds"),
                             "healthy": not problems, "problems": problems,
                             "broker_connected": self.ctx.broker_up(),
                             "rooms": snapshot.rooms(self.ctx),
                             "unassigned_nodes": snapshot.unassigned_nodes(self.ctx)})

    async def api_room(self, request: Request) -> Response:
        room = self._room_data(request.path_params["room_id"])
        if room is None:
            return JSONResponse({"error": "no such room"}, status_code=404)
        room["schedule"] = snapshot.schedule_view(self.ctx.hub.feeds[room["id"]].schedule,
                                                  self.ctx.now())
        for node in room["nodes"]:
            node["history"] = snapshot.history_view(self.ctx, node["id"])
        return JSONResponse(room)

    async def healthz(self, request: Request) -> Response:
        problems = snapshot.health(self.ctx)
        if problems:
            return PlainTextResponse("\n".join(problems) + "\n", status_code=503)
        return PlainTextResponse("ok\n")

    # -- sign-in ------------------------------------------------------------------------
    async def login(self, request: Request) -> Response:
        token = self.ctx.web.token
        if request.method == "GET":
            return HTMLResponse(pages.login_page(_safe_next(request.query_params.get("next"))))
        form = await _form(request)
        target = _safe_next(form.get("next"))
        given = form.get("token") or ""
        if token is None or not hmac.compare_digest(given.encode(), token.encode()):
            await asyncio.sleep(0.5)  # slows down guessing
            return HTMLResponse(pages.login_page(target, failed=True), status_code=401)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(COOKIE, session_value(token), httponly=True, samesite="strict",
                            max_age=30 * 86400)
        return response

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/", self.grid),
            Route("/rooms/{room_id}", self.room),
            Route("/nodes/{node_id}/screen.png", self.screen),
            Route("/nodes/{node_id}/screen/{crc}.png", self.screen),
            Route("/nodes/{node_id}/{action}", self.command, methods=["POST"]),
            Route("/api/status", self.api_status),
            Route("/api/rooms/{room_id}", self.api_room),
            Route("/healthz", self.healthz),
            Route("/login", self.login, methods=["GET", "POST"]),
        ]


async def _form(request: Request) -> dict[str, str]:
    """A small url-encoded form (no multipart parser needed for two fields)."""
    body = await request.body()
    if len(body) > 8192:
        return {}
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {key: values[0] for key, values in fields.items()}


def _safe_next(value: str | None) -> str:
    """Only same-site paths, so /login cannot be used to send people elsewhere."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def build_app(ctx: Context, *, extra_routes: Sequence[BaseRoute] = (),
              public_prefixes: Sequence[str] = (), tiles: TileCache | None = None) -> Starlette:
    dashboard = Dashboard(ctx, tiles)
    public = tuple(public_prefixes)
    app = Starlette(routes=[*dashboard.routes(), *extra_routes],
                    middleware=[Middleware(AccessGuard, web=ctx.web,
                                           public_prefixes=lambda: public)])
    app.state.dashboard = dashboard
    return app
