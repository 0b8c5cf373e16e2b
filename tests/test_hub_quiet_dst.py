"""The wake time the hub really sends (`ctl`), with quiet hours and weekends, across the two
DST changes of Europe/Berlin: a sign sleeps from Friday evening to Monday 07:00 local time,
whether that weekend (Friday 19:00 to Monday 07:00) is 59, 60 or 61 hours long."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import cbor2
import pytest

from hub.config import parse_config
from hub.service import Hub
from renderer.frame import K_NOW, K_WAKE_AT
from tests.hubharness import EXAMPLES
from tests.test_web_helpers import Recorder

TZ = ZoneInfo("Europe/Berlin")
NODE = "quiet-1"
PROFILE_HELLO = {"v": 1, "fw": "test", "profile": "4.2-bwr", "max_msg": 6144, "wbits": 10,
                 "layouts": [0, 1], "heap": 0, "seq": 0, "wake_id": 7}


def hub_at(tmp_path, when: datetime) -> tuple[Hub, Recorder]:
    path = tmp_path / "roomink.toml"
    path.write_text(f'[hub]\ntimezone = "Europe/Berlin"\nquiet_hours = "19:00-07:00"\n'
                    f'quiet_days = ["sat", "sun"]\n\n'
                    f'[[rooms]]\nid = "atlas"\nname = "Atlas"\n'
                    f'calendar = "{EXAMPLES / "atlas.ics"}"\n\n'
                    f'[[nodes]]\nid = "{NODE}"\nroom = "atlas"\n')
    hub = Hub(parse_config(path.read_text(), path), clock=lambda: when.timestamp())
    recorder = Recorder()
    hub.publisher = recorder
    return hub, recorder


def sent_wake_at(tmp_path, when: datetime) -> datetime:
    """A node wakes at `when` and says hello: the wake time in the hub's answer."""
    hub, recorder = hub_at(tmp_path, when)
    hub._handle("hello", NODE, (json.dumps(PROFILE_HELLO).encode(), False))
    ctls = [cbor2.loads(p) for n, kind, p in recorder.sent if n == NODE and kind == "ctl"]
    assert ctls, recorder.sent
    assert ctls[-1][K_NOW] == int(when.timestamp())
    return datetime.fromtimestamp(ctls[-1][K_WAKE_AT], TZ)


@pytest.mark.parametrize(("wake", "expected", "hours"), [
    # autumn: clocks go back on Sunday 25 Oct 2026, 03:00 CEST -> 02:00 CET
    (datetime(2026, 10, 23, 18, 0, tzinfo=TZ), datetime(2026, 10, 26, 7, 0, tzinfo=TZ), 62),
    (datetime(2026, 10, 24, 12, 0, tzinfo=TZ), datetime(2026, 10, 26, 7, 0, tzinfo=TZ), 44),
    # spring: clocks go forward on Sunday 28 Mar 2027, 02:00 CET -> 03:00 CEST
    (datetime(2027, 3, 26, 18, 0, tzinfo=TZ), datetime(2027, 3, 29, 7, 0, tzinfo=TZ), 60),
    (datetime(2027, 3, 28, 1, 30, tzinfo=TZ), datetime(2027, 3, 29, 7, 0, tzinfo=TZ), 28.5),
    # a weekday night: the next morning at 07:00, then the day's first meeting
    (datetime(2026, 10, 27, 20, 0, tzinfo=TZ), datetime(2026, 10, 28, 7, 0, tzinfo=TZ), 11),
    (datetime(2026, 10, 28, 7, 0, tzinfo=TZ), datetime(2026, 10, 28, 8, 30, tzinfo=TZ), 1.5),
])
def test_wake_at_sent_to_the_node(tmp_path, wake, expected, hours):
    woken = sent_wake_at(tmp_path, wake)
    assert woken == expected, f"{woken:%a %d %b %H:%M %Z}"
    assert woken.hour == 7 or woken.minute == 30  # local wall-clock time, whatever the offset
    assert (woken.timestamp() - wake.timestamp()) / 3600 == hours  # real elapsed hours
