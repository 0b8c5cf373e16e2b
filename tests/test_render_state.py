"""Which state a sign is in, and how times read in each locale and across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hub.schedule import Event, RoomSchedule
from renderer.profiles import get_profile
from renderer.screen import render_canvas
from renderer.state import Kind, minutes_until, room_state
from renderer.strings import get_locale

TZ = ZoneInfo("Europe/Berlin")


def at(hour: int, minute: int = 0, day: int = 25, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def room(*events: Event, **kwargs) -> RoomSchedule:
    return RoomSchedule("R", events, fetched_at=at(8), **kwargs)


def test_kinds() -> None:
    day = room(Event(at(10), at(11), "A"), Event(at(11, 3), at(12), "B"), Event(at(14), at(15)))
    assert room_state(day, at(9)).kind is Kind.AVAILABLE
    assert room_state(day, at(9)).free_until == at(10)
    assert room_state(day, at(9, 50)).kind is Kind.STARTING_SOON
    assert room_state(day, at(9, 49)).kind is Kind.AVAILABLE
    busy = room_state(day, at(10, 30))
    assert busy.kind is Kind.BUSY and busy.back_to_back and busy.busy_until == at(12)
    alone = room_state(day, at(11, 30))
    assert alone.kind is Kind.BUSY and not alone.back_to_back and alone.busy_until == at(12)
    assert [e.subject for e in alone.later] == [""]
    late = room_state(day, at(16))
    assert late.kind is Kind.AVAILABLE and late.free_until is None and late.focus is None
    assert room_state(RoomSchedule("R"), at(9)).kind is Kind.NO_DATA
    whole = room(Event(at(0), at(0, day=26), "Offsite", all_day=True))
    assert room_state(whole, at(12)).kind is Kind.ALL_DAY


def test_free_events_do_not_block_and_tomorrow_is_not_free_until() -> None:
    day = room(Event(at(10), at(11), "Tentative", busy=False),
               Event(at(9, day=26), at(10, day=26), "Tomorrow"))
    state = room_state(day, at(10, 30))
    assert state.kind is Kind.AVAILABLE and state.free_until is None
    assert state.focus is not None and state.focus.subject == "Tomorrow"


def test_stale_since_is_shown_in_room_time() -> None:
    schedule = room(stale_since=datetime(2026, 11, 25, 8, 12, tzinfo=UTC))
    canvas = render_canvas(schedule, get_profile("4.2-bw"), at(10), "de")
    assert "Nicht aktualisiert seit 09:12" in canvas.texts


def test_minutes_round_up() -> None:
    assert minutes_until(at(10), at(10, 45)) == 45
    assert minutes_until(at(10) + timedelta(seconds=1), at(10, 45)) == 45
    assert minutes_until(at(10, 50), at(10, 45)) == 0


def test_dst_change_does_not_move_meetings() -> None:
    # 2026-10-25: Berlin falls back from 03:00 CEST to 02:00 CET. A meeting stored in UTC
    # at 09:00Z is 10:00 local after the change, and renders as 10:00 from any zone's now.
    meeting = Event(datetime(2026, 10, 25, 9, 0, tzinfo=UTC),
                    datetime(2026, 10, 25, 10, 0, tzinfo=UTC), "After the change")
    schedule = room(meeting)
    now = datetime(2026, 10, 25, 1, 30, tzinfo=UTC).astimezone(TZ)  # 02:30 CET, after
    canvas = render_canvas(schedule, get_profile("4.2-bwr"), now, "de")
    texts = canvas.texts
    assert "Frei bis 10:00" in texts
    assert any("10:00–11:00" in t for t in texts)


@pytest.mark.parametrize(("code", "clock", "date", "free"), [
    ("en", "2:05 PM", "Wed 25 Nov", "Free until 3:00 PM"),
    ("en-GB", "14:05", "Wed 25 Nov", "Free until 15:00"),
    ("en@24h", "14:05", "Wed 25 Nov", "Free until 15:00"),
    ("de", "14:05", "Mi, 25. Nov.", "Frei bis 15:00"),
    ("de@12h", "2:05 PM", "Mi, 25. Nov.", "Frei bis 3:00 PM"),
    ("fr", "14:05", "mer. 25 nov.", "Libre jusqu’à 15:00"),
    ("zh-CN", "14:05", "11月25日 周三", "空闲至 15:00"),
])
def test_locales(code: str, clock: str, date: str, free: str) -> None:
    loc = get_locale(code)
    assert loc.time(at(14, 5)) == clock
    assert loc.date(at(14, 5)) == date
    canvas = render_canvas(room(Event(at(15), at(16), "X")), get_profile("7.5-bwr"),
                           at(14, 5), code)
    texts = canvas.texts
    assert free in texts or any(free in t for t in texts)


def test_time_ranges_and_durations() -> None:
    en = get_locale("en")
    assert en.time_range(at(10), at(11, 30)) == "10:00–11:30 AM"
    assert en.time_range(at(11, 30), at(12, 30)) == "11:30 AM–12:30 PM"
    assert en.time(at(0, 5)) == "12:05 AM"
    assert en.duration(95) == "1 h 35 min" and en.duration(120) == "2 h"
    assert get_locale("de").duration(5) == "5 Min."


def test_bad_locales() -> None:
    for code in ("xx", "en@25h"):
        with pytest.raises(ValueError):
            get_locale(code)


def test_private_meeting_never_shows_subject_anywhere() -> None:
    secret = Event(at(10), at(11), "Layoffs round 2", "Boss", private=True)
    later = Event(at(12), at(13), "Layoffs round 3", "Boss", private=True)
    for now in (at(9, 55), at(10, 30), at(11, 30)):
        for name in ("2.9-bw", "4.2-bwr", "7.5-bwry", "7.5-bwr-portrait"):
            canvas = render_canvas(room(secret, later), get_profile(name), now)
            assert not any("Layoffs" in t for t in canvas.texts)
