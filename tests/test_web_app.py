"""The dashboard's ASGI app over a real hub: pages, PNGs, actions, JSON, health, access."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import httpx
import pytest
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from hub.web import build_app
from hub.web.access import COOKIE
from hub.web.config import WebConfig
from tests.test_web_helpers import WHEN, HubUnderTest, png_image, same_pixels, wait_until

TOKEN = "s3cret-token-for-tests"
LOCAL = ("127.0.0.1", 40000)
REMOTE = ("192.0.2.7", 40000)  # TEST-NET-1: certainly not this machine


@pytest.fixture
def running(tmp_path):
    with HubUnderTest(tmp_path) as running:
        running.wake("node-a", "4.2-bwr")
        running.wake("node-b", "2.9-bwr", {"battery_mv": 3310, "rssi": -79})
        yield running


def client(running, address=LOCAL) -> TestClient:
    return TestClient(running.app, client=address, base_url="http://127.0.0.1:8080")


def test_grid_has_a_tile_per_room_showing_the_acked_picture(running):
    c = client(running)
    html = c.get("/").text
    assert re.findall(r'data-room="([^"]+)"', html) == ["atlas", "borealis", "broken"]
    assert "Borealis &lt;b&gt;" in html and "Borealis <b>" not in html  # escaped
    for node_id in ("node-a", "node-b"):
        found = re.search(rf'src="(/nodes/{node_id}/screen/[0-9a-f]{{8}}\.png)"', html)
        assert found, node_id
        src = found.group(1)
        response = c.get(src)
        assert response.status_code == 200 and response.headers["content-type"] == "image/png"
        assert "immutable" in response.headers["cache-control"]
        expected = running.acked_image(node_id)
        if node_id == "node-b":  # the 2.9" panel is mounted landscape: shown upright
            expected = expected.rotate(90, expand=True)
        assert same_pixels(png_image(response.content), expected), node_id
        assert c.get(f"/nodes/{node_id}/screen.png").content == response.content
    assert "busy until" in html  # Atlas at WHEN
    assert "no picture acknowledged" not in html.split('data-room="broken"')[0]
    assert "no node assigned" in html.split('data-room="broken"')[1]
    assert "file not found" in html  # the broken room's calendar, in plain words


def test_offline_and_low_battery_marks(running):
    c = client(running)
    html = c.get("/").text
    node_b = re.search(r'<li class="node" data-node="node-b"[^>]*>.*?</li>', html).group(0)
    assert 'data-low-battery="1"' in node_b and "battery low 3.31 V" in node_b
    assert 'data-online="1"' in node_b
    running.send("node-b", "online", b"0")  # its last will
    assert wait_until(lambda: not running.hub.nodes["node-b"].online)
    html = c.get("/").text
    node_b = re.search(r'<li class="node" data-node="node-b"[^>]*>.*?</li>', html).group(0)
    assert 'data-online="0"' in node_b and ">offline<" in node_b
    assert ("2 nodes · 1 offline (asleep or gone) · 1 battery low · 1 calendars failing"
            in html)
    node_a = re.search(r'<li class="node" data-node="node-a"[^>]*>.*?</li>', html).group(0)
    assert 'data-low-battery="0"' in node_a and ">online<" in node_a


def test_json_status_and_room(running):
    c = client(running)
    status = c.get("/api/status").json()
    assert [r["id"] for r in status["rooms"]] == ["atlas", "borealis", "broken"]
    atlas, borealis, broken = status["rooms"]
    assert atlas["state"]["kind"] == "busy" and atlas["calendar"]["ok"]
    node_b = borealis["nodes"][0]
    assert node_b["battery_mv"] == 3310 and node_b["low_battery"] and node_b["rssi"] == -79
    assert node_b["online"] and node_b["fw"] == "0.1.0" and node_b["profile"] == "2.9-bwr"
    assert c.get(node_b["screen"]).status_code == 200
    assert not broken["calendar"]["ok"] and "file not found" in broken["calendar"]["error"]
    assert broken["nodes"] == [] and status["healthy"]
    room = c.get("/api/rooms/atlas").json()
    assert room["schedule"] and all({"start", "end", "subject"} <= set(e) for e in room["schedule"])
    history = room["nodes"][0]["history"]
    assert history["battery"][0][1] == 3900
    assert history["days"] == [{"date": "2026-11-25", "wakes": 1,
                                "bytes": running.hub.links["node-a"].bytes_sent}]
    assert c.get("/api/rooms/nowhere").status_code == 404


def test_room_page_history_and_schedule(running):
    for hours in (1, 2, 26):  # two more wakes today, one tomorrow
        running.now = (WHEN + timedelta(hours=hours)).timestamp()
        running.wake("node-b", "2.9-bwr", {"battery_mv": 3300 - hours})
    html = client(running).get("/rooms/borealis").text
    assert "<polyline" in html and 'class="low"' in html  # battery plot with the low line
    assert html.count("<rect") == 2 * 2  # two days: wake-up bars and byte bars
    assert re.search(r"<td>2026-11-25</td><td>3</td>", html)
    assert re.search(r"<td>2026-11-26</td><td>1</td>", html)
    assert "Draw test screen" in html and "Redraw now" in html


def test_actions_need_the_form_token_and_reach_the_hub(running):
    c = client(running)
    html = c.get("/rooms/atlas").text
    csrf = re.search(r'action="/nodes/node-a/draw"><input type="hidden" name="csrf" '
                     r'value="([0-9a-f]+)"', html).group(1)
    before = running.recorder.count("node-a")
    refused = c.post("/nodes/node-a/draw", data={"text": "x"}, follow_redirects=False)
    assert refused.status_code == 403
    foreign = c.post("/nodes/node-a/draw", data={"csrf": csrf, "text": "x"},
                     headers={"Origin": "http://evil.example"}, follow_redirects=False)
    assert foreign.status_code == 403
    other_node = c.post("/nodes/node-b/draw", data={"csrf": csrf}, follow_redirects=False)
    assert other_node.status_code == 403  # a token is good for its own form only
    assert c.post("/nodes/nobody/draw", data={"csrf": csrf}).status_code == 404
    ok = c.post("/nodes/node-a/draw", data={"csrf": csrf, "text": "Hello"},
                headers={"Origin": "http://127.0.0.1:8080"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/rooms/atlas?done=draw&node=node-a"
    assert wait_until(lambda: running.recorder.count("node-a") == before + 1)
    assert "Test screen sent to node node-a" in c.get(ok.headers["location"]).text


def test_redraw_now_sends_the_current_screen_again(running):
    c = client(running)
    html = c.get("/rooms/atlas").text
    csrf = re.search(r'action="/nodes/node-a/redraw"><input type="hidden" name="csrf" '
                     r'value="([0-9a-f]+)"', html).group(1)
    link = running.hub.links["node-a"]
    shown, before = link.acked_crc, running.recorder.count("node-a")
    ok = c.post("/nodes/node-a/redraw", data={"csrf": csrf},
                headers={"Origin": "http://127.0.0.1:8080"}, follow_redirects=False)
    assert ok.status_code == 303
    assert ok.headers["location"] == "/rooms/atlas?done=redraw&node=node-a"
    # The hub forgets what the node has, so the same picture goes out again (the node is
    # awake), as a new frame.
    assert wait_until(lambda: running.recorder.count("node-a") == before + 1)
    assert wait_until(lambda: link.inflight_crc == shown and link.seq > link.acked_seq)
    assert "node-a gets its current screen again" in c.get(ok.headers["location"]).text


def test_healthz_broker_and_failing_calendar(running):
    c = client(running)
    assert c.get("/healthz").text == "ok\n"  # the broken calendar fails, but not for long
    running.now += running.web.calendar_failing_after + 60
    response = c.get("/healthz")
    assert response.status_code == 503
    assert response.text.startswith("calendar broken: failing for 31m: ")
    assert "file not found" in response.text
    assert c.get("/api/status").json()["healthy"] is False


def test_healthz_reports_the_broker_only_after_its_threshold(running):
    c = client(running)
    running.broker_up = False
    assert c.get("/healthz").text == "ok\n"  # a broker restart: the hub reconnects by itself
    status = c.get("/api/status").json()
    assert status["broker_connected"] is False and status["healthy"] is True
    running.now += running.web.broker_failing_after - 1
    assert c.get("/healthz").status_code == 200
    running.now += 1
    response = c.get("/healthz")
    assert response.status_code == 503
    assert response.text == "broker: the hub is not connected to the MQTT broker (for 2m)\n"
    running.broker_up = True  # reconnected: the next outage is timed afresh
    assert c.get("/healthz").status_code == 200
    running.broker_up = False
    running.now += running.web.broker_failing_after - 1
    assert c.get("/healthz").status_code == 200


def test_remote_clients_need_the_token(tmp_path):
    web = WebConfig(host="0.0.0.0", token=TOKEN)
    with HubUnderTest(tmp_path, web) as running:
        running.wake("node-a", "4.2-bwr")
        remote = client(running, REMOTE)
        png = client(running).get("/api/status").json()["rooms"][0]["nodes"][0]["screen"]
        for path in ("/", "/rooms/atlas", "/api/status", "/healthz", png):
            response = remote.get(path, follow_redirects=False)
            assert response.status_code == 401, path
            assert "node-a" not in response.text and "Atlas" not in response.text
        browser = remote.get("/rooms/atlas", headers={"Accept": "text/html"})
        assert browser.status_code == 401 and "url=/login?next=/rooms/atlas" in browser.text
        assert remote.post("/nodes/node-a/redraw").status_code == 401
        wrong = remote.get("/api/status", headers={"Authorization": "Bearer wrong-token-xx"})
        assert wrong.status_code == 401
        bearer = remote.get("/api/status", headers={"Authorization": f"Bearer {TOKEN}"})
        assert bearer.status_code == 200 and bearer.json()["rooms"][0]["id"] == "atlas"
        # A browser signs in once; the cookie holds a derived value, not the token.
        assert remote.post("/login", data={"token": "nope", "next": "/"}).status_code == 401
        login = remote.post("/login", data={"token": TOKEN, "next": "/rooms/atlas"},
                            follow_redirects=False)
        assert login.status_code == 303 and login.headers["location"] == "/rooms/atlas"
        assert TOKEN not in login.headers["set-cookie"] and "HttpOnly" in login.headers[
            "set-cookie"]
        assert remote.get("/rooms/atlas").status_code == 200
        assert remote.cookies.get(COOKIE)
        evil = remote.post("/login", data={"token": TOKEN, "next": "//evil.example/"},
                           follow_redirects=False)
        assert evil.headers["location"] == "/"
        assert client(running, LOCAL).get("/").status_code == 200  # this machine: no token


def test_loopback_only_server_refuses_others_and_local_token_option(tmp_path):
    with HubUnderTest(tmp_path) as running:
        assert client(running, REMOTE).get("/healthz").status_code == 403
        assert client(running, ("testclient", 1)).get("/healthz").status_code == 403
    web = WebConfig(token=TOKEN, localhost_needs_token=True)
    with HubUnderTest(tmp_path / "2", web) as running:
        assert client(running, LOCAL).get("/healthz").status_code == 401
        assert client(running, LOCAL).get(
            "/healthz", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


class PhonePages:
    """A feature that puts pages on the dashboard's server, as booking does."""

    def web_routes(self):
        async def book(request):
            return PlainTextResponse(f"book {request.path_params['room']}")

        async def report(request):
            return PlainTextResponse("bookings report")

        return [Route("/book/{room}", book), Route("/bookings", report)]

    def web_public_prefixes(self):
        return ["/book/"]

    def web_nav(self):
        return [("Bookings", "/bookings")]


def test_features_add_routes_public_paths_and_links(tmp_path):
    web = WebConfig(host="127.0.0.1", port=0, token=TOKEN, broker_failing_after=0)
    with HubUnderTest(tmp_path, web) as running:
        feature = running.feature
        app = SimpleNamespace(hub=running.hub, features=[PhonePages(), feature], transport=None)
        feature.start(app)
        try:
            base = feature.server.url
            assert httpx.get(f"{base}/book/atlas").text == "book atlas"
            assert httpx.get(f"{base}/bookings").text == "bookings report"
            assert '<a href="/bookings">Bookings</a>' in httpx.get(f"{base}/").text
            # No broker connection in this app: /healthz says so.
            assert httpx.get(f"{base}/healthz").status_code == 503
        finally:
            feature.stop()
        assert feature.server.port and not feature.server.running
        guarded = build_app(running.ctx, extra_routes=PhonePages().web_routes(),
                            public_prefixes=["/book/"])
        remote = TestClient(guarded, client=REMOTE)
        assert remote.get("/book/atlas").text == "book atlas"  # public: a phone on the LAN
        assert remote.get("/bookings").status_code == 401  # everything else needs the token
        assert remote.get("/bookings", headers={"Authorization": f"Bearer {TOKEN}"}).text == (
            "bookings report")
