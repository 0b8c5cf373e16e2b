"""The `[web]` table: where the dashboard listens, who may use it, what counts as unhealthy.

Validated when the hub starts, with errors that name file, line and key like the rest of
the config (`roomink.toml:31: web.listen: ...`).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from hub.config import HubConfig, _Validator

DEFAULT_LISTEN = "127.0.0.1:8080"
MIN_TOKEN_LENGTH = 16
KEYS = ("listen", "token", "token_file", "low_battery_mv", "calendar_failing_after",
        "broker_failing_after", "localhost_needs_token")


@dataclass(frozen=True)
class WebConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    token: str | None = None
    # Battery below this is marked "low" on the dashboard (single Li-ion cell: ~3.5 V is
    # roughly the last 10 % before ESP32 boards brown out).
    low_battery_mv: int = 3500
    # /healthz fails once a room's calendar has been failing for this many seconds.
    calendar_failing_after: int = 1800
    # ... and once the hub has been cut off from its MQTT broker this long. paho reconnects by
    # itself (after 1 s, backing off to 30 s), so a broker restart alone does not page anyone.
    broker_failing_after: int = 120
    # With a reverse proxy on the same machine every client looks local: then set this.
    localhost_needs_token: bool = False

    @property
    def loopback_only(self) -> bool:
        return is_loopback_host(self.host)


def is_loopback_host(host: str) -> bool:
    """True for names and addresses only this machine can reach (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_web_config(config: HubConfig) -> WebConfig | None:
    """The dashboard's settings, or None when the config has no `[web]` table."""
    table = config.tables.get("web")
    if table is None:
        return None
    v = _Validator(config.path, config.text)
    v.only_keys(table, "web", KEYS)
    host, port = v.listen(table, "web", DEFAULT_LISTEN)
    listen = table.get("listen", DEFAULT_LISTEN)
    token = v.secret(table, "token", "web", config.base_dir)
    key = "token_file" if "token_file" in table else "token"
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        v.fail(f"web.{key}", f"the token must be at least {MIN_TOKEN_LENGTH} characters "
               "(e.g. `openssl rand -hex 16`)")
    if token is None and not is_loopback_host(host):
        v.fail("web.listen", f"{listen!r} can be reached from other machines: set "
               "web.token (or web.token_file), or listen on 127.0.0.1")
    low = v.get(table, "low_battery_mv", int, "web", WebConfig.low_battery_mv)
    if not 0 < low < 10000:
        v.fail("web.low_battery_mv", f"{low}: millivolts, e.g. 3500")
    failing_after = v.get(table, "calendar_failing_after", int, "web",
                          WebConfig.calendar_failing_after)
    if failing_after < 0:
        v.fail("web.calendar_failing_after", f"{failing_after}: seconds, 0 or more")
    broker_after = v.get(table, "broker_failing_after", int, "web",
                         WebConfig.broker_failing_after)
    if broker_after < 0:
        v.fail("web.broker_failing_after", f"{broker_after}: seconds, 0 or more")
    needs_token = v.get(table, "localhost_needs_token", bool, "web", False)
    if needs_token and token is None:
        v.fail("web.localhost_needs_token", "needs web.token or web.token_file")
    return WebConfig(host=host, port=port, token=token, low_battery_mv=low,
                     calendar_failing_after=failing_after, broker_failing_after=broker_after,
                     localhost_needs_token=needs_token)
