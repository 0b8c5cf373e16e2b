"""The Graph client against the emulator: paging, $batch, throttling, faults, concurrency."""

from __future__ import annotations

import threading

import pytest

from hub.m365 import M365Hub
from hub.m365.errors import GraphAuthError, GraphUnavailable
from hub.m365.graph import SubRequest, parse_retry_after
from hub.m365.source import calendar_view_path
from hub.sources.base import SourceAuthError, SourceUnavailable
from tests.m365_emulator import Fault, at, emulator_config

ROOM = "room-1@contoso.com"

pytest_plugins = ["tests.m365_emulator.fixtures"]


def _fill(emu, room, n, start_hour=0):
    for i in range(n):
        emu.tenant.add_event(room, at(start_hour + i * 0.5), at(start_hour + i * 0.5 + 0.25),
                             subject=f"Meeting {i}")


def test_calendar_view_pages_through_next_links(hub, emu):
    emu.tenant.add_room(ROOM)
    _fill(emu, ROOM, 23)
    hub.calendars.page_size = 10
    events = hub.calendars.fetch_one(ROOM, at(-1), at(24))
    assert [e.subject for e in events] == [f"Meeting {i}" for i in range(23)]
    pages = emu.tenant.graph_records("calendarView")
    assert len(pages) == 3  # 10 + 10 + 3
    assert all(r.status == 200 for r in pages)


def test_batched_fetch_pages_each_room_and_keeps_rooms_apart(hub, emu):
    for n, room in enumerate(["a@contoso.com", "b@contoso.com", "c@contoso.com"]):
        emu.tenant.add_room(room)
        _fill(emu, room, 5 + 10 * n)
    hub.calendars.page_size = 5
    results = hub.calendars.fetch_many(["a@contoso.com", "b@contoso.com", "c@contoso.com"],
                                       at(-1), at(24))
    assert {room: len(events) for room, events in results.items()} == {
        "a@contoso.com": 5, "b@contoso.com": 15, "c@contoso.com": 25}
    assert len(emu.tenant.graph_records(r"/\$batch")) == 5  # page depth of the deepest room
    assert all(r.in_batch for r in emu.tenant.graph_records("calendarView"))


def test_one_room_failing_does_not_stop_the_others(hub, emu):
    emu.tenant.add_room("ok@contoso.com")
    emu.tenant.add_room("denied@contoso.com", access="none")
    emu.tenant.add_room("flaky@contoso.com")
    _fill(emu, "ok@contoso.com", 2)
    emu.tenant.script(Fault(path="calendarView", room="flaky@contoso.com", status=503,
                            times=99, retry_after=None))
    hub.client.max_retries = 2
    results = hub.calendars.fetch_many(
        ["ok@contoso.com", "denied@contoso.com", "missing@contoso.com", "flaky@contoso.com"],
        at(-1), at(24))
    assert len(results["ok@contoso.com"]) == 2
    denied = results["denied@contoso.com"]
    assert isinstance(denied, SourceAuthError) and "ErrorAccessDenied" in str(denied)
    assert "Add-MailboxFolderPermission" in str(denied) and "24 h" in str(denied)
    missing = results["missing@contoso.com"]
    assert isinstance(missing, GraphAuthError) and missing.status == 404
    flaky = results["flaky@contoso.com"]
    assert isinstance(flaky, SourceUnavailable)
    # The flaky room alone was retried; the others were asked exactly once.
    per_room = {room: len([r for r in emu.tenant.graph_records("calendarView")
                           if r.mailbox == room]) for room in results}
    assert per_room == {"ok@contoso.com": 1, "denied@contoso.com": 1,
                        "missing@contoso.com": 1, "flaky@contoso.com": 3}


def test_429_storm_is_honoured_with_retry_after(hub, emu):
    emu.tenant.add_room(ROOM)
    _fill(emu, ROOM, 3)
    emu.tenant.script(Fault(path="calendarView", status=429, times=2, retry_after=1))
    events = hub.calendars.fetch_one(ROOM, at(-1), at(24))
    assert len(events) == 3
    calls = emu.tenant.graph_records("calendarView")
    assert [r.status for r in calls] == [429, 429, 200]
    gaps = [b.at - a.at for a, b in zip(calls, calls[1:], strict=False)]
    assert all(gap >= 0.95 for gap in gaps), gaps  # waited Retry-After: 1 each time
    assert hub.client.stats.throttled == 2


def test_429_storm_inside_batch_retries_only_throttled_rooms(hub, emu):
    rooms = [f"r{i}@contoso.com" for i in range(6)]
    for room in rooms:
        emu.tenant.add_room(room)
        _fill(emu, room, 1)
    emu.tenant.script(Fault(path="calendarView", room="r2@contoso.com", status=429),
                      Fault(path="calendarView", room="r4@contoso.com", status=429,
                            retry_after=None))
    results = hub.calendars.fetch_many(rooms, at(-1), at(24))
    assert all(len(results[r]) == 1 for r in rooms)
    batches = emu.tenant.graph_records(r"/\$batch")
    assert len(batches) == 2  # all six, then only r2 and r4
    assert batches[1].at - batches[0].at >= 0.95  # the largest Retry-After in the batch
    assert len(emu.tenant.graph_records("calendarView")) == 6 + 2


def test_throttled_envelope_and_503_are_retried(hub, emu):
    emu.tenant.add_room(ROOM)
    _fill(emu, ROOM, 1)
    emu.tenant.script(Fault(status=429, envelope=True, retry_after=0),
                      Fault(path="calendarView", status=503, retry_after=None))
    assert len(hub.calendars.fetch_many([ROOM], at(-1), at(24))[ROOM]) == 1


def test_long_retry_after_is_not_slept_through(hub, emu):
    emu.tenant.add_room(ROOM)
    emu.tenant.script(Fault(path="calendarView", status=429, retry_after=3600))
    with pytest.raises(GraphUnavailable) as err:
        hub.calendars.fetch_one(ROOM, at(-1), at(24))
    assert err.value.retry_after == 3600
    assert "retry in 3600 s" in str(err.value)


def test_slow_graph_times_out_and_is_retried(hub, emu):
    emu.tenant.add_room(ROOM)
    _fill(emu, ROOM, 1)
    hub.client.timeout = 1.0  # the retry must fit in it on a busy CI machine too
    emu.tenant.script(Fault(path="calendarView", status=0, delay=3.0))
    assert len(hub.calendars.fetch_one(ROOM, at(-1), at(24))) == 1
    assert hub.client.stats.retries == 1


def test_expired_access_token_gets_one_refresh(hub, emu):
    emu.tenant.add_room(ROOM)
    # The emulator forgets the token; msal still thinks it valid, so Graph answers 401.
    emu.tenant.access_tokens.clear()
    assert hub.calendars.fetch_one(ROOM, at(-1), at(24)) == []
    assert [r.status for r in emu.tenant.graph_records("calendarView")] == [401, 200]


def test_never_more_than_four_requests_per_mailbox(hub, emu):
    emu.tenant.add_room(ROOM)
    emu.tenant.add_room("other@contoso.com")
    emu.tenant.script(Fault(path="calendarView", status=0, delay=0.15, times=12))
    errors: list[Exception] = []

    def poll(room: str) -> None:
        try:
            hub.calendars.fetch_one(room, at(-1), at(24))
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=poll, args=(ROOM,)) for _ in range(10)]
    threads.append(threading.Thread(target=poll, args=("other@contoso.com",)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert emu.tenant.max_active[ROOM] == 4
    # Batches also keep to four per mailbox: 9 requests for one room -> 3 envelopes.
    emu.tenant.max_active.clear()
    hub.client.batch([_sub(ROOM) for _ in range(9)])
    assert emu.tenant.max_active[ROOM] <= 4
    assert len(emu.tenant.graph_records(r"/\$batch")) == 3


def _sub(room):
    return SubRequest(calendar_view_path(room, at(-1), at(24), 10))


def test_parse_retry_after_accepts_seconds_and_http_dates():
    assert parse_retry_after("7") == 7
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470) == 10
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_rooms_polled_one_by_one_share_one_batch(emu, client_id, tmp_path):
    for room in ("a@contoso.com", "b@contoso.com"):
        emu.tenant.add_room(room)
        _fill(emu, room, 2)
    emu.tenant.approve_after_polls = 1
    config = emulator_config(emu, client_id, tmp_path)
    m365 = M365Hub(config, poll_interval=300)
    m365.client.auth.login(lambda _m: None)
    a, b = m365.source("a@contoso.com"), m365.source("B@contoso.com")
    c = m365.source("x@contoso.com")
    assert len(a.fetch(at(-1), at(24))) == 2
    assert len(b.fetch(at(-1), at(24))) == 2
    with pytest.raises(SourceAuthError, match="no such mailbox"):
        c.fetch(at(-1), at(24))
    assert len(emu.tenant.graph_records(r"/\$batch")) == 1  # one refresh served all three
    a.fetch(at(0), at(24))  # another window: a new batch
    assert len(emu.tenant.graph_records(r"/\$batch")) == 2
    m365.group.max_age = 0  # stale: the next poll refreshes again
    b.fetch(at(0), at(24))
    assert len(emu.tenant.graph_records(r"/\$batch")) == 3
    m365.client.session.close()


def test_failed_envelope_is_not_retried_twice(hub, emu):
    emu.tenant.add_room(ROOM)
    emu.tenant.script(Fault(status=503, envelope=True, retry_after=None, times=99))
    hub.client.max_retries = 2
    result = hub.calendars.fetch_many([ROOM], at(-1), at(24))[ROOM]
    assert isinstance(result, SourceUnavailable)
    assert len(emu.tenant.graph_records(r"/\$batch")) == 3  # 1 + 2 retries, not 3 x 3


def test_backoff_grows_with_jitter_and_is_capped(hub):
    hub.client.base_backoff, hub.client.max_wait = 1.0, 30.0
    for attempt, cap in [(0, 1), (1, 2), (3, 8), (10, 30)]:
        waits = {hub.client.backoff(attempt) for _ in range(50)}
        assert all(cap / 2 <= w <= cap for w in waits)
        assert len(waits) > 1  # jittered: clients throttled together do not retry together


def test_shared_hub_is_one_per_config(emu, client_id, tmp_path):
    config = emulator_config(emu, client_id, tmp_path)
    first = M365Hub.shared(config, 300)
    assert M365Hub.shared(emulator_config(emu, client_id, tmp_path), 300) is first
    assert M365Hub.shared(config, 60) is not first


def test_a_poll_never_sleeps_more_than_its_retry_budget(hub, emu):
    """The hub polls on its one worker thread: retries may not block it for minutes."""
    rooms = ["a@contoso.com", "busy@contoso.com", "c@contoso.com"]
    for room in rooms:
        emu.tenant.add_room(room)
        _fill(emu, room, 1)
    emu.tenant.script(Fault(path="calendarView", room="busy@contoso.com", status=429,
                            times=99, retry_after=2))
    slept: list[float] = []
    hub.client.sleep = slept.append  # count the waits instead of waiting
    results = hub.calendars.fetch_many(rooms, at(-1), at(24))
    assert slept == [2, 2] and sum(slept) <= hub.client.retry_budget == 5
    assert len(results["a@contoso.com"]) == 1 and len(results["c@contoso.com"]) == 1
    busy = results["busy@contoso.com"]
    assert isinstance(busy, GraphUnavailable) and busy.retry_after == 2
    slept.clear()
    with pytest.raises(GraphUnavailable, match="retry in 2 s"):  # a single request too
        hub.calendars.fetch_one("busy@contoso.com", at(-1), at(24))
    assert slept == [2, 2]


def test_throttled_room_keeps_its_error_until_retry_after(emu, client_id, tmp_path):
    rooms = ["a@contoso.com", "busy@contoso.com"]
    for room in rooms:
        emu.tenant.add_room(room)
        _fill(emu, room, 1)
    emu.tenant.approve_after_polls = 1
    m365 = M365Hub(emulator_config(emu, client_id, tmp_path), poll_interval=300,
                   mailboxes=rooms)
    m365.client.auth.login(lambda _m: None)
    clock = [0.0]
    m365.group.clock = lambda: clock[0]
    emu.tenant.script(Fault(path="calendarView", room="busy@contoso.com", status=429,
                            times=99, retry_after=600))
    a, busy = m365.source("a@contoso.com"), m365.source("busy@contoso.com")

    def asked(room: str) -> int:
        return len([r for r in emu.tenant.graph_records("calendarView") if r.mailbox == room])

    assert len(a.fetch(at(-1), at(24))) == 1  # 600 s exceed the budget: not slept through
    with pytest.raises(GraphUnavailable, match="retry in 600 s"):
        busy.fetch(at(-1), at(24))
    assert asked("busy@contoso.com") == 1
    clock[0] = 300  # the next poll round: the others are refreshed, the throttled room waits
    assert len(a.fetch(at(-1), at(24))) == 1
    with pytest.raises(GraphUnavailable):
        busy.fetch(at(-1), at(24))
    assert (asked("a@contoso.com"), asked("busy@contoso.com")) == (2, 1)
    emu.tenant.faults.clear()
    clock[0] = 601  # Retry-After has passed: asked again
    assert len(busy.fetch(at(-1), at(24))) == 1
    assert asked("busy@contoso.com") == 2
    m365.client.session.close()
