"""`roomink run`: the hub as a foreground service (systemd runs exactly this)."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys

from hub.app import BrokerUnavailable, HubApp
from hub.config import load_config

# sysexits.h EX_TEMPFAIL. A config mistake (or a port taken) exits 2, which
# tools/roomink.service does not restart: it would fail the same way forever. A broker that is
# not reachable yet may be next time, so that exits 75, which systemd restarts.
EXIT_RETRY = 75


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for journald / log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
                 "logger": record.name, "msg": record.getMessage()}
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def register(subparsers) -> None:
    p = subparsers.add_parser("run", help="run the hub service in the foreground")
    p.add_argument("--config", "-c", default="roomink.toml", help="hub config file")
    p.add_argument("--broker", help="override the config's broker (mqtt://host:port)")
    p.add_argument("--log-format", choices=("text", "json"), default="text")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.log_format == "json":
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter())
    app = HubApp(load_config(args.config), broker_url=args.broker)
    signal.signal(signal.SIGTERM, lambda *_: app.stopping.set())
    signal.signal(signal.SIGINT, lambda *_: app.stopping.set())
    try:
        app.start()
    except BrokerUnavailable as exc:
        print(f"roomink: error: {exc}", file=sys.stderr)
        return EXIT_RETRY
    try:
        app.wait()
    finally:
        app.stop()
    return 0
