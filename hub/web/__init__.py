"""The hub's web dashboard: every room's screen and every node's health (docs/dashboard.md).

`build_app` makes the ASGI app over a hub `Context`; `WebServer` serves it with uvicorn in a
thread; `parse_web_config` reads the `[web]` table. `hub.features.web` wires them into
`roomink run`.
"""

from hub.web.app import build_app
from hub.web.config import WebConfig, parse_web_config
from hub.web.server import WebServer
from hub.web.snapshot import Context

__all__ = ["Context", "WebConfig", "WebServer", "build_app", "parse_web_config"]
