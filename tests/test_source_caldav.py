"""CalDAV on a real Radicale server: booking with conflict checks, errors, expansion modes."""

from __future__ import annotations

import logging
import socket
import uuid
from datetime import timedelta

import pytest

from hub.errors import UserError
from hub.sources.base import (
    BookingConflict,
    SourceAuthError,
    SourceUnavailable,
    WritableSource,
)
from hub.sources.caldav_source import CalDavSource
from hub.sources.factory import source_from_options
from hub.sources.ics import IcsFileSource
from tests import sources_servers
from tests.sources_contract import CASES, ROOM_TZ, check, local
from tests.sources_servers import upload

radicale = sources_servers.radicale  # the session's Radicale server (fixture)

DAY = (local("2026-11-10 00:00"), local("2026-11-11 00:00"))


@pytest.fixture
def room(radicale):
    """A fresh, empty room calendar and a source for it."""
    url = radicale.make_calendar(f"room-{uuid.uuid4().hex[:8]}")
    return CalDavSource(url, radicale.username, radicale.password, ROOM_TZ)


def _busy(source) -> list[tuple[str, str, str]]:
    return [(f"{e.start.astimezone(ROOM_TZ):%H:%M}", f"{e.end.astimezone(ROOM_TZ):%H:%M}",
             e.subject) for e in source.fetch(*DAY) if e.busy]


def _fresh(source: CalDavSource, radicale) -> CalDavSource:
    """A second source on the same calendar: proves the write reached the server."""
    return CalDavSource(source.url, radicale.username, radicale.password, ROOM_TZ)


def test_caldav_source_is_writable_and_ics_is_not(room, tmp_path) -> None:
    assert isinstance(room, WritableSource)
    assert not isinstance(IcsFileSource(tmp_path / "x.ics", ROOM_TZ), WritableSource)


def test_book_then_conflict(room, radicale) -> None:
    event = room.book(local("2026-11-10 10:00"), local("2026-11-10 11:00"), "Ad-hoc")
    assert event.uid and event.busy and event.subject == "Ad-hoc"
    assert _busy(_fresh(room, radicale)) == [("10:00", "11:00", "Ad-hoc")]

    with pytest.raises(BookingConflict, match="room is taken 10:00–11:00") as err:
        room.book(local("2026-11-10 10:30"), local("2026-11-10 11:30"), "Late comer")
    assert [c.uid for c in err.value.conflicts] == [event.uid]
    # Back to back is not a conflict.
    room.book(local("2026-11-10 11:00"), local("2026-11-10 11:15"), "Next")
    assert _busy(_fresh(room, radicale)) == [("10:00", "11:00", "Ad-hoc"),
                                             ("11:00", "11:15", "Next")]


def test_free_events_do_not_block_a_booking(room, radicale) -> None:
    calendar = radicale.client().calendar(url=room.url)
    upload(calendar, next(c for c in CASES if c.name == "transparent").path.read_bytes())
    day = (local("2026-10-21 00:00"), local("2026-10-22 00:00"))
    room.book(local("2026-10-21 09:00"), local("2026-10-21 10:00"), "During cleaning")
    with pytest.raises(BookingConflict, match="Board meeting"):
        room.book(local("2026-10-21 11:30"), local("2026-10-21 12:30"), "Clash")
    assert [e.subject for e in room.fetch(*day) if e.busy] == ["During cleaning",
                                                                "Board meeting"]


def test_private_conflict_does_not_reveal_subject(room, radicale) -> None:
    calendar = radicale.client().calendar(url=room.url)
    upload(calendar, next(c for c in CASES if c.name == "private").path.read_bytes())
    with pytest.raises(BookingConflict) as err:
        room.book(local("2026-10-21 10:30"), local("2026-10-21 10:45"), "Quick chat")
    assert "Private meeting" in str(err.value) and "Salary" not in str(err.value)


def test_end_early_and_cancel_before_start(room, radicale) -> None:
    first = room.book(local("2026-11-10 10:00"), local("2026-11-10 11:00"), "Ends early")
    later = room.book(local("2026-11-10 14:00"), local("2026-11-10 15:00"), "Never starts")
    ended = room.end_early(first.uid, local("2026-11-10 10:20"))
    assert ended.end == local("2026-11-10 10:20")
    gone = room.end_early(later.uid, local("2026-11-10 13:00"))
    assert not gone.busy and gone.start == gone.end
    assert _busy(_fresh(room, radicale)) == [("10:00", "10:20", "Ends early")]


def test_someone_elses_future_meeting_is_not_cancelled(room, radicale) -> None:
    calendar = radicale.client().calendar(url=room.url)
    upload(calendar, next(c for c in CASES if c.name == "simple").path.read_bytes())
    with pytest.raises(BookingConflict, match="has not started"):
        room.end_early("simple-standup@roomink.test", local("2026-10-20 08:00"))
    day = (local("2026-10-20 00:00"), local("2026-10-21 00:00"))
    assert len(_fresh(room, radicale).fetch(*day)) == 2


def test_extend_checks_for_conflicts(room, radicale) -> None:
    mine = room.book(local("2026-11-10 10:00"), local("2026-11-10 11:00"), "Mine")
    room.book(local("2026-11-10 12:00"), local("2026-11-10 13:00"), "Theirs")
    assert room.extend(mine.uid, local("2026-11-10 11:30")).end == local("2026-11-10 11:30")
    with pytest.raises(BookingConflict, match="12:00–13:00"):
        room.extend(mine.uid, local("2026-11-10 12:30"))
    assert _busy(_fresh(room, radicale)) == [("10:00", "11:30", "Mine"),
                                             ("12:00", "13:00", "Theirs")]


def test_shorten_one_occurrence_of_a_series(room, radicale) -> None:
    calendar = radicale.client().calendar(url=room.url)
    case = next(c for c in CASES if c.name == "weekly_dst")
    upload(calendar, case.path.read_bytes())
    room.end_early("weekly-dst@roomink.test", local("2026-10-27 10:25"))
    events = _fresh(room, radicale).fetch(case.start, case.end)
    assert [(f"{e.start:%d %H:%M}", f"{e.end:%H:%M}") for e in events] == [
        ("20 10:00", "11:00"), ("27 10:00", "10:25")]
    # And the next week is still on, at its usual length.
    later = room.fetch(local("2026-11-02 00:00"), local("2026-11-09 00:00"))
    assert [(f"{e.start:%d %H:%M}", f"{e.end:%H:%M}") for e in later] == [("03 10:00", "11:00")]
    room.extend("weekly-dst@roomink.test", local("2026-10-27 10:40"))
    assert [e.end for e in room.fetch(case.start, case.end)][1] == local("2026-10-27 10:40")


def test_meeting_changed_meanwhile_is_a_conflict(room, radicale) -> None:
    mine = room.book(local("2026-11-10 10:00"), local("2026-11-10 11:00"), "Contested")
    other = radicale.client().calendar(url=room.url)
    load = room._load

    def load_then_someone_edits(uid):
        obj = load(uid)
        theirs = other.get_event_by_uid(uid)
        theirs.icalendar_component["SUMMARY"] = "Edited elsewhere"
        theirs.save()
        return obj

    room._load = load_then_someone_edits
    with pytest.raises(BookingConflict, match="changed meanwhile"):
        room.extend(mine.uid, local("2026-11-10 11:30"))
    assert _busy(_fresh(room, radicale)) == [("10:00", "11:00", "Edited elsewhere")]


def test_unknown_uid_is_a_conflict(room) -> None:
    with pytest.raises(BookingConflict, match="no longer exists"):
        room.end_early("nobody@nowhere", local("2026-11-10 10:00"))


def test_wrong_password_needs_the_admin(radicale, room) -> None:
    source = CalDavSource(room.url, radicale.username, "wrong-" + radicale.password, ROOM_TZ)
    with pytest.raises(SourceAuthError, match="refused the username or password") as err:
        source.fetch(*DAY)
    assert radicale.password not in str(err.value)


def test_missing_calendar_needs_the_admin(radicale) -> None:
    source = CalDavSource(radicale.base_url + "no-such-room/", radicale.username,
                          radicale.password, ROOM_TZ)
    with pytest.raises(SourceAuthError, match="404|no calendar"):
        source.fetch(*DAY)


def test_server_down_is_transient() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    source = CalDavSource(f"http://127.0.0.1:{port}/rooms/a/", "u", "p", ROOM_TZ, timeout=2)
    with pytest.raises(SourceUnavailable, match="server unreachable") as err:
        source.fetch(*DAY)
    assert err.value.retry_after and source.next_attempt is not None
    with pytest.raises(SourceUnavailable) as again:
        source.fetch(*DAY)
    assert str(again.value) == str(err.value)  # same fault, same line: logged once
    assert again.value.retry_after > err.value.retry_after
    with pytest.raises(SourceUnavailable):
        source.book(local("2026-11-10 10:00"), local("2026-11-10 11:00"), "x")


def test_auto_expansion_uses_the_server_and_falls_back(radicale, caplog) -> None:
    case = next(c for c in CASES if c.name == "simple")
    url = radicale.make_calendar(f"auto-{uuid.uuid4().hex[:8]}")
    upload(radicale.client().calendar(url=url), case.path.read_bytes())
    source = CalDavSource(url, radicale.username, radicale.password, ROOM_TZ, expand="auto")
    calls = []
    search = source._calendar.search

    def spy(**kwargs):
        calls.append(kwargs.get("server_expand", False))
        return search(**kwargs)

    source._calendar.search = spy
    check(case, source.fetch(case.start, case.end))
    assert calls == [True, False] and source.expand == "auto"  # first answer checked
    calls.clear()
    check(case, source.fetch(case.start, case.end))
    assert calls == [True] and source.expand == "auto"  # then trusted

    # Radicale 3.9 answers 500 to expanding a recurring floating event: fall back, once.
    floating = next(c for c in CASES if c.name == "floating")
    url = radicale.make_calendar(f"auto-{uuid.uuid4().hex[:8]}")
    upload(radicale.client().calendar(url=url), floating.path.read_bytes())
    source = CalDavSource(url, radicale.username, radicale.password, ROOM_TZ, expand="auto")
    search = source._calendar.search
    source._calendar.search = spy
    calls.clear()
    with caplog.at_level(logging.WARNING):
        check(floating, source.fetch(floating.start, floating.end))
    assert calls == [True, False] and source.expand == "client"
    assert "server-side expansion failed" in caplog.text


def test_auto_expansion_distrusts_a_wrong_server(tmp_path, caplog) -> None:
    """A private Radicale, so its time-zone registry starts empty and the result is stable.

    Radicale 3.9 misreads the VTIMEZONE that icalendar writes for Europe/Berlin and expands
    summer-time occurrences an hour late; "auto" must notice on its first answer.
    """
    server = sources_servers.Radicale(tmp_path)
    server.start()
    try:
        case = next(c for c in CASES if c.name == "exdate")
        url = server.make_calendar("room")
        upload(server.client().calendar(url=url), case.path.read_bytes())

        def source(expand):
            return CalDavSource(url, server.username, server.password, ROOM_TZ, expand=expand)

        server_says = source("server").fetch(case.start, case.end)
        ours = source("client").fetch(case.start, case.end)
        auto = source("auto")
        with caplog.at_level(logging.WARNING):
            check(case, auto.fetch(case.start, case.end))
        if [(e.start, e.end) for e in server_says] != [(e.start, e.end) for e in ours]:
            # What Radicale 3.9 does today.
            assert auto.expand == "client" and "disagrees" in caplog.text
        else:
            assert auto.expand == "auto"
    finally:
        server.stop()


def test_factory_reads_password_from_file_or_env(radicale, room, tmp_path,
                                                 monkeypatch) -> None:
    secret = tmp_path / "room.pass"
    secret.write_text(radicale.password + "\n")
    secret.chmod(0o600)
    options = {"url": room.url, "username": radicale.username, "password_file": str(secret)}
    assert source_from_options("caldav", options, ROOM_TZ).fetch(*DAY) == []
    monkeypatch.setenv("ROOMINK_TEST_PASS", radicale.password)
    options = {"url": room.url, "username": radicale.username,
               "password_env": "ROOMINK_TEST_PASS"}
    assert source_from_options("caldav", options, ROOM_TZ).fetch(*DAY) == []

    secret.chmod(0o644)
    with pytest.raises(UserError, match="readable by every user"):
        source_from_options("caldav", {**options, "password_env": None,
                                       "password_file": str(secret)}, ROOM_TZ)
    with pytest.raises(UserError, match="not in the config"):
        source_from_options("caldav", {**options, "password": "inline"}, ROOM_TZ)
    monkeypatch.delenv("ROOMINK_TEST_PASS")
    with pytest.raises(UserError, match="ROOMINK_TEST_PASS is not set"):
        source_from_options("caldav", options, ROOM_TZ)


def test_booking_times_are_validated(room) -> None:
    start = local("2026-11-10 10:00")
    with pytest.raises(ValueError):
        room.book(start, start - timedelta(minutes=5), "Backwards")

