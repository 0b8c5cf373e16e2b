"""A hub restarted while a room's calendar is down still shows the meetings it knew: the last
good calendar data is kept in the state file (docs/hub.md, "State")."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hub.config import parse_config
from hub.service import Hub
from hub.state import StateStore
from tests.hubharness import EXAMPLES, Clock, config_text

TZ = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=TZ)


def make_hub(tmp_path, calendar, when: datetime) -> Hub:
    path = tmp_path / "roomink.toml"
    path.write_text(config_text({"atlas": str(calendar)}, {}))
    store = StateStore(tmp_path / "hub.sqlite")
    return Hub(parse_config(path.read_text(), path), clock=Clock(when), store=store)


def test_restart_during_an_outage_keeps_the_last_schedule(tmp_path):
    calendar = tmp_path / "atlas.ics"
    shutil.copy(EXAMPLES / "atlas.ics", calendar)
    first = make_hub(tmp_path, calendar, T0)
    first.poll_room("atlas")
    known = first.feeds["atlas"].schedule
    assert known.events and known.fetched_at == T0
    first.store.close()

    calendar.unlink()  # the calendar goes away while the hub restarts
    later = T0 + timedelta(minutes=20)
    second = make_hub(tmp_path, calendar, later)
    restored = second.feeds["atlas"].schedule
    assert restored.events == known.events  # shown at once, not "no calendar data"
    assert restored.fetched_at == T0 and restored.fetched_at.tzinfo == TZ
    assert all(e.start.tzinfo == TZ for e in restored.events)

    second.poll_room("atlas")  # the source fails: the events stay, stale since the last fetch
    schedule = second.feeds["atlas"].schedule
    assert second.feeds["atlas"].last_error
    assert schedule.events == known.events
    second.clock.now = (later + timedelta(minutes=16)).timestamp()
    second.poll_room("atlas", force=True)
    assert second.feeds["atlas"].schedule.stale_since == T0


def test_data_from_other_calendar_settings_is_not_restored(tmp_path):
    calendar = tmp_path / "atlas.ics"
    shutil.copy(EXAMPLES / "atlas.ics", calendar)
    first = make_hub(tmp_path, calendar, T0)
    first.poll_room("atlas")
    assert first.feeds["atlas"].schedule.events
    first.store.close()

    other = tmp_path / "other.ics"  # the admin points the room at another calendar
    second = make_hub(tmp_path, other, T0 + timedelta(minutes=5))
    schedule = second.feeds["atlas"].schedule
    assert schedule.events == () and schedule.fetched_at is None


def test_saved_data_holds_no_secret_url(tmp_path):
    secret = "https://calendar.example/ical/private-9f8e7d6c5b4a/basic.ics"
    hub = make_hub(tmp_path, secret, T0)
    hub.feeds["atlas"].on_fetched(hub.feeds["atlas"].schedule.__class__(
        "Atlas", (), fetched_at=T0))
    hub.store.close()
    assert b"9f8e7d6c5b4a" not in (tmp_path / "hub.sqlite").read_bytes()
