"""The hub side of an emulator test: config, auth and a Graph client wired like production."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hub.m365.auth import DelegatedAuth, make_auth, make_session
from hub.m365.config import M365Config
from hub.m365.graph import GraphClient
from hub.m365.source import GraphRoomCalendars
from tests.m365_emulator import Emulator, emulator_config


class Hub:
    """The hub side of a test: config, signed-in auth and a Graph client on the emulator."""

    def __init__(self, emu: Emulator, client_id: str, folder: Path, **kw: Any) -> None:
        self.config: M365Config = emulator_config(emu, client_id, folder, **kw)
        self.session = make_session(self.config)
        self.auth = make_auth(self.config, self.session)
        self.client = GraphClient(self.config, self.auth, self.session, base_backoff=0.05)
        self.calendars = GraphRoomCalendars(self.client, self.config.timezone,
                                            self.config.page_size)

    def login(self, emu: Emulator) -> str:
        assert isinstance(self.auth, DelegatedAuth)
        emu.tenant.approve_after_polls = 1  # the "user" approved before the first poll
        return self.auth.login(lambda _msg: None)
