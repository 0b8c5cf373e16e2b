"""Booking at the sign: book now, extend, end now — with a conflict check first."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest

from hub.m365.booking import BookingConflict, BookingError, RoomBooking
from hub.sources.base import SourceAuthError, SourceUnavailable
from tests.hubharness import wait_until
from tests.m365_emulator import NOW, Fault, at
from tests.m365_emulator.hubside import Hub

pytest_plugins = ["tests.m365_emulator.fixtures"]

ROOM = "atlas@contoso.com"


@pytest.fixture
def booker(emu, tmp_path):
    cid = f"app-{uuid.uuid4()}"
    emu.tenant.add_client(cid)
    emu.tenant.add_room(ROOM, "Atlas", access="editor")
    h = Hub(emu, cid, tmp_path, booking=True, timezone="Europe/Berlin")
    h.login(emu)
    yield RoomBooking(h.client, h.calendars, ROOM), h
    h.session.close()


def test_book_now_then_extend_then_end(booker, emu):
    booking, h = booker
    made = booking.book_now(NOW + timedelta(seconds=42), 30)
    assert (made.start, made.end) == (NOW, at(0.5))
    [event] = h.calendars.fetch_one(ROOM, at(-1), at(2))
    assert event.busy and event.subject == "Booked at the room" and event.uid == made.event_id
    longer = booking.extend(made.event_id, 15)
    assert longer.end == at(0.75)
    ended = booking.end_now(made.event_id, at(0.25))
    assert ended.end == at(0.25)
    [event] = h.calendars.fetch_one(ROOM, at(-1), at(2))
    assert event.end == at(0.25)


def test_conflicts_are_refused_before_writing(booker, emu):
    booking, _ = booker
    emu.tenant.add_event(ROOM, at(0.5), at(1), subject="Design review")
    emu.tenant.add_event(ROOM, at(0), at(0.25), subject="Gone", is_cancelled=True)
    with pytest.raises(BookingConflict, match="booked from .* \\(Design review\\)"):
        booking.book_now(NOW, 60)
    assert not [r for r in emu.tenant.graph_records("events") if r.method == "POST"]
    made = booking.book_now(NOW, 30)  # up to the next meeting is fine; cancelled ones don't count
    with pytest.raises(BookingConflict):
        booking.extend(made.event_id, 15)


def test_end_now_before_start_is_refused(booker):
    booking, _ = booker
    made = booking.book_now(at(1), 30)
    with pytest.raises(BookingError, match="not started"):
        booking.end_now(made.event_id, NOW)


def test_reviewer_rights_cannot_book_and_say_editor(booker, emu):
    booking, _ = booker
    emu.tenant.rooms[ROOM].access = "reviewer"
    with pytest.raises(SourceAuthError, match="-AccessRights Editor"):
        booking.book_now(NOW, 30)


def test_read_only_scope_cannot_book(emu, tmp_path):
    cid = f"app-{uuid.uuid4()}"
    emu.tenant.add_client(cid)
    emu.tenant.add_room(ROOM, access="editor")
    h = Hub(emu, cid, tmp_path)  # booking = false: only Calendars.Read.Shared requested
    h.login(emu)
    with pytest.raises(SourceAuthError, match="ErrorAccessDenied"):
        RoomBooking(h.client, h.calendars, ROOM).book_now(NOW, 30)


def test_write_that_timed_out_is_not_repeated(booker, emu):
    booking, h = booker
    h.client.timeout = 1.0
    emu.tenant.script(Fault(path="/events$", status=0, delay=2.0))
    with pytest.raises(SourceUnavailable, match="check the calendar"):
        booking.book_now(NOW, 30)

    def posts():
        return [r for r in emu.tenant.graph_records("/events$") if r.method == "POST"]

    # The emulator records a request when it answers: the slow one after its 2 s delay, a
    # repeat (sent once the client gave up after 1 s, and not delayed) before it.
    wait_until(posts, 10)
    time.sleep(0.3)
    assert len(posts()) == 1
