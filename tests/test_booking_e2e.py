"""Booking from a sign end to end, real parts at every hop: a button press on a display node
under real MicroPython -> mosquitto -> hub -> booking written to a real Radicale calendar ->
new screen -> the node draws and acks it, showing the room busy."""

from __future__ import annotations

import zlib

from PIL import Image, ImageChops

from hub.hostnode import HostNode
from renderer import render
from renderer.planes import pack_planes, unpack_planes
from renderer.profiles import get_profile
from tests import sources_servers
from tests.hubharness import wait_until
from tests.test_booking_support import TZ, BookingRig, at, busy_on_server, room_calendar

radicale = sources_servers.radicale


def _wake(node: HostNode, rig: BookingRig, buttons: int = 0) -> None:
    if buttons:
        (node.directory / "buttons").write_text(str(buttons))
    assert node.run_cycle(timeout=60) == 0, node.log_text


def _panel_equals_acked(node: HostNode, rig: BookingRig) -> None:
    link = rig.hub.links[node.node_id]
    profile = get_profile("4.2-bwr")
    acked = unpack_planes(zlib.decompress(link.acked_planes), profile.width, profile.height,
                          profile.colors)
    shown = Image.open(node.panel_png).convert("RGB")
    assert ImageChops.difference(shown, acked.convert("RGB")).getbbox() is None


def test_button_press_books_room_and_node_shows_it_busy(mosquitto, micropython, radicale,
                                                        tmp_path):
    url = room_calendar(radicale, [("11:00", "12:00", "Design review")])
    with BookingRig(tmp_path, mosquitto.port, radicale, url, at("10:15")) as rig:
        node = HostNode(rig.node_id, tmp_path / "node", "4.2-bwr", "127.0.0.1", mosquitto.port)
        node.write_config()
        _wake(node, rig)  # first wake: the free screen, "Book 15 | Book 30 | To 11:00"
        assert rig.hub.wait_for_ack(rig.node_id, timeout=5), node.log_text
        first = rig.hub.links[rig.node_id].acked_seq
        assert busy_on_server(radicale, url) == [("11:00", "12:00", "Design review")]

        _wake(node, rig, buttons=2)  # button 2: "Book 30"
        assert "button mask=2" in node.log_text
        # The node stays awake after a press until it has shown the hub's answer
        # (press_wait_s): the busy screen is acked within the press's own wake, with no
        # second wake. The hub handles that last ack on its own thread: wait for it.
        link = rig.hub.links[rig.node_id]
        wait_until(lambda: link.acked_seq > first, 5)
        assert [o.message for _, o in rig.booking.sign.outcomes] == ["Booked 10:15–10:45 AM."]
        assert link.acked_seq > first and link.acked_seq == link.seq, node.log_text

        assert busy_on_server(radicale, url) == [("10:15", "10:45", "Booked at the sign"),
                                                 ("11:00", "12:00", "Design review")]
        schedule = rig.hub.feeds["atlas"].schedule
        assert schedule.current(at("10:15")).subject == "Booked at the sign"
        _panel_equals_acked(node, rig)
        # What the node shows is the busy screen, with the busy room's button labels.
        profile = get_profile("4.2-bwr")
        expected = render(schedule, profile, at("10:15").astimezone(TZ), "en",
                          show_clock=False, actions=["+15 min", "End now", "", ""],
                          booking_url=rig.page_url)
        expected_planes = pack_planes(expected, profile)
        assert zlib.decompress(link.acked_planes) == expected_planes
