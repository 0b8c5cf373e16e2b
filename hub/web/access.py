"""Who may use the dashboard: loopback clients, or anyone holding the token; plus CSRF tokens.

The token travels as `Authorization: Bearer <token>` (monitoring, scripts) or, for
browsers, as a session cookie set by the /login form. The cookie holds an HMAC of the token,
never the token itself. Features can declare path prefixes that are public (e.g. a booking
page people open from a QR code on a sign).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Callable
from urllib.parse import quote

from starlette.datastructures import Headers
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from hub.web.config import WebConfig

COOKIE = "roomink_session"
LOGIN_PATH = "/login"


def is_loopback_client(host: str | None) -> bool:
    """Only real loopback addresses count; an unknown or unparsable peer is remote."""
    if not host:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def session_value(token: str) -> str:
    return hmac.new(token.encode(), b"roomink-web-session", hashlib.sha256).hexdigest()


def has_valid_token(headers: Headers, token: str) -> bool:
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer ") and hmac.compare_digest(
            auth[7:].strip().encode(), token.encode()):
        return True
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE and hmac.compare_digest(value.encode(), session_value(token).encode()):
            return True
    return False


class AccessGuard:
    """ASGI middleware: refuses remote clients without the token before any route runs."""

    def __init__(self, app: ASGIApp, web: WebConfig,
                 public_prefixes: Callable[[], tuple[str, ...]] = tuple) -> None:
        self.app = app
        self.web = web
        self.public_prefixes = public_prefixes

    def allowed(self, scope: Scope) -> bool:
        path = scope.get("path", "")
        if any(path.startswith(p) for p in self.public_prefixes()):
            return True
        client = scope.get("client")
        local = is_loopback_client(client[0] if client else None)
        token = self.web.token
        if token is None:
            return local
        if (local and not self.web.localhost_needs_token) or path == LOGIN_PATH:
            return True
        return has_valid_token(Headers(scope=scope), token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.allowed(scope):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        response: Response
        if self.web.token is None:
            response = PlainTextResponse("the dashboard is only served to this machine\n",
                                         status_code=403)
        elif scope.get("method") == "GET" and "text/html" in headers.get("accept", ""):
            target = scope.get("path", "/")
            response = HTMLResponse(status_code=401, content=(
                '<!doctype html><meta http-equiv="refresh" content="0; url='
                f'{LOGIN_PATH}?next={quote(target, safe="/")}">token required'))
        else:
            response = PlainTextResponse("token required (Authorization: Bearer <token>)\n",
                                         status_code=401,
                                         headers={"WWW-Authenticate": "Bearer"})
        await response(scope, receive, send)


class CsrfTokens:
    """A per-process secret behind every form: a page from this server is needed to post.

    Another site can make a browser *send* a form to the dashboard but cannot *read* a page
    from it, so it cannot know the token. After a hub restart old pages need a reload.
    """

    def __init__(self) -> None:
        self._secret = secrets.token_bytes(32)

    def token(self, action: str) -> str:
        return hmac.new(self._secret, action.encode(), hashlib.sha256).hexdigest()[:32]

    def check(self, action: str, value: str | None) -> bool:
        return bool(value) and hmac.compare_digest(str(value).encode(),
                                                   self.token(action).encode())


def same_origin(headers: Headers) -> bool:
    """False when the browser says the request comes from another site (Origin header)."""
    origin = headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    host = headers.get("host", "")
    return origin.split("://", 1)[-1].rstrip("/") == host
