"""Small helpers behind the sources: URL redaction, backoff, secrets, config, rule estimates."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime

import icalendar
import pytest

from hub.errors import UserError
from hub.sources.backoff import Backoff
from hub.sources.credentials import read_secret
from hub.sources.factory import source_from_options
from hub.sources.http_cache import parse_retry_after
from hub.sources.ics import IcsFileSource, IcsUrlSource, open_ics_source
from hub.sources.recurrence_guard import estimate_steps
from hub.sources.redact import SecretUrlFilter, redact_url
from tests.sources_contract import ROOM_TZ

GOOGLE = ("https://calendar.google.com/calendar/ical/c_1a2b3c%40resource.calendar.google.com/"
          "private-0123456789abcdef0123456789abcdef/basic.ics")


@pytest.mark.parametrize(("url", "shown"), [
    (GOOGLE, "https://calendar.google.com/…/basic.ics"),
    ("https://outlook.office365.com/owa/calendar/4f1e@example.com/"
     "9c2b7a1d0e3f4a5b/calendar.ics", "https://outlook.office365.com/…/calendar.ics"),
    ("https://cloud.example.com/remote.php/dav/public-calendars/Zk3xQ9pLmN2rT8vW?export",
     "https://cloud.example.com/…"),
    ("https://user:pa55@ics.example.com:8443/feeds/room.ics?token=abc",
     "https://ics.example.com:8443/…/room.ics"),
    ("https://example.com/room.ics", "https://example.com/room.ics"),
    ("https://example.com/a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6.ics", "https://example.com/…"),
    ("https://example.com/?key=secret", "https://example.com/…"),
    ("http://[::1]:8080/x/basic.ics", "http://[::1]:8080/…/basic.ics"),
    ("not a url", "<unreadable URL>"),
    ("https://bad:port:x/", "<unreadable URL>"),
])
def test_redact_url(url, shown) -> None:
    assert redact_url(url) == shown


def test_secret_filter_scrubs_log_records() -> None:
    filt = SecretUrlFilter()
    filt.add(GOOGLE)
    record = logging.LogRecord("urllib3.connectionpool", logging.DEBUG, __file__, 1,
                               '%s://%s:%s "%s %s %s" %s %s',
                               ("https", "calendar.google.com", 443, "GET",
                                GOOGLE.split(".com", 1)[1], "HTTP/1.1", 200, None), None)
    assert filt.filter(record)
    assert "private-0123" not in record.getMessage()
    assert "…/basic.ics" in record.getMessage()


def test_backoff_grows_caps_and_resets() -> None:
    now = [1000.0]
    backoff = Backoff(base=10, factor=3, cap=100, jitter=0, clock=lambda: now[0])
    assert backoff.ready() and backoff.remaining() == 0
    assert [backoff.failure() for _ in range(4)] == [10, 30, 90, 100]
    assert backoff.next_attempt == 1100 and not backoff.ready()
    now[0] = 1100
    assert backoff.ready()
    assert backoff.failure(retry_after=500) == 100  # capped even when the server asks more
    assert backoff.failure(retry_after=5) == 100
    backoff.success()
    assert backoff.failures == 0 and backoff.next_attempt is None
    assert backoff.failure(retry_after=60) == 60  # the server's wish beats a short delay


def test_backoff_jitter_stays_in_bounds() -> None:
    backoff = Backoff(base=100, jitter=0.1, rng=random.Random(7))
    delays = []
    for _ in range(50):
        backoff.success()
        delays.append(backoff.failure())
    assert all(90 <= d <= 110 for d in delays) and len(set(delays)) > 1


def test_parse_retry_after() -> None:
    now = datetime(2026, 10, 20, 12, 0, tzinfo=UTC).timestamp()
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Tue, 20 Oct 2026 12:01:30 GMT", now) == 90
    assert parse_retry_after("Tue, 20 Oct 2026 11:00:00 GMT", now) == 0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_read_secret(tmp_path) -> None:
    path = tmp_path / "pw"
    path.write_text("s3cret\n")
    path.chmod(0o640)  # group-readable is fine (a service group)
    assert read_secret(file=path) == "s3cret"
    assert read_secret(env="X", environ={"X": "t0ken"}) == "t0ken"
    with pytest.raises(Exception, match="exactly one"):
        read_secret(file=path, env="X")
    with pytest.raises(Exception, match="does not exist"):
        read_secret(file=tmp_path / "none")
    (tmp_path / "empty").write_text("\n")
    (tmp_path / "empty").chmod(0o600)
    with pytest.raises(Exception, match="is empty"):
        read_secret(file=tmp_path / "empty")


def test_factory_ics_variants(tmp_path, monkeypatch) -> None:
    source = source_from_options("ics", {"path": "room.ics"}, ROOM_TZ, base_dir=tmp_path)
    assert isinstance(source, IcsFileSource) and source.path == tmp_path / "room.ics"
    monkeypatch.setenv("ROOM_ICS", GOOGLE)
    source = source_from_options("ics", {"url_env": "ROOM_ICS"}, ROOM_TZ)
    assert isinstance(source, IcsUrlSource) and source.shown.endswith("/…/basic.ics")
    webcal = source_from_options("ics", {"url": "webcal://example.com/room.ics"}, ROOM_TZ)
    assert webcal.shown == "https://example.com/room.ics"
    with pytest.raises(UserError, match="exactly one of path, url"):
        source_from_options("ics", {"path": "a.ics", "url": GOOGLE}, ROOM_TZ)
    with pytest.raises(UserError, match="unknown option"):
        source_from_options("ics", {"path": "a.ics", "colour": "red"}, ROOM_TZ)
    with pytest.raises(UserError, match="must start with https://") as err:
        source_from_options("ics", {"url": "ftp://secret-host/abc"}, ROOM_TZ)
    assert "secret-host" not in str(err.value)
    with pytest.raises(UserError, match="unknown calendar type"):
        source_from_options("exchange2003", {}, ROOM_TZ)
    assert isinstance(open_ics_source("file:///tmp/x.ics", ROOM_TZ), IcsFileSource)
    assert isinstance(open_ics_source("https://a.example/x.ics", ROOM_TZ), IcsUrlSource)


@pytest.mark.parametrize(("rule", "start", "at_most"), [
    ("FREQ=WEEKLY;BYDAY=TU", datetime(1995, 1, 3, tzinfo=UTC), 12_000),
    ("FREQ=SECONDLY", datetime(2026, 10, 1, tzinfo=UTC), 10**8),
    ("FREQ=SECONDLY;UNTIL=20261001T000100Z", datetime(2026, 10, 1, tzinfo=UTC), 61),
    ("FREQ=MONTHLY;BYDAY=1MO", datetime(2000, 1, 1, tzinfo=UTC), 10_000),
])
def test_estimate_is_an_upper_bound_of_dateutil(rule, start, at_most) -> None:
    from dateutil.rrule import rrulestr

    window_end = datetime(2026, 10, 26, tzinfo=UTC)
    estimate = estimate_steps(icalendar.vRecur.from_ical(rule), start, window_end, UTC)
    assert estimate <= at_most
    if estimate < 100_000:  # cheap enough to check against the real expansion
        real = len(rrulestr(rule, dtstart=start).between(start, window_end, inc=True))
        assert estimate >= real


def _instance(name: str) -> icalendar.Calendar:
    from tests.sources_contract import FIXTURES

    return icalendar.Calendar.from_ical((FIXTURES / f"{name}.ics").read_bytes())


def test_set_end_keeps_the_zone_of_dtstart() -> None:
    from hub.sources.ical_edit import occurrence_component, set_end
    from tests.sources_contract import local

    stamp = datetime(2026, 10, 20, tzinfo=UTC)
    berlin = _instance("simple")
    component = occurrence_component(berlin, local("2026-10-20 09:10"), ROOM_TZ)
    set_end(component, local("2026-10-20 09:20").astimezone(UTC), ROOM_TZ, stamp)
    assert b"DTEND;TZID=Europe/Berlin:20261020T092000" in component.to_ical()

    floating = _instance("floating")
    component = occurrence_component(floating, local("2026-10-21 09:30"), ROOM_TZ)
    set_end(component, local("2026-10-21 09:45").astimezone(UTC), ROOM_TZ, stamp)
    assert b"DTEND:20261021T094500\r\n" in component.to_ical()  # still floating


def test_occurrence_of_a_series_becomes_an_override() -> None:
    from hub.sources.ical_edit import occurrence_component, vevents
    from tests.sources_contract import local

    series = _instance("edited_occurrence")
    assert occurrence_component(series, local("2026-10-21 14:30"), ROOM_TZ) is None  # moved
    moved = occurrence_component(series, local("2026-10-22 16:30"), ROOM_TZ)
    assert str(moved["SUMMARY"]) == "Planning (moved)" and len(vevents(series)) == 2
    new = occurrence_component(series, local("2026-10-28 14:30"), ROOM_TZ)
    assert new.decoded("RECURRENCE-ID") == local("2026-10-28 14:00")
    assert new.get("RRULE") is None and len(vevents(series)) == 3
    again = occurrence_component(series, local("2026-10-28 14:45"), ROOM_TZ)
    assert again is new and len(vevents(series)) == 3
