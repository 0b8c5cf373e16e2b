"""Every calendar source passes the same contract (tests/sources_contract.py).

Sources: an ICS file, the same ICS served over HTTP (with ETag revalidation), and CalDAV on a
real Radicale server (default client-side expansion; server-side expansion is tested in
test_source_caldav.py, since Radicale's is wrong across DST changes).
Each case is fetched twice: the second answer comes from the source's cache (unchanged file,
304 Not Modified) or a second REPORT, and must be just as right.
"""

from __future__ import annotations

import pytest

from hub.sources.caldav_source import CalDavSource
from hub.sources.ics import IcsFileSource, IcsUrlSource
from tests import sources_servers
from tests.sources_contract import CASES, ROOM_TZ, Case, check
from tests.sources_servers import Route

# Fixtures shared with the other source tests.
ics_server = sources_servers.ics_server
radicale = sources_servers.radicale


BACKENDS = ("ics-file", "ics-http", "caldav")


@pytest.fixture(params=BACKENDS)
def make_source(request):
    backend = request.param

    def make(case: Case):
        if backend == "ics-file":
            return IcsFileSource(case.path, ROOM_TZ)
        if backend == "ics-http":
            server = request.getfixturevalue("ics_server")
            path = f"/contract/{case.name}.ics"
            server.routes[path] = Route(body=case.path.read_bytes(), etag=f'"{case.name}-1"')
            return IcsUrlSource(server.url(path), ROOM_TZ)
        server = request.getfixturevalue("radicale")
        url = server.calendar_with(f"contract-{case.name.replace('_', '-')}",
                                   case.path.read_bytes())
        return CalDavSource(url, server.username, server.password, ROOM_TZ)

    return make


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_contract(make_source, case: Case) -> None:
    source = make_source(case)
    check(case, source.fetch(case.start, case.end))
    check(case, source.fetch(case.start, case.end))
