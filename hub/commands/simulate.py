"""`roomink simulate --nodes N`: N virtual display nodes against a broker, for load tests."""

from __future__ import annotations

import argparse
import signal
import threading
import time

from hub.errors import UserError
from hub.simfleet import SimFleet
from hub.transport import BrokerAddress
from renderer.profiles import get_profile


def register(subparsers) -> None:
    p = subparsers.add_parser("simulate", help="run N virtual display nodes (load testing)")
    p.add_argument("--nodes", type=int, default=10)
    p.add_argument("--broker", default="mqtt://127.0.0.1:1883")
    p.add_argument("--profile", default="4.2-bwr")
    p.add_argument("--id-prefix", default="sim", help="node ids are PREFIX-0001, ...")
    p.add_argument("--duration", type=float, default=0, help="seconds to run (0 = until Ctrl-C)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.nodes <= 100_000:
        raise UserError("--nodes must be between 1 and 100000")
    try:
        profile = get_profile(args.profile)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    address = BrokerAddress.parse(args.broker)
    ids = [f"{args.id_prefix}-{i:04d}" for i in range(1, args.nodes + 1)]
    fleet = SimFleet(ids, profile, address.host, address.port)
    try:
        fleet.start()
    except OSError as exc:
        raise UserError(f"cannot reach broker {address.host}:{address.port} ({exc})") from exc
    print(f"{len(ids)} virtual nodes ({profile.name}) connected; hello sent")
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    started = time.monotonic()
    while not stop.wait(5):
        shown = sum(1 for s in fleet.shown.values() if s)
        print(f"{time.monotonic() - started:6.0f}s  frames {fleet.frames}  nodes with a screen "
              f"{shown}/{len(ids)}  bytes {fleet.bytes_received}")
        if args.duration and time.monotonic() - started >= args.duration:
            break
    fleet.stop()
    return 0
