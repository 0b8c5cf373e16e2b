"""Booking Microsoft 365 rooms through the booking service, against the local Graph emulator:
the same rules (once per key, capped, conflicts refused) on the Graph write path."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from hub.booking.m365 import M365Writer, m365_writers
from hub.booking.offer import Action
from hub.booking.service import BookingService
from hub.config import parse_config
from hub.m365.booking import RoomBooking
from hub.schedule import RoomSchedule
from renderer.strings import get_locale
from tests.m365_emulator import NOW, at
from tests.m365_emulator.hubside import Hub

pytest_plugins = ["tests.m365_emulator.fixtures"]

ROOM = "atlas@contoso.com"


class RoomReader:
    def __init__(self, h: Hub) -> None:
        self.h = h

    def fetch(self, start, end):
        return self.h.calendars.fetch_one(ROOM, start, end)


@pytest.fixture
def graph(emu, tmp_path):
    cid = f"app-{uuid.uuid4()}"
    emu.tenant.add_client(cid)
    emu.tenant.add_room(ROOM, "Atlas", access="editor")
    h = Hub(emu, cid, tmp_path, booking=True, timezone="Europe/Berlin")
    h.login(emu)
    reader = RoomReader(h)
    writer = M365Writer(reader, lambda: RoomBooking(h.client, h.calendars, ROOM))

    def schedule(_room: str) -> RoomSchedule:
        return RoomSchedule("Atlas", tuple(reader.fetch(at(-2), at(4))), fetched_at=NOW)

    service = BookingService({"atlas": writer}, schedule, get_locale("de"), "Spontan")
    yield service, reader
    h.session.close()


def _busy(reader: RoomReader) -> list[tuple[float, float, str]]:
    return [((e.start - NOW) / timedelta(hours=1), (e.end - NOW) / timedelta(hours=1),
             e.subject) for e in reader.fetch(at(-2), at(4)) if e.busy]


def test_book_extend_end_through_graph(graph, emu) -> None:
    service, reader = graph
    emu.tenant.add_event(ROOM, at(1), at(2), subject="Design review")
    booked, new = service.perform("atlas", Action("book", 30), "k1", NOW + timedelta(seconds=5))
    assert new and booked.ok and _busy(reader) == [(0, 0.5, "Spontan"),
                                                  (1, 2, "Design review")]
    again, new = service.perform("atlas", Action("book", 30), "k1", NOW)
    assert not new and again == booked and len(_busy(reader)) == 2  # once per key
    # At 0:15 the room is ours already: nothing left to book.
    taken, _ = service.perform("atlas", Action("book", 60), "k2", at(0.25))
    assert not taken.ok and taken.short == "Taken"
    longer, _ = service.perform("atlas", Action("extend", 15, uid=booked.event.uid), "k3",
                                at(0.25))
    assert longer.ok and _busy(reader)[0] == (0, 0.75, "Spontan")
    ended, _ = service.perform("atlas", Action("end", uid=booked.event.uid), "k4", at(0.5))
    assert ended.ok and _busy(reader)[0] == (0, 0.5, "Spontan")


def test_graph_conflict_is_a_refusal_not_a_write(graph, emu) -> None:
    service, reader = graph
    # The hub's schedule does not know the meeting yet; Graph's check right before the
    # write does.
    emu.tenant.add_event(ROOM, at(0.25), at(1), subject="Late addition")
    stale = lambda _room: RoomSchedule("Atlas", (), fetched_at=NOW)  # noqa: E731
    service.schedules = stale
    outcome, _ = service.perform("atlas", Action("book", 60), "k", NOW)
    assert not outcome.ok and outcome.short == "Taken" and "Late addition" in outcome.message
    assert _busy(reader) == [(0.25, 1, "Late addition")]


def test_writers_only_when_m365_booking_is_on(tmp_path) -> None:
    def config(booking: str):
        text = (f'[m365]\nclient_id = "x"\n{booking}\n\n[[rooms]]\nid = "atlas"\n'
                f'calendar = {{ type = "m365", mailbox = "{ROOM}" }}\n')
        return parse_config(text, tmp_path / "roomink.toml")

    feeds = {"atlas": type("Feed", (), {"source": object()})()}
    assert m365_writers(config(""), feeds) == {}
    writers = m365_writers(config("booking = true"), feeds)
    assert isinstance(writers["atlas"], M365Writer)  # built lazily: nothing contacted yet
    assert writers["atlas"]._booking is None
