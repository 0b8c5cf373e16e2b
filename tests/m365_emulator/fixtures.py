"""pytest fixtures for the Microsoft 365 tests: a fresh emulated tenant per test.

Each test gets its own client id, so msal's replay of recent error responses (about 60 s
in public-client apps) can never leak from one test into another.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.m365_emulator import Emulator
from tests.m365_emulator.hubside import Hub


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[Emulator]:
    with Emulator(tmp_path) as emulator:
        yield emulator


@pytest.fixture
def client_id(emu: Emulator) -> str:
    cid = f"app-{uuid.uuid4()}"
    emu.tenant.add_client(cid, secret="s3cret-value")
    return cid


@pytest.fixture
def hub(emu: Emulator, client_id: str, tmp_path: Path) -> Iterator[Hub]:
    """The hub signed in as the delegate, meeting times in Europe/Berlin."""
    h = Hub(emu, client_id, tmp_path, timezone="Europe/Berlin")
    h.login(emu)
    yield h
    h.session.close()
