"""The Microsoft 365 source inside the hub: built from the hub config, polled room by room.

Last good schedule kept with one log line per failure, one `$batch` refresh per round, and no
network needed to start.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hub.calendars import RoomFeed, make_source
from hub.config import load_config
from hub.m365 import M365Hub, hub_mailboxes
from hub.m365.auth import DelegatedAuth, make_session
from hub.m365.config import M365Config
from hub.ports import free_port
from hub.service import Hub
from hub.sources.base import SourceUnavailable
from tests.m365_emulator import NOW, Emulator, Fault, at, emulator_config

pytest_plugins = ["tests.m365_emulator.fixtures"]

ROOM = "atlas@contoso.com"


def signed_in_hub(emu: Emulator, client_id: str, folder: Path) -> M365Hub:
    emu.tenant.approve_after_polls = 1
    m365 = M365Hub(emulator_config(emu, client_id, folder, timezone="Europe/Berlin"),
                   poll_interval=300)
    m365.client.auth.login(lambda _m: None)
    m365.group.max_age = 0  # every poll asks Graph
    return m365


def write_hub_config(emu: Emulator, client_id: str, folder: Path, mailboxes: list[str]) -> Path:
    """A roomink.toml whose [[rooms]] read `mailboxes` from the emulator, already signed in."""
    m365 = emulator_config(emu, client_id, folder)
    emu.tenant.approve_after_polls = 1
    DelegatedAuth(m365, make_session(m365)).login(lambda _m: None)  # `roomink login`
    text = f"""[hub]
timezone = "Europe/Berlin"
state_dir = "{folder / 'hub-state'}"

[m365]
client_id = "{client_id}"
tenant = "{emu.tenant_name}"
authority = "{emu.authority}"
graph_url = "{emu.url}"
ca_bundle = "{emu.ca_bundle}"
token_cache = "{m365.token_cache}"
timeout = 5
"""
    for i, mailbox in enumerate(mailboxes):
        text += (f'\n[[rooms]]\nid = "room-{i:02d}"\n'
                 f'calendar = {{ type = "m365", mailbox = "{mailbox}" }}\n')
    path = folder / "roomink.toml"
    path.write_text(text)
    return path


def test_expired_login_keeps_last_schedule_and_logs_one_line(emu, client_id, tmp_path, caplog):
    emu.tenant.add_room(ROOM, "Atlas")
    emu.tenant.add_event(ROOM, at(1), at(2), subject="Design review")
    m365 = signed_in_hub(emu, client_id, tmp_path)
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


def test_one_room_rejected_inside_a_batch_fails_alone(emu, client_id, tmp_path, caplog):
    for room in ("atlas@contoso.com", "odd@contoso.com", "cirrus@contoso.com"):
        emu.tenant.add_room(room)
        emu.tenant.add_event(room, at(1), at(2), subject="Planning")
    m365 = signed_in_hub(emu, client_id, tmp_path)
    m365.group.max_age, clock = 270, [0.0]
    m365.group.clock = lambda: clock[0]
    tz = ZoneInfo("Europe/Berlin")
    feeds = {room: RoomFeed(room.split("@")[0].title(), m365.source(room), tz)
             for room in ("atlas@contoso.com", "odd@contoso.com", "cirrus@contoso.com")}
    assert all(len(feed.poll(NOW).events) == 1 for feed in feeds.values())

    emu.tenant.script(Fault(path="calendarView", room="odd@contoso.com", status=400, times=99,
                            code="ErrorInvalidRequest",
                            message="The request is invalid.\nTrace: 1234"))
    for room in ("atlas@contoso.com", "cirrus@contoso.com"):
        emu.tenant.add_event(room, at(3), at(4), subject="Review")
    with caplog.at_level(logging.WARNING):
        for _ in range(2):  # two more poll rounds, an interval apart
            clock[0] += 300
            polled = {room: feed.poll(at(0.1)) for room, feed in feeds.items()}
    assert len(polled["atlas@contoso.com"].events) == 2  # the others are refreshed
    assert len(polled["cirrus@contoso.com"].events) == 2
    assert [e.subject for e in polled["odd@contoso.com"].events] == ["Planning"]  # last good
    assert len(emu.tenant.graph_records(r"/\$batch")) == 3  # one refresh per round, shared
    assert len(caplog.records) == 1  # one line, for the odd room only, not on every poll
    line = caplog.records[0]
    assert line.exc_info is None and "\n" not in line.getMessage()
    assert line.getMessage().startswith("room Odd: calendar failing: odd@contoso.com: ")
    assert "400 ErrorInvalidRequest: The request is invalid." in line.getMessage()
    m365.client.session.close()


def _poll_round(hub: Hub) -> None:
    for room in hub.config.rooms:
        hub.poll_room(room.id)


def test_first_poll_round_asks_each_room_once(emu, client_id, tmp_path):
    """The hub's real config path: 25 rooms cost 25 calendar requests, not 25 x 26 / 2."""
    rooms = [f"room-{i:02d}@contoso.com" for i in range(25)]
    for room in rooms:
        emu.tenant.add_room(room)
        emu.tenant.add_event(room, at(1), at(2))
    hub = Hub(load_config(write_hub_config(emu, client_id, tmp_path, rooms)))
    _poll_round(hub)
    asked = sorted(r.mailbox for r in emu.tenant.graph_records("calendarView"))
    assert asked == rooms
    assert all(len(feed.schedule.events) == 1 for feed in hub.feeds.values())


def test_first_poll_round_is_one_batched_refresh(emu, client_id, tmp_path):
    rooms = [f"room-{i:02d}@contoso.com" for i in range(25)]
    for room in rooms:
        emu.tenant.add_room(room)
    hub = Hub(load_config(write_hub_config(emu, client_id, tmp_path, rooms)))
    _poll_round(hub)
    assert len(emu.tenant.graph_records("calendarView")) == 25
    assert len(emu.tenant.graph_records(r"/\$batch")) == 2  # 20 + 5


def test_mailboxes_known_up_front_make_the_first_round_one_refresh(emu, client_id, tmp_path):
    """What hub/calendars.py gets by passing `hub_mailboxes` to the shared M365Hub."""
    rooms = [f"room-{i:02d}@contoso.com" for i in range(25)]
    for room in rooms:
        emu.tenant.add_room(room)
        emu.tenant.add_event(room, at(1), at(2))
    config = load_config(write_hub_config(emu, client_id, tmp_path, rooms))
    m365 = M365Config.from_table({"timezone": config.timezone, **config.tables["m365"]},
                                 config.base_dir)
    M365Hub.shared(m365, config.poll_interval_s, hub_mailboxes(config))
    hub = Hub(config)
    _poll_round(hub)
    assert len(emu.tenant.graph_records("calendarView")) == 25
    assert len(emu.tenant.graph_records(r"/\$batch")) == 2  # 20 + 5
    assert all(len(feed.schedule.events) == 1 for feed in hub.feeds.values())
    _poll_round(hub)  # within the interval: nothing asked again
    assert len(emu.tenant.graph_records(r"/\$batch")) == 2


def test_unreachable_microsoft_still_starts_the_hub(tmp_path):
    """No network needed, none used: sign-in and Graph point at a closed local port."""
    dead = f"https://127.0.0.1:{free_port()}"
    path = tmp_path / "roomink.toml"
    path.write_text(f"""[hub]
timezone = "Europe/Berlin"

[m365]
client_id = "00000000-0000-0000-0000-000000000001"
tenant = "contoso.onmicrosoft.com"
authority = "{dead}/contoso.onmicrosoft.com"
graph_url = "{dead}"
token_cache = "{tmp_path}/cache.json"
timeout = 2

[[rooms]]
id = "atlas"
calendar = {{ type = "m365", mailbox = "Atlas@contoso.com" }}
""")
    config = load_config(path)
    source = make_source(config.rooms[0].calendar, config)  # builds nothing yet
    start = NOW.astimezone(ZoneInfo("Europe/Berlin"))
    with pytest.raises(SourceUnavailable, match=f"cannot reach {dead}/contoso"):
        source.fetch(start, start + timedelta(days=1))  # the first poll finds it unreachable
