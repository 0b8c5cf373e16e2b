"""`roomink simulate --nodes N`: N virtual display nodes against a broker, for load tests."""

from __future__ import annotations

import argparse
import signal
import threading
import time

from hub import topics
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
    p.add_argument("--prefix", default=topics.DEFAULT_PREFIX,
                   help="MQTT topic prefix: the hub's [hub] prefix")
    p.add_argument("--duration", type=float, default=0, help="seconds to run (0 = until Ctrl-C)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.nodes <= 100_000:
        raise UserError("--nodes must be between 1 and 100000")
    if args.duration < 0:
        raise UserError("--duration must be 0 (until Ctrl-C) or more seconds")
    try:
        profile = get_profile(args.profile)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    address = BrokerAddress.parse(args.broker)
    ids = [f"{args.id_prefix}-{i:04d}" for i in range(1, args.nodes + 1)]
    if not all(topics.valid_node_id(node_id) for node_id in ids):
        raise UserError(f"--id-prefix {args.id_prefix!r} makes bad node ids (1-32 of a-z, 0-9, -)")
    fleet = SimFleet(ids, profile, address.host, address.port, prefix=args.prefix)
    stop = threading.Event()  # Ctrl-C from here on ends the run with a last progress line
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        fleet.start()
    except OSError as exc:
        raise UserError(f"cannot reach broker {address.host}:{address.port} ({exc})") from exc
    print(f"{len(ids)} virtual nodes ({profile.name}) connected; hello sent", flush=True)
    try:
        report_until(fleet, stop, args.duration)
    finally:
        fleet.stop()
    return 0


def report_until(fleet: SimFleet, stop: threading.Event, duration: float) -> None:
    """A progress line every 5 s, and a last one when Ctrl-C or `duration` ends the run (so a
    short run, e.g. in a test or a script, still says what the nodes got)."""
    started = time.monotonic()
    while True:
        left = duration - (time.monotonic() - started) if duration else 5.0
        stopped = stop.wait(max(0.0, min(5.0, left)))
        elapsed = time.monotonic() - started
        shown = sum(1 for s in fleet.shown.values() if s)
        print(f"{elapsed:6.0f}s  frames {fleet.frames}  nodes with a screen "
              f"{shown}/{len(fleet.node_ids)}  bytes {fleet.bytes_received}", flush=True)
        if stopped or (duration and elapsed >= duration):
            return
