"""The phone page behind the sign's QR code, served by real uvicorn: a real headless Chromium
books the room, twenty simultaneous "use now" requests make exactly one booking, read-only
calendars and stale pages are refused with a message."""

from __future__ import annotations

import threading
import zlib
from pathlib import Path

import httpx
from PIL import Image, ImageChops
from playwright.sync_api import sync_playwright

from hub.app import HubApp
from hub.booking.feature import BookingFeature
from hub.config import parse_config
from hub.hostnode import HostNode
from renderer.planes import unpack_planes
from renderer.profiles import get_profile
from tests import sources_servers
from tests.conftest import free_port
from tests.test_booking_support import EMPTY_ICS, BookingRig, at, busy_on_server, room_calendar

radicale = sources_servers.radicale

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _state(rig: BookingRig) -> dict:
    return httpx.get(f"{rig.page_url}/state", timeout=10).json()


def _post(rig: BookingRig, state: dict, action: str, **extra) -> httpx.Response:
    form = {"action": action, "key": state["key"], "version": state["version"], **extra}
    return httpx.post(rig.page_url, data=form, headers={"accept": "application/json"},
                      timeout=30)


def test_chromium_uses_room_now_page_and_sign_update(mosquitto, micropython, radicale,
                                                     tmp_path):
    assert Path(CHROMIUM).exists(), "Debian chromium is needed: tools/ensure_system_deps.sh"
    url = room_calendar(radicale, [("11:00", "12:00", "Design review")])
    with BookingRig(tmp_path, mosquitto.port, radicale, url, at("10:15"), serve=True) as rig:
        node = HostNode(rig.node_id, tmp_path / "node", "4.2-bwr", "127.0.0.1", mosquitto.port)
        node.write_config()
        assert node.run_cycle(timeout=60) == 0, node.log_text
        assert rig.hub.wait_for_ack(rig.node_id, timeout=5)
        free_seq = rig.hub.links[rig.node_id].acked_seq

        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, headless=True,
                args=CHROMIUM_ARGS)
            try:
                page = context.new_page()
                page.goto(rig.page_url)  # what scanning the sign's QR code opens
                assert page.inner_text("#state") == "Free until 11:00 AM"
                page.select_option("select[name=minutes] >> nth=0", "30")
                page.click("#use_now")
                page.wait_for_selector("#result")
                assert page.inner_text("#result") == "Booked 10:15–10:45 AM."
                assert page.inner_text("#state") == \
                    "Busy: Booked at the sign until 10:45 AM"
                assert page.is_visible("#end") and page.is_visible("#extend")
            finally:
                context.close()

        assert busy_on_server(radicale, url) == [("10:15", "10:45", "Booked at the sign"),
                                                 ("11:00", "12:00", "Design review")]
        # The sign: on its next wake the node gets the busy screen and acks it.
        assert node.run_cycle(timeout=60) == 0, node.log_text
        assert rig.hub.wait_for_ack(rig.node_id, timeout=5), node.log_text
        link = rig.hub.links[rig.node_id]
        assert link.acked_seq > free_seq
        profile = get_profile("4.2-bwr")
        acked = unpack_planes(zlib.decompress(link.acked_planes), profile.width,
                              profile.height, profile.colors)
        shown = Image.open(node.panel_png).convert("RGB")
        assert ImageChops.difference(shown, acked.convert("RGB")).getbbox() is None
        assert rig.hub.feeds["atlas"].schedule.current(at("10:20")).subject == \
            "Booked at the sign"


def test_twenty_phones_use_now_at_once_make_one_booking(mosquitto, radicale, tmp_path):
    url = room_calendar(radicale)
    with BookingRig(tmp_path, mosquitto.port, radicale, url, at("10:15"), serve=True) as rig:
        rig.hub.feeds["atlas"].poll(at("10:15"))
        states = [_state(rig) for _ in range(20)]  # twenty phones load the page
        assert len({s["key"] for s in states}) == 20 and not states[0]["busy"]
        start = threading.Barrier(20)
        answers: list[httpx.Response] = []

        def press(state: dict) -> None:
            start.wait()
            answers.append(_post(rig, state, "use_now", minutes="30"))

        threads = [threading.Thread(target=press, args=(s,)) for s in states]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert sorted(a.status_code for a in answers) == [200] + [409] * 19
        assert busy_on_server(radicale, url) == [("10:15", "10:45", "Booked at the sign")]
        # Posts are handled one after another: the others see the room as the first left it.
        assert all("changed since this page was loaded" in a.json()["message"]
                   for a in answers if a.status_code == 409)


def test_repeated_form_books_once_and_stale_page_is_refused(mosquitto, radicale, tmp_path):
    url = room_calendar(radicale)
    with BookingRig(tmp_path, mosquitto.port, radicale, url, at("10:15"), serve=True) as rig:
        rig.hub.feeds["atlas"].poll(at("10:15"))
        first, second = _state(rig), _state(rig)
        ok = _post(rig, first, "use_now", minutes="15")
        assert ok.status_code == 200 and ok.json()["message"] == "Booked 10:15–10:30 AM."
        again = _post(rig, first, "use_now", minutes="15")  # double tap / reload
        assert again.json() == ok.json()
        stale = _post(rig, second, "end")  # loaded before the booking: shows a free room
        assert stale.status_code == 409
        assert "changed since this page was loaded" in stale.json()["message"]
        assert busy_on_server(radicale, url) == [("10:15", "10:30", "Booked at the sign")]
        # A form this hub never served is refused (cross-site posts).
        forged = _post(rig, {**_state(rig), "key": "abc.def"}, "end")
        assert forged.status_code == 403
        # The current page can end the meeting.
        ended = _post(rig, _state(rig), "end")
        assert ended.json() == {"ok": True, "message": "Meeting ended; the room is free."}
        assert busy_on_server(radicale, url) == []  # a booking that just began is removed


def test_schedule_later_today_is_capped_by_the_next_meeting(mosquitto, radicale, tmp_path):
    url = room_calendar(radicale, [("14:30", "15:00", "Budget")])
    with BookingRig(tmp_path, mosquitto.port, radicale, url, at("10:15"), serve=True) as rig:
        rig.hub.feeds["atlas"].poll(at("10:15"))
        later = _post(rig, _state(rig), "schedule", start="14:00", minutes="60")
        assert later.json() == {"ok": True, "message":
                                "Booked 2:00–2:30 PM (until the next meeting)."}
        inside = _post(rig, _state(rig), "schedule", start="14:40", minutes="15")
        assert inside.status_code == 409 and "taken from 2:40 PM" in inside.json()["message"]
        past = _post(rig, _state(rig), "schedule", start="09:00", minutes="15")
        assert past.json()["message"] == "That time has already passed."
        bad = _post(rig, _state(rig), "schedule", start="soon", minutes="15")
        assert bad.json()["message"] == "Give a start time like 14:30."
        assert busy_on_server(radicale, url) == [("14:00", "14:30", "Booked at the sign"),
                                                 ("14:30", "15:00", "Budget")]
        page = httpx.get(rig.page_url, timeout=10).text
        assert "2:00–2:30 PM Booked at the sign" in page  # listed under "Later today"


def test_read_only_calendar_says_so(mosquitto, radicale, tmp_path):
    with BookingRig(tmp_path, mosquitto.port, radicale, None, at("10:15"), serve=True) as rig:
        page = httpx.get(rig.page_url, timeout=10)
        assert page.status_code == 200
        assert "read-only for the hub (an ICS feed)" in page.text and "<form" not in page.text
        refusal = _post(rig, _state(rig), "use_now", minutes="15")
        assert refusal.status_code == 409 and "read-only" in refusal.json()["message"]
        assert httpx.get(rig.page_url + "x", timeout=10).status_code == 404


def test_pin_guards_actions_not_reading(mosquitto, radicale, tmp_path):
    url = room_calendar(radicale)
    with BookingRig(tmp_path, mosquitto.port, radicale, url, at("10:15"), serve=True,
                    pin="4711") as rig:
        assert 'name="pin"' in httpx.get(rig.page_url, timeout=10).text
        wrong = _post(rig, _state(rig), "use_now", minutes="15", pin="1234")
        assert wrong.status_code == 403 and wrong.json()["message"] == "Wrong booking PIN."
        state = _state(rig)  # the same from a browser: the page again, saying why
        page = httpx.post(rig.page_url, data={"action": "use_now", "key": state["key"],
                                              "version": state["version"], "pin": "0000"})
        assert page.status_code == 403 and ">Wrong booking PIN.</p>" in page.text
        assert busy_on_server(radicale, url) == []
        right = _post(rig, _state(rig), "use_now", minutes="15", pin="4711")
        assert right.status_code == 200 and "roomink_booking" in right.headers["set-cookie"]
        assert busy_on_server(radicale, url) == [("10:15", "10:30", "Booked at the sign")]


def test_page_is_served_by_the_dashboard_without_its_token(tmp_path):
    """`roomink run`'s wiring: with a [web] table the booking page lives on the dashboard's
    server, public under /book/ (the room token is the key) while the dashboard needs its."""
    broker_port, web_port = free_port(), free_port()
    (tmp_path / "atlas.ics").write_bytes(EMPTY_ICS)
    path = tmp_path / "roomink.toml"
    path.write_text(
        f'[hub]\nbroker = "embedded"\nlisten = "127.0.0.1:{broker_port}"\n'
        'timezone = "Europe/Berlin"\nstate_dir = "state"\n\n'
        f'[web]\nlisten = "127.0.0.1:{web_port}"\ntoken = "{"t" * 20}"\n'
        'localhost_needs_token = true\n\n'
        f'[booking]\nurl = "http://signs.example.com:{web_port}"\n\n'
        '[[rooms]]\nid = "atlas"\nname = "Atlas"\ncalendar = "atlas.ics"\n')
    app = HubApp(parse_config(path.read_text(), path))
    booking = next(f for f in app.features if isinstance(f, BookingFeature))
    assert booking.server is None
    app.start()
    try:
        base = f"http://127.0.0.1:{web_port}"
        page = httpx.get(f"{base}/book/{booking.tokens.token('atlas')}", timeout=10)
        assert page.status_code == 200 and "<h1>Atlas</h1>" in page.text
        assert "read-only" in page.text
        assert httpx.get(f"{base}/api/status", timeout=10).status_code == 401
        extras = app.hub.screen_extras("n1", "atlas", app.hub.feeds["atlas"].schedule,
                                       booking.sign.now())
        assert extras == {"booking_url": "http://signs.example.com:"
                          f"{web_port}/book/{booking.tokens.token('atlas')}"}
    finally:
        app.stop()


def test_taken_port_is_one_clear_line(tmp_path):
    import socket

    from hub.booking.server import ThreadedServer
    from hub.errors import UserError

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = ThreadedServer(lambda scope, receive, send: None, "127.0.0.1", port)
        try:
            server.start(timeout=10)
        except UserError as exc:
            assert str(exc) == (f"booking page: cannot listen on 127.0.0.1:{port} "
                                "(address in use, or not allowed)")
        else:
            server.stop()
            raise AssertionError("a taken port was accepted")
