"""Room discovery: `GET /places/microsoft.graph.room`, paged (100 per page by default).

Rooms hidden from the address list are not returned by /places; `roomink doctor` says so
for configured rooms that are missing here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hub.m365.errors import GraphAuthError
from hub.m365.graph import GraphClient


@dataclass(frozen=True)
class RoomInfo:
    email: str
    name: str
    capacity: int | None = None
    building: str = ""
    floor: str = ""


def _capacity(value: Any) -> int | None:
    """Documented as Int32, but older examples show it as a string."""
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def room_from_place(item: dict[str, Any]) -> RoomInfo:
    return RoomInfo(
        email=str(item.get("emailAddress") or "").lower(),
        name=str(item.get("displayName") or item.get("emailAddress") or ""),
        capacity=_capacity(item.get("capacity")),
        building=str(item.get("building") or ""),
        floor="" if item.get("floorNumber") is None else str(item["floorNumber"]),
    )


def list_rooms(client: GraphClient, page_size: int = 100) -> list[RoomInfo]:
    try:
        items = client.get_all("/places/microsoft.graph.room", params={"$top": str(page_size)})
    except GraphAuthError as exc:
        if exc.status != 403:
            raise
        raise GraphAuthError("listing rooms needs the Place.Read.All permission: add it to the "
                             "app registration, grant admin consent, then `roomink login` again",
                             exc.status, exc.code) from exc
    rooms = [room_from_place(i) for i in items if i.get("emailAddress")]
    return sorted(rooms, key=lambda r: (r.name.lower(), r.email))


def room_id(name: str, taken: set[str]) -> str:
    """A config id from a display name: "Conf Room 100" -> "conf-room-100", unique."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:32] or "room"
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base[:29]}-{n}"
        n += 1
    taken.add(candidate)
    return candidate


def rooms_toml(rooms: list[RoomInfo], taken: set[str] | None = None) -> str:
    """`[[rooms]]` tables for the hub config, one per room, with a Graph calendar."""
    taken = set() if taken is None else taken
    blocks = []
    for r in rooms:
        name = r.name.replace("\\", "\\\\").replace('"', '\\"')
        capacity = f"  # capacity {r.capacity}" if r.capacity else ""
        blocks.append(f'[[rooms]]\nid = "{room_id(r.name, taken)}"\nname = "{name}"{capacity}\n'
                      f'calendar = {{ type = "m365", mailbox = "{r.email}" }}\n')
    return "\n".join(blocks)
