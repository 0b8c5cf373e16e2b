"""Hardening of node -> hub messages: every field the hub reads has the type it expects, or
the field is dropped. Hostile or buggy JSON ({"profile": []}, {"seq": "7"}, {"missing": 1e9})
never reaches code that would trip over it; the message keeps its other, valid fields.
"""

from __future__ import annotations

import logging
import math
import time

log = logging.getLogger(__name__)

_U32 = 1 << 32


def _uint(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < _U32


def _int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and -_U32 < v < _U32


def _short_str(v: object) -> bool:
    return isinstance(v, str) and len(v) <= 200


def _opt_uint(v: object) -> bool:
    return v is None or _uint(v)


def _colors(v: object) -> bool:
    return isinstance(v, list) and len(v) <= 4 and all(_short_str(c) for c in v)


def _missing(v: object) -> bool:
    return isinstance(v, list) and len(v) <= 1024 and all(_uint(i) for i in v)


def _layouts(v: object) -> bool:
    return isinstance(v, list) and len(v) <= 8 and all(_uint(i) for i in v)


def _opt_str(v: object) -> bool:
    return v is None or _short_str(v)


def _number(v: object) -> bool:
    return _int(v) or (isinstance(v, float) and math.isfinite(v))


# kind -> {field: check}; fields not listed pass through untouched (additive protocol changes).
FIELDS: dict[str, dict] = {
    "hello": {"v": _uint, "fw": _short_str, "profile": _short_str, "ctrl": _short_str,
              "w": _uint, "h": _uint, "colors": _colors, "max_msg": _uint, "wbits": _uint,
              "layouts": _layouts, "heap": _uint, "wake_id": _uint, "seq": _opt_uint,
              "mac_seq": _uint},
    "status": {"battery_mv": _number, "rssi": _number, "wake": _short_str,
               "uptime_ms": _number, "seq": _opt_uint, "err": _opt_str, "msg": _opt_str},
    "ack": {"seq": _uint, "ok": lambda v: isinstance(v, bool), "err": _short_str,
            "msg": _short_str, "missing": _missing},
    "button": {"mask": _uint, "seq": _opt_uint, "wake_id": _uint, "mac": _short_str},
}
# Without these a message means nothing.
REQUIRED = {"hello": ("profile",), "ack": ("seq",), "button": ("mask",)}


def sanitize(kind: str, message: dict) -> tuple[dict | None, list[str]]:
    """(message with badly typed fields removed, names of removed fields); None when a required
    field is missing or bad."""
    checks = FIELDS.get(kind, {})
    dropped = [k for k, check in checks.items() if k in message and not check(message[k])]
    clean = {k: v for k, v in message.items() if k not in dropped}
    if any(k not in clean for k in REQUIRED.get(kind, ())):
        return None, dropped
    return clean, dropped


class LogOnce:
    """Logs a warning the first time a (node, reason) is seen, then stays quiet: a node (or an
    attacker) sending the same bad message in a loop costs one log line, not a full disk.

    Bounded: once `limit` distinct keys were logged, further new ones are counted, not logged,
    until `window` seconds have passed; then one line says how many were suppressed."""

    def __init__(self, logger: logging.Logger, limit: int = 256, window: float = 3600.0,
                 clock=time.monotonic) -> None:
        self.logger = logger
        self.limit = limit
        self.window = window
        self.clock = clock
        self.seen: set[tuple[str, str]] = set()
        self.suppressed = 0
        self.since = clock()

    def warning(self, node_id: str, reason: str, msg: str, *args: object) -> None:
        key = (node_id, reason)
        if key in self.seen:
            return
        now = self.clock()
        if now - self.since > self.window:
            if self.suppressed:
                self.logger.warning("%d more bad node messages were not logged", self.suppressed)
            self.seen.clear()
            self.suppressed = 0
            self.since = now
        if len(self.seen) >= self.limit:
            if not self.suppressed:
                self.logger.warning("many distinct bad node messages: further ones are counted, "
                                    "not logged, for the next hour")
            self.suppressed += 1
            return
        self.seen.add(key)
        self.logger.warning(msg, *args)
