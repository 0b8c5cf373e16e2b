"""`roomink draw|redraw|assign`: admin commands sent to the running hub over its broker."""

from __future__ import annotations

import argparse
import json
import os
import pwd
from pathlib import Path

import paho.mqtt.client as mqtt

from hub import topics
from hub.config import HubConfig, load_config
from hub.errors import UserError
from hub.security.hubaccount import with_hub_account
from hub.state import StateStore
from hub.transport import BrokerAddress


def register(subparsers) -> None:
    p = subparsers.add_parser("draw", help="send a test screen to a node (bypasses calendars)")
    p.add_argument("node")
    p.add_argument("text")
    p.add_argument("--config", "-c", default="roomink.toml")
    p.set_defaults(func=lambda a: send(a, {"cmd": "draw", "node": a.node, "text": a.text}))
    p = subparsers.add_parser("redraw", help="send a node its current screen again")
    p.add_argument("node")
    p.add_argument("--config", "-c", default="roomink.toml")
    p.set_defaults(func=lambda a: send(a, {"cmd": "redraw", "node": a.node}))
    p = subparsers.add_parser("assign", help="assign a node to a room")
    p.add_argument("node")
    p.add_argument("room")
    p.add_argument("--config", "-c", default="roomink.toml")
    p.set_defaults(func=assign)


def open_state(config: HubConfig, command: str) -> StateStore:
    """The hub's state file, opened only as the user the hub runs as.

    Opened by root, SQLite would create a root-owned hub.sqlite (or -wal file) that the
    service, running as its own user, can then no longer write: refuse, and say how instead.
    """
    state_dir = Path(config.state_dir)
    path = state_dir / "hub.sqlite"
    existing = next((p for p in (path, state_dir) if p.exists()), None)
    if os.geteuid() == 0 and existing is not None and existing.stat().st_uid != 0:
        owner = _user_name(existing.stat().st_uid)
        raise UserError(f"{existing} belongs to user {owner}: run this as that user, e.g. "
                        f"sudo -u {owner} roomink {command} -c {Path(config.path).resolve()} (as "
                        "root it could leave root-owned state files the hub cannot write)")
    return StateStore(path)


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"#{uid}"


def publish(broker_url: str, topic: str, payload: bytes, timeout: float = 5.0,
            state_dir: Path | None = None) -> None:
    """Publish one admin command as the hub's account (brokers that enforce accounts refuse
    anonymous clients; the password lives in the hub's 0600 state file)."""
    address = BrokerAddress.parse(broker_url)
    if state_dir is not None:
        address = with_hub_account(address, state_dir)
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="")
    if address.username:
        client.username_pw_set(address.username, address.password)
    if address.tls:
        client.tls_set(ca_certs=getattr(address, "cafile", None))
    try:
        client.connect(address.host, address.port, 10)
    except OSError as exc:
        raise UserError(f"cannot reach the hub's broker at {address.host}:{address.port} "
                        f"({exc}); is `roomink run` running?") from exc
    client.loop_start()
    info = client.publish(topic, payload, qos=1)
    info.wait_for_publish(timeout)
    client.disconnect()
    client.loop_stop()
    if not info.is_published():
        raise UserError("the broker did not confirm the command")


def send(args: argparse.Namespace, command: dict) -> int:
    if not topics.valid_node_id(command["node"]):
        raise UserError(f"{command['node']!r} is not a node id (1-32 of a-z, 0-9, -)")
    config = load_config(args.config)
    publish(config.broker_url, f"{config.prefix}/hub/cmd", json.dumps(command).encode(),
            state_dir=config.state_dir)
    print(f"sent {command['cmd']} to the hub for node {command['node']}")
    return 0


def assign(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if config.room(args.room) is None:
        known = ", ".join(r.id for r in config.rooms) or "none"
        raise UserError(f"no room {args.room!r} in {args.config} (rooms: {known})")
    if not topics.valid_node_id(args.node):
        raise UserError(f"{args.node!r} is not a node id (1-32 of a-z, 0-9, -)")
    if save_assignment(config, args.node, args.room, "assign ..."):
        print(f"sent assign to the hub for node {args.node}")
    else:
        print(f"saved: {args.node} -> {args.room} (the hub applies it when it next starts)")
    return 0


def save_assignment(config: HubConfig, node_id: str, room: str, command: str) -> bool:
    """Save the node's room in the hub's state and tell a running hub (as the hub's account);
    False when no hub could be told: it applies the saved room when it next starts."""
    open_state(config, command).assign(node_id, room)
    try:
        publish(config.broker_url, f"{config.prefix}/hub/cmd",
                json.dumps({"cmd": "assign", "node": node_id, "room": room}).encode(),
                state_dir=config.state_dir)
    except UserError:
        return False
    return True
