"""What a room's sign is told about each meeting: privacy, busy/free, time zones."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from hub.m365.events import event_from_graph, events_from_graph
from tests.m365_emulator import at

pytest_plugins = ["tests.m365_emulator.fixtures"]

ROOM = "room-1@contoso.com"


def test_private_meetings_never_carry_subject_or_organizer(hub, emu):
    emu.tenant.add_room(ROOM)
    emu.tenant.add_event(ROOM, at(1), at(2), subject="Layoffs planning", sensitivity="private",
                         organizer_name="Megan Bowen")
    emu.tenant.add_event(ROOM, at(3), at(4), subject="Board", sensitivity="confidential")
    emu.tenant.add_event(ROOM, at(5), at(6), subject="Lunch", sensitivity="personal")
    events = hub.calendars.fetch_one(ROOM, at(0), at(24))
    assert [(e.private, e.subject, e.organizer) for e in events] == [
        (True, "", ""), (True, "", ""), (False, "Lunch", "Alex Wilber")]
    assert events[0].display_subject == "Private meeting"
    assert all("Layoffs" not in repr(e) and "Megan" not in repr(e) for e in events)


def test_cancelled_and_free_events_do_not_make_the_room_busy(hub, emu):
    emu.tenant.add_room(ROOM)
    emu.tenant.add_event(ROOM, at(1), at(2), subject="Cancelled", is_cancelled=True)
    emu.tenant.add_event(ROOM, at(2), at(3), subject="FYI", show_as="free")
    emu.tenant.add_event(ROOM, at(3), at(4), subject="Maybe", show_as="tentative")
    emu.tenant.add_event(ROOM, at(4), at(5), subject="Away", show_as="oof")
    events = hub.calendars.fetch_one(ROOM, at(0), at(24))
    assert [(e.subject, e.busy) for e in events] == [
        ("Cancelled", False), ("FYI", False), ("Maybe", True), ("Away", True)]


def test_times_come_back_in_the_hub_zone(hub, emu):
    emu.tenant.add_room(ROOM)
    emu.tenant.add_event(ROOM, at(1), at(2), subject="Standup")
    [event] = hub.calendars.fetch_one(ROOM, at(0), at(24))
    assert event.start == at(1) and event.end == at(2)
    assert event.start.tzinfo == ZoneInfo("Europe/Berlin")
    assert emu.tenant.prefer_zones == ["Europe/Berlin"]
    assert event.uid.startswith("AAMk")  # the Graph id, which the booking path needs


def test_all_day_event_and_windows_zone_names():
    pst = "Pacific Standard Time"
    item = {"id": "x", "subject": "Offsite", "isAllDay": True, "showAs": "busy",
            "start": {"dateTime": "2026-03-02T00:00:00.0000000", "timeZone": pst},
            "end": {"dateTime": "2026-03-03T00:00:00.0000000", "timeZone": pst}}
    event = event_from_graph(item, UTC)
    assert event.all_day
    assert event.start.astimezone(ZoneInfo("America/Los_Angeles")).hour == 0
    assert event.start.tzinfo == UTC


def test_malformed_event_is_skipped_not_fatal(caplog):
    good = {"id": "a", "start": {"dateTime": "2026-03-02T09:00:00.0000000", "timeZone": "UTC"},
            "end": {"dateTime": "2026-03-02T10:00:00.0000000", "timeZone": "UTC"}}
    broken = {"id": "b", "start": {"dateTime": "yesterday"}, "end": {}}
    master = dict(good, id="m", type="seriesMaster")
    events = events_from_graph([good, broken, master], UTC, ROOM)
    assert [e.uid for e in events] == ["a"]
    assert "skipping malformed event b" in caplog.text
