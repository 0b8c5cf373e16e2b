"""The walking skeleton end to end, with real parts at every hop:

ICS file -> hub -> RoomSchedule -> Pillow screen -> CBOR frame -> mosquitto -> MicroPython node
-> panel controller (virtual) -> pixels, and the node's ack back to the hub.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from PIL import Image, ImageChops

from hub.calendars import RoomFeed
from hub.hostnode import HostNode
from hub.sources.ics import IcsFileSource
from renderer import render
from renderer.planes import pack_planes, unpack_planes
from renderer.profiles import get_profile
from tests.hubharness import EXAMPLES, RunningHub, config_text, unique_node

TZ = ZoneInfo("Europe/Berlin")
WHEN = datetime(2026, 11, 25, 10, 15, tzinfo=TZ)  # Atlas is busy: "Design review"


def expected_image(profile_name: str) -> tuple[Image.Image, bytes]:
    profile = get_profile(profile_name)
    feed = RoomFeed("Atlas", IcsFileSource(EXAMPLES / "atlas.ics", TZ), TZ)
    planes = pack_planes(render(feed.poll(WHEN), profile, WHEN, "en", show_clock=False), profile)
    return unpack_planes(planes, profile.width, profile.height, profile.colors), planes


def test_calendar_event_becomes_pixels_on_micropython_node(mosquitto, micropython, tmp_path):
    node_id = unique_node("e2e")
    text = config_text({"atlas": str(EXAMPLES / "atlas.ics")}, {node_id: "atlas"})
    with RunningHub(mosquitto.port, text, tmp_path, WHEN) as running:
        node = HostNode(node_id, tmp_path / "node", "4.2-bwr", "127.0.0.1", mosquitto.port)
        node.write_config()
        assert node.run_cycle(timeout=60) == 0, node.log_text
        assert running.hub.wait_for_ack(node_id, timeout=5), node.log_text
        link = running.hub.links[node_id]
        assert link.acked_seq == link.seq == 1

    shown = Image.open(node.panel_png).convert("RGB")
    expected, planes = expected_image("4.2-bwr")
    assert shown.size == expected.size == (400, 300)
    assert ImageChops.difference(shown, expected).getbbox() is None, "panel differs from render"
    # The busy screen uses red: the red plane is really exercised, not all white.
    red_plane = planes[len(planes) // 2:]
    assert any(red_plane)
    assert any(planes[:len(planes) // 2])


def test_second_wake_gets_a_region_update(mosquitto, micropython, tmp_path):
    """A later meeting is renamed: on its next wake the node gets just that region."""
    node_id = unique_node("region")
    calendar = tmp_path / "atlas.ics"
    calendar.write_text((EXAMPLES / "atlas.ics").read_text())
    text = config_text({"atlas": str(calendar)}, {node_id: "atlas"})
    with RunningHub(mosquitto.port, text, tmp_path, WHEN) as running:
        node = HostNode(node_id, tmp_path / "node", "4.2-bwr", "127.0.0.1", mosquitto.port)
        node.write_config()
        assert node.run_cycle(timeout=60) == 0, node.log_text
        assert running.hub.wait_for_ack(node_id, timeout=5)
        link = running.hub.links[node_id]
        full_bytes = link.bytes_sent
        calendar.write_text(calendar.read_text().replace("Customer call - Contoso rollout",
                                                         "Customer call - Fabrikam"))
        later = datetime(2026, 11, 25, 10, 25, tzinfo=TZ)
        running.advance(later)  # past the poll interval: the wake re-reads the calendar
        assert node.run_cycle(timeout=60) == 0, node.log_text
        assert running.hub.wait_for_ack(node_id, timeout=5), node.log_text
        assert link.acked_seq == 2 and link.partials == 1, "expected a region update"
        region_bytes = link.bytes_sent - full_bytes
        assert region_bytes < full_bytes / 3, (region_bytes, full_bytes)
    shown = Image.open(node.panel_png).convert("RGB")
    profile = get_profile("4.2-bwr")
    feed = RoomFeed("Atlas", IcsFileSource(calendar, TZ), TZ)
    planes = pack_planes(render(feed.poll(later), profile, later, "en", show_clock=False),
                         profile)
    expected = unpack_planes(planes, profile.width, profile.height, profile.colors)
    assert ImageChops.difference(shown, expected).getbbox() is None, "region update drew wrong"
