"""Room calendar config -> the right source, with one-line errors naming what to fix."""

import pytest

from hub.calendars import make_source
from hub.config import parse_config
from hub.errors import UserError

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
            f'token_cache = "{tmp_path}/cache.json"\n\n'
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
