"""`roomink doctor`: check every step of the Microsoft 365 setup and name the one that fails."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from hub.m365.auth import make_auth, make_session
from hub.m365.doctor import FAIL, Doctor
from hub.m365.graph import GraphClient
from hub.m365.options import add_options, config_from_args


def register(subparsers) -> None:
    p = subparsers.add_parser("doctor", help="diagnose Microsoft 365 sign-in, permissions, rooms")
    add_options(p)
    p.add_argument("--room", action="append", default=[], metavar="ADDRESS",
                   help="room mailbox to check (repeatable; default: the configured rooms)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    session = make_session(config)
    # Few retries: a diagnosis should answer quickly, and say "temporarily unavailable".
    client = GraphClient(config, make_auth(config, session), session, max_retries=2,
                         max_wait=10)
    rooms = list(dict.fromkeys(args.room or config.rooms))
    findings = Doctor(config, client.auth, client).run(rooms, datetime.now(UTC))
    for finding in findings:
        print(finding.line())
    failed = [f for f in findings if f.status == FAIL]
    print(f"{len(failed)} problem(s) found" if failed else "all checks passed")
    return 1 if failed else 0
