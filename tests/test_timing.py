from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hub.schedule import Event, RoomSchedule
from hub.timing import next_change

TZ = ZoneInfo("Europe/Berlin")


def at(h, m, day=25, month=11):
    return datetime(2026, month, day, h, m, tzinfo=TZ)


def schedule(*spans):
    return RoomSchedule("Atlas", tuple(Event(a, b, "Meeting") for a, b in spans))


def test_free_room_changes_when_next_meeting_is_soon():
    s = schedule((at(11, 0), at(12, 0)))
    assert next_change(s, at(9, 0), TZ) == at(10, 50)
    assert next_change(s, at(10, 50), TZ) == at(11, 0)
    assert next_change(s, at(11, 0), TZ) == at(12, 0)


def test_after_last_meeting_next_change_is_midnight():
    s = schedule((at(11, 0), at(12, 0)))
    assert next_change(s, at(13, 0), TZ) == at(0, 0, day=26)


def test_cancelled_meetings_do_not_wake_the_node():
    cancelled = Event(at(11, 0), at(12, 0), "Cancelled", busy=False)
    s = RoomSchedule("Atlas", (cancelled,))
    assert next_change(s, at(9, 0), TZ) == at(0, 0, day=26)


def test_countdown_ticks_on_step_boundaries_aligned_to_the_end():
    s = schedule((at(10, 0), at(11, 0)))
    step = timedelta(minutes=15)
    assert next_change(s, at(10, 7), TZ, countdown_step=step) == at(10, 15)
    assert next_change(s, at(10, 15), TZ, countdown_step=step) == at(10, 30)


def test_midnight_across_dst_end_is_local_midnight():
    # 2026-10-25: Europe/Berlin falls back from CEST to CET at 03:00.
    s = RoomSchedule("Atlas")
    nxt = next_change(s, datetime(2026, 10, 24, 22, 0, tzinfo=TZ), TZ)
    assert nxt == datetime(2026, 10, 25, 0, 0, tzinfo=TZ)
    assert nxt.utcoffset() == timedelta(hours=2)


def test_quiet_hours_push_night_changes_to_morning():
    from hub.timing import apply_quiet, parse_quiet

    quiet = parse_quiet("19:00-07:00", ["sat", "sun"])
    # Wednesday 20:00 -> Thursday 07:00
    assert apply_quiet(at(20, 0), at(19, 30), TZ, quiet) == at(7, 0, day=26)
    # A daytime change is untouched.
    assert apply_quiet(at(11, 0), at(10, 0), TZ, quiet) == at(11, 0)
    # Friday night -> Monday 07:00 (Sat and Sun are quiet all day).
    assert apply_quiet(at(23, 0, day=27), at(18, 0, day=27), TZ, quiet) == at(7, 0, day=30)


def test_quiet_hours_validation():
    import pytest

    from hub.timing import parse_quiet

    assert parse_quiet(None, None) is None
    with pytest.raises(ValueError, match="not a range"):
        parse_quiet("nightly", None)
    with pytest.raises(ValueError, match="unknown day"):
        parse_quiet(None, ["funday"])
