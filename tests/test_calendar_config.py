"""Room calendar config -> the right source, with one-line errors naming what to fix."""

import pytest

from hub.calendars import make_source
from hub.config import parse_config
from hub.errors import UserError
from hub.ports import free_port

BASE = '[hub]\ntimezone = "Europe/Berlin"\n'


def room(calendar: str) -> str:
    return f'[[rooms]]\nid = "atlas"\ncalendar = {calendar}\n'


def build(tmp_path, text):
    config = parse_config(text, tmp_path / "hub.toml")
    return make_source(config.rooms[0].calendar, config)


def test_ics_path_and_url(tmp_path):
    from hub.sources.ics import IcsFileSource, IcsUrlSource

    assert isinstance(build(tmp_path, BASE + room('"a.ics"')), IcsFileSource)
    assert isinstance(build(tmp_path, BASE + room('"https://example.com/secret/basic.ics"')),
                      IcsUrlSource)


def test_m365_room_needs_m365_table(tmp_path):
    with pytest.raises(UserError, match=r"no \[m365\] table"):
        build(tmp_path, BASE + room('{ type = "m365", mailbox = "atlas@contoso.com" }'))


def test_m365_room_builds_a_graph_source(tmp_path):
    text = (BASE + '[m365]\ntenant = "contoso.onmicrosoft.com"\n'
            'client_id = "00000000-0000-0000-0000-000000000001"\n'
            f'token_cache = "{tmp_path}/cache.json"\n'
            # a closed local port, never the real Microsoft: the test must not need a network
            f'authority = "https://127.0.0.1:{free_port()}/t"\n'
            f'graph_url = "https://127.0.0.1:{free_port()}"\n\n'
            + room('{ type = "m365", mailbox = "Atlas@contoso.com" }'))
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from hub.sources.base import SourceUnavailable

    source = build(tmp_path, text)  # no network needed to start the hub
    day = datetime(2026, 11, 25, tzinfo=ZoneInfo("Europe/Berlin"))
    with pytest.raises(SourceUnavailable, match="cannot reach"):
        source.fetch(day, day.replace(day=26))  # the first poll finds Microsoft unreachable


def test_m365_bad_mailbox_is_one_line(tmp_path):
    with pytest.raises(UserError, match="mailbox"):
        build(tmp_path, BASE + '[m365]\ntenant = "t"\n' + room('{ type = "m365", room = "x" }'))


def test_unknown_calendar_type(tmp_path):
    with pytest.raises(UserError, match="unknown calendar type 'exchange2003'"):
        build(tmp_path, BASE + room('{ type = "exchange2003" }'))


def test_m365_rooms_share_the_shortest_poll_interval(tmp_path):
    """A Microsoft 365 room polled faster than the hub's default gets answers that fresh:
    the shared batch client keeps them no longer than the shortest room interval."""
    from hub.m365 import hub_mailboxes, hub_poll_interval

    text = (BASE + 'poll_interval = 300\n\n'
            '[[rooms]]\nid = "atlas"\ncalendar = { type = "m365", mailbox = "Atlas@x.com" }\n'
            'poll_interval = 60\n\n'
            '[[rooms]]\nid = "borealis"\ncalendar = { type = "m365", mailbox = "b@x.com" }\n\n'
            '[[rooms]]\nid = "lobby"\ncalendar = "a.ics"\npoll_interval = 20\n')
    config = parse_config(text, tmp_path / "hub.toml")
    assert hub_poll_interval(config) == 60  # the ICS room's 20 s does not count
    assert hub_mailboxes(config) == ("atlas@x.com", "b@x.com")
    only_ics = parse_config(BASE + room('"a.ics"'), tmp_path / "hub.toml")
    assert hub_poll_interval(only_ics) == 300
