"""A local Microsoft 365 emulator: Entra ID sign-in endpoints and the Graph calls roomink uses.

    with Emulator(tmp_path) as emu:
        emu.tenant.add_client("my-app")
        emu.tenant.add_room("room-1@contoso.com", "Room 1")
        config = emulator_config(emu, "my-app", tmp_path)

Tests (and tools/bench_graph.py) drive the real msal and the real HTTP client against it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hub.m365.config import M365Config
from tests.m365_emulator.server import Emulator
from tests.m365_emulator.state import Fault, GraphEvent, Room, Tenant

__all__ = ["NOW", "Emulator", "Fault", "GraphEvent", "Room", "Tenant", "at", "emulator_config"]

#: A fixed "now" for a test run (top of the hour), so meetings land in predictable slots.
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def at(hours: float) -> datetime:
    """NOW plus `hours`."""
    return NOW + timedelta(hours=hours)


def emulator_config(emu: Emulator, client_id: str, folder: Path, **kw: Any) -> M365Config:
    """An M365Config pointed at the emulator, as an admin would point it at a private cloud."""
    values: dict[str, Any] = {
        "client_id": client_id, "tenant": emu.tenant_name, "authority": emu.authority,
        "graph_url": emu.url, "ca_bundle": emu.ca_bundle,
        "token_cache": folder / "state" / "m365-token-cache.json", "timeout": 5.0,
    }
    values.update(kw)
    return M365Config(**values)
