
"""The Microsoft 365 source inside the hub's room feed: last good schedule kept, one log line."""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from hub.calendars import RoomFeed
from hub.m365 import M365Hub
from tests.m365_emulator import NOW, at, emulator_config

pytest_plugins = ["tests.m365_emulator.fixtures"]

ROOM = "atlas@contoso.com"


def test_expired_login_keeps_last_schedule_and_logs_one_line(emu, client_id, tmp_path, caplog):
    emu.tenant.add_room(ROOM, "Atlas")
    emu.tenant.add_event(ROOM, at(1), at(2), subject="Design review")
    emu.tenant.approve_after_polls = 1
    m365 = M365Hub(emulator_config(emu, client_id, tmp_path, timezone="Europe/Berlin"),
                   poll_interval=300)
    m365.client.auth.login(lambda _m: None)
    m365.group.max_age = 0  # every poll asks Graph
    feed = RoomFeed("Atlas", m365.source(ROOM), ZoneInfo("Europe/Berlin"),
                    stale_after=timedelta(hours=0.15))
    good = feed.poll(NOW)
    assert [e.subject for e in good.events] == ["Design review"] and good.stale_since is None

    emu.tenant.expire_access_tokens()
    emu.tenant.revoke_refresh_tokens()
    with caplog.at_level(logging.WARNING, logger="hub.calendars"):
        first = feed.poll(at(0.1))
        second = feed.poll(at(0.3))
    assert [e.subject for e in second.events] == ["Design review"]  # last good data kept
    # Not stale yet after 0.1 h; after stale_after it says since when (the last good poll).
    assert first.stale_since is None and second.stale_since == NOW
    lines = [r for r in caplog.records if r.name == "hub.calendars"]
    assert len(lines) == 1  # once when it starts failing, not on every poll
    assert lines[0].levelno == logging.ERROR
    message = lines[0].getMessage()
    assert "\n" not in message and "run `roomink login`" in message
    m365.client.session.close()
