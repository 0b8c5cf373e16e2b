"""`roomink demo`: broker + hub + two MicroPython display nodes; their screens end as PNGs."""

from __future__ import annotations

import argparse
import logging
import shutil
import threading
from pathlib import Path

from hub.broker import EmbeddedBroker
from hub.config import load_config
from hub.errors import UserError
from hub.hostnode import REPO, HostNode
from hub.service import Hub
from hub.transport import BrokerAddress, MqttTransport

log = logging.getLogger("roomink.demo")


def register(subparsers) -> None:
    p = subparsers.add_parser("demo", help="run hub + simulated display nodes once, save PNGs")
    p.add_argument("--config", default=str(REPO / "examples" / "demo.toml"),
                   help="hub config (default: examples/demo.toml)")
    p.add_argument("--broker", help="use this broker (mqtt://host:port) instead of an embedded one")
    p.add_argument("--out", default="demo-out", help="output folder for the PNGs")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the nodes")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    broker = None
    if args.broker:
        address = BrokerAddress.parse(args.broker)
    else:
        broker = EmbeddedBroker()
        broker.start()
        address = BrokerAddress.parse(broker.url)
    hub = Hub(config)
    transport = MqttTransport(address, hub.on_uplink, prefix=config.prefix,
                              client_id="roomink-hub-demo", clean_session=True)
    stop = threading.Event()
    worker = threading.Thread(target=hub.run, args=(stop,), name="hub", daemon=True)
    try:
        transport.start()
        hub.publisher = transport
        worker.start()
        nodes = []
        for node in config.nodes:
            room = config.room(node.room)
            assert room is not None  # validated by load_config
            node_dir = out / "nodes" / node.id
            shutil.rmtree(node_dir, ignore_errors=True)
            host = HostNode(node.id, node_dir, room.display, address.host, address.port)
            host.write_config()
            nodes.append((host, host.start_cycle()))
            log.info("started node %s (MicroPython) for room %s", node.id, room.name)
        failures = []
        for host, proc in nodes:
            try:
                code = proc.wait(timeout=args.timeout)
            except Exception:
                proc.kill()
                code = -1
            acked = hub.wait_for_ack(host.node_id, timeout=1.0)
            if code != 0 or not acked or not host.panel_png.exists():
                failures.append(f"{host.node_id} (exit {code}, acked={acked}); "
                                f"log: {host.directory / 'node.log'}")
                continue
            target = out / f"{host.node_id}.png"
            shutil.copyfile(host.panel_png, target)
            print(f"{host.node_id}: screen saved to {target}")
        if failures:
            raise UserError("demo nodes failed: " + "; ".join(failures))
        print(f"demo done: {len(nodes)} nodes drew their room screens; PNGs in {out}")
        return 0
    finally:
        stop.set()
        transport.stop()
        if broker:
            broker.stop()
