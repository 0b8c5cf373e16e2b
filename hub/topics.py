"""The MQTT topic tree of protocol v1 (docs/protocol.md), hub side."""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_PREFIX = "roomink"
NODE_ID_RE = re.compile(r"^[a-z0-9-]{1,32}$")

# Node -> hub kinds the hub subscribes to; hub -> node kinds it publishes.
UPLINK = ("hello", "online", "status", "ack", "button")
DOWNLINK = ("frame", "ctl")


def valid_node_id(node_id: str) -> bool:
    return bool(NODE_ID_RE.match(node_id))


def topic(prefix: str, node_id: str, kind: str) -> str:
    if not valid_node_id(node_id):
        raise ValueError(f"invalid node id {node_id!r}: use 1-32 of a-z, 0-9, -")
    return f"{prefix}/v1/{node_id}/{kind}"


def uplink_filters(prefix: str) -> list[str]:
    return [f"{prefix}/v1/+/{kind}" for kind in UPLINK]


@dataclass(frozen=True)
class ParsedTopic:
    node_id: str
    kind: str


def parse(prefix: str, name: str) -> ParsedTopic | None:
    """Split an uplink topic; None for anything that is not a well-formed node topic."""
    parts = name.split("/")
    if len(parts) != 4 or parts[0] != prefix or parts[1] != "v1":
        return None
    node_id, kind = parts[2], parts[3]
    if not valid_node_id(node_id) or kind not in UPLINK + DOWNLINK:
        return None
    return ParsedTopic(node_id, kind)
