"""Battery screens (show_clock=False) carry no minute clock and no "in N min" countdowns,
which would be wrong between refreshes; the hub draws them this way."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hub.schedule import Event, RoomSchedule
from renderer.profiles import get_profile
from renderer.screen import render_canvas

TZ = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 25, 10, 15, tzinfo=TZ)


def texts(schedule, show_clock):
    canvas = render_canvas(schedule, get_profile("7.5-bwr"), NOW, "en", show_clock=show_clock)
    return " | ".join(entry[2] for entry in canvas.log)


def test_busy_countdown_only_on_minute_screens():
    busy = RoomSchedule("Atlas", (Event(NOW - timedelta(minutes=15), NOW + timedelta(hours=1),
                                        "Review"),), fetched_at=NOW)
    assert "ends in 1 h" in texts(busy, True)
    battery = texts(busy, False)
    assert "ends in" not in battery and "until 11:15 AM" in battery
    assert "10:15" not in battery  # no clock in the header


def test_starting_soon_names_the_time_instead_of_counting_down():
    soon = RoomSchedule("Atlas", (Event(NOW + timedelta(minutes=7), NOW + timedelta(hours=1),
                                        "Standup"),), fetched_at=NOW)
    assert "starts in 7 min" in texts(soon, True)
    battery = texts(soon, False)
    assert "starts in" not in battery and "10:22 AM" in battery
