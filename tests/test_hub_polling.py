"""The poll timer: every room is polled again at its interval, whatever its source did, and
an admin's extra poll (`roomink poll`, the dashboard) does not start a second timer."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hub.config import parse_config
from hub.errors import UserError
from hub.service import Hub
from tests.hubharness import EXAMPLES, Clock, config_text

TZ = ZoneInfo("Europe/Berlin")
START = datetime(2026, 11, 25, 10, 0, tzinfo=TZ).timestamp()


def make_hub(tmp_path) -> tuple[Hub, Clock]:
    path = tmp_path / "roomink.toml"
    path.write_text(config_text({"atlas": str(EXAMPLES / "atlas.ics")}, {}))
    clock = Clock(datetime.fromtimestamp(START, TZ))
    return Hub(parse_config(path.read_text(), path), clock=clock), clock


def poll_timers(hub: Hub) -> list[float]:
    return sorted(when for when, _, action, _ in hub._timers if action == "poll")


def test_a_source_that_raises_is_polled_again(tmp_path, caplog):
    hub, clock = make_hub(tmp_path)
    calls = []

    def broken(now, force=False):
        calls.append(now)
        raise RuntimeError("a bug in a calendar library")

    hub.feeds["atlas"].poll = broken
    hub.start_polling()
    interval = hub.config.poll_interval_s
    for n in range(1, 4):
        hub._fire_timers()
        assert len(calls) == n
        assert poll_timers(hub) == [clock.now + interval]
        clock.now += interval
    assert "error in poll timer of room atlas" in caplog.text


def test_extra_polls_do_not_add_timers(tmp_path):
    hub, clock = make_hub(tmp_path)
    hub.start_polling()
    hub._fire_timers()
    assert poll_timers(hub) == [START + hub.config.poll_interval_s]
    for _ in range(3):
        hub._command("hub", {"cmd": "poll", "room": "atlas"})
    assert poll_timers(hub) == [START + hub.config.poll_interval_s]


def test_a_room_can_have_its_own_poll_interval(tmp_path):
    path = tmp_path / "roomink.toml"
    path.write_text(f'[hub]\ntimezone = "Europe/Berlin"\npoll_interval = 300\n\n'
                    f'[[rooms]]\nid = "atlas"\ncalendar = "{EXAMPLES / "atlas.ics"}"\n'
                    f'poll_interval = 60\n\n'
                    f'[[rooms]]\nid = "borealis"\ncalendar = "{EXAMPLES / "borealis.ics"}"\n')
    clock = Clock(datetime.fromtimestamp(START, TZ))
    hub = Hub(parse_config(path.read_text(), path), clock=clock)
    for room in ("atlas", "borealis"):
        hub._schedule(clock.now, "poll", room)
    hub._fire_timers()
    due = {room: when - START for when, _, action, room in hub._timers if action == "poll"}
    assert due == {"atlas": 60, "borealis": 300}


@pytest.mark.parametrize("value", ["0", "5", "-60", '"fast"'])
def test_a_room_poll_interval_is_checked(tmp_path, value):
    path = tmp_path / "roomink.toml"
    path.write_text(f'[[rooms]]\nid = "atlas"\ncalendar = "a.ics"\npoll_interval = {value}\n')
    with pytest.raises(UserError, match=r"roomink.toml:4: rooms\[0\].poll_interval: "):
        parse_config(path.read_text(), path)
