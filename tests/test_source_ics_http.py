"""ICS over HTTP against a local web server: revalidation, limits, errors, secret URLs."""

from __future__ import annotations

import logging
import socket
import time

import pytest

from hub.sources.backoff import Backoff
from hub.sources.base import SourceAuthError, SourceDataError, SourceUnavailable
from hub.sources.ics import IcsUrlSource
from tests import sources_servers
from tests.sources_contract import CASES, ROOM_TZ, check
from tests.sources_servers import Route

# Fixtures shared with the other source tests.
ics_server = sources_servers.ics_server


CASE = next(c for c in CASES if c.name == "weekly_dst")
SECRET = "private-8f3a1c9d2b7e4f60a5c3d1e2f3a4b5c6"


def _path(name: str) -> str:
    return f"/calendar/ical/room%40example.com/{SECRET}/{name}/basic.ics"


def _source(server, path: str, **options) -> IcsUrlSource:
    options.setdefault("backoff", Backoff(base=10, jitter=0))
    return IcsUrlSource(server.url(path), ROOM_TZ, **options)


def test_etag_revalidation_reuses_body_and_parse(ics_server) -> None:
    path = _path("etag")
    ics_server.routes[path] = Route(body=CASE.path.read_bytes(), etag='"v1"')
    source = _source(ics_server, path)
    check(CASE, source.fetch(CASE.start, CASE.end))
    check(CASE, source.fetch(CASE.start, CASE.end))
    seen = [s for s in ics_server.seen if s.path == path]
    assert [s.status for s in seen] == [200, 304]
    assert "If-None-Match" not in seen[0].headers
    assert seen[0].headers["User-Agent"].startswith("roomink/")
    assert seen[1].headers["If-None-Match"] == '"v1"'
    assert source.parses == 1 and source.fetcher.not_modified == 1

    # A new version is downloaded and parsed again.
    ics_server.routes[path] = Route(body=CASE.path.read_bytes().replace(b"Team weekly",
                                                                        b"Team sync"),
                                    etag='"v2"')
    events = source.fetch(CASE.start, CASE.end)
    assert [e.subject for e in events] == ["Team sync", "Team sync"]
    assert source.parses == 2


def test_last_modified_revalidation(ics_server) -> None:
    path = _path("last-modified")
    ics_server.routes[path] = Route(body=CASE.path.read_bytes(), last_modified=1_700_000_000)
    source = _source(ics_server, path)
    first = source.fetch(CASE.start, CASE.end)
    second = source.fetch(CASE.start, CASE.end)
    assert first == second and len(first) == 2
    seen = [s for s in ics_server.seen if s.path == path]
    assert [s.status for s in seen] == [200, 304]
    assert seen[1].headers["If-Modified-Since"] == "Tue, 14 Nov 2023 22:13:20 GMT"
    assert source.parses == 1


def test_read_timeout_is_transient(ics_server) -> None:
    path = _path("slow")
    ics_server.routes[path] = Route(body=CASE.path.read_bytes(), delay=1.5)
    source = _source(ics_server, path, read_timeout=0.3)
    with pytest.raises(SourceUnavailable, match="timeout") as err:
        source.fetch(CASE.start, CASE.end)
    assert err.value.retry_after == pytest.approx(10)
    assert source.next_attempt is not None


def test_oversized_body_with_content_length(ics_server) -> None:
    path = _path("big")
    ics_server.routes[path] = Route(body=b"X" * 200_000)
    source = _source(ics_server, path, max_bytes=100_000)
    with pytest.raises(SourceDataError, match="over the 100,000-byte limit"):
        source.fetch(CASE.start, CASE.end)


def test_oversized_body_without_length_is_cut_off(ics_server) -> None:
    path = _path("endless")
    ics_server.routes[path] = Route(endless=True)
    source = _source(ics_server, path, max_bytes=300_000)
    with pytest.raises(SourceDataError, match="download stopped"):
        source.fetch(CASE.start, CASE.end)


@pytest.mark.parametrize(("status", "error", "text"), [
    (404, SourceAuthError, "not found \\(HTTP 404\\)"),
    (410, SourceAuthError, "revoked"),
    (403, SourceAuthError, "HTTP 403"),
    (500, SourceUnavailable, "HTTP 500"),
    (503, SourceUnavailable, "HTTP 503"),
    (429, SourceUnavailable, "HTTP 429"),
])
def test_http_errors(ics_server, status, error, text) -> None:
    path = _path(f"status-{status}")
    ics_server.routes[path] = Route(status=status)
    with pytest.raises(error, match=text) as err:
        _source(ics_server, path).fetch(CASE.start, CASE.end)
    assert SECRET not in str(err.value)
    # No chained exception that a logged traceback could print the URL from.
    assert err.value.__cause__ is None
    assert err.value.__context__ is None or err.value.__suppress_context__


def test_retry_after_header_and_backoff_growth(ics_server) -> None:
    path = _path("throttled")
    ics_server.routes[path] = Route(status=503, headers={"Retry-After": "120"})
    source = _source(ics_server, path)
    with pytest.raises(SourceUnavailable) as err:
        source.fetch(CASE.start, CASE.end)
    assert err.value.retry_after == 120  # the server asked for more than our 10 s

    ics_server.routes[path] = Route(status=500)
    delays, texts = [], set()
    for _ in range(3):
        with pytest.raises(SourceUnavailable) as err:
            source.fetch(CASE.start, CASE.end)
        delays.append(err.value.retry_after)
        texts.add(str(err.value))
    assert delays == [20, 40, 80]
    assert len(texts) == 1  # same fault, same line: the hub logs it once

    ics_server.routes[path] = Route(body=CASE.path.read_bytes())
    assert len(source.fetch(CASE.start, CASE.end)) == 2
    assert source.next_attempt is None and source.backoff.failures == 0


def test_connection_refused_is_transient() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    source = IcsUrlSource(f"http://127.0.0.1:{port}/{SECRET}/basic.ics", ROOM_TZ)
    with pytest.raises(SourceUnavailable, match="connection refused") as err:
        source.fetch(CASE.start, CASE.end)
    assert SECRET not in str(err.value)


def test_html_login_page_is_a_data_error(ics_server) -> None:
    path = _path("login")
    ics_server.routes[path] = Route(body=b"<!doctype html><title>Sign in</title>")
    with pytest.raises(SourceDataError, match="no BEGIN:VCALENDAR"):
        _source(ics_server, path).fetch(CASE.start, CASE.end)


def test_secret_url_never_logged(ics_server, caplog) -> None:
    """Not in our messages, not in urllib3's debug lines (`roomink -v`)."""
    caplog.set_level(logging.DEBUG)
    path = _path("logged") + "?token=hunter2"
    ics_server.routes[path.split("?")[0]] = Route(body=b"BEGIN:VCALENDAR\r\nBROKEN\r\n")
    source = _source(ics_server, path)
    with pytest.raises(SourceDataError) as err:
        source.fetch(CASE.start, CASE.end)
    ics_server.routes[path.split("?")[0]] = Route(status=500)
    with pytest.raises(SourceUnavailable) as err2:
        source.fetch(CASE.start, CASE.end)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "127.0.0.1" in logged  # urllib3 did log the request...
    for text in (logged, str(err.value), str(err2.value), source.shown):
        assert SECRET not in text and "hunter2" not in text  # ...but not the secret
    assert source.shown == f"http://127.0.0.1:{ics_server.port}/…/basic.ics"


def test_slow_drip_hits_the_deadline(ics_server) -> None:
    path = _path("drip")
    ics_server.routes[path] = Route(endless=True)
    source = _source(ics_server, path, deadline=0.2, max_bytes=10**12)
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match="download took over"):
        source.fetch(CASE.start, CASE.end)
    assert time.monotonic() - started < 30  # hang guard, not a speed check


def test_https_with_a_private_ca(tmp_path) -> None:
    cert, key = sources_servers.self_signed_cert(tmp_path)
    server = sources_servers.IcsServer(tls=(cert, key))
    server.start()
    try:
        path = _path("tls")
        server.routes[path] = Route(body=CASE.path.read_bytes())
        with pytest.raises(SourceUnavailable, match="TLS handshake failed"):
            _source(server, path).fetch(CASE.start, CASE.end)
        source = _source(server, path, verify=str(cert))
        check(CASE, source.fetch(CASE.start, CASE.end))
    finally:
        server.stop()
