"""Hub delivery against a real mosquitto broker, with protocol-correct CPython fake nodes."""

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from hub.simnode import SimNode
from hub.state import StateStore
from renderer.profiles import get_profile
from tests.hubharness import EXAMPLES, RunningHub, config_text, unique_node, wait_until

TZ = ZoneInfo("Europe/Berlin")
WHEN = datetime(2026, 11, 25, 10, 15, tzinfo=TZ)




def test_hello_gets_frame_and_unchanged_screen_sends_nothing(mosquitto, tmp_path):
    node_id = unique_node("sim")
    text = config_text({"atlas": str(EXAMPLES / "atlas.ics")}, {node_id: "atlas"})
    node = SimNode(node_id, get_profile("4.2-bwr"), "127.0.0.1", mosquitto.port)
    with RunningHub(mosquitto.port, text, tmp_path, WHEN) as running:
        node.start()
        assert running.hub.wait_for_ack(node_id, timeout=10)
        link = running.hub.links[node_id]
        assert node.frames == 1 and link.acked_seq == 1
        sent = link.bytes_sent
        assert 0 < sent < 8000  # a whole compressed 4.2" BWR screen
        # Nothing changed: a refresh sends no frame.
        running.hub.on_uplink(node_id, "hello", b'{"profile": "4.2-bwr", "wbits": 10}')
        time.sleep(0.3)
        assert link.bytes_sent == sent and link.seq == 1
        # Time moves to the next meeting: a new frame goes out and is acked.
        running.clock_value = datetime(2026, 11, 25, 11, 5, tzinfo=TZ).timestamp()
        running.hub.on_uplink(node_id, "hello", b'{"profile": "4.2-bwr", "wbits": 10}')
        assert wait_until(lambda: link.acked_seq == 2), "second frame not acked"
        assert node.frames == 2
    node.stop()


def test_restart_does_not_resend_unchanged_screen(mosquitto, tmp_path):
    node_id = unique_node("restart")
    text = config_text({"atlas": str(EXAMPLES / "atlas.ics")}, {node_id: "atlas"})
    node = SimNode(node_id, get_profile("4.2-bwr"), "127.0.0.1", mosquitto.port)
    db = tmp_path / "state.sqlite"
    with RunningHub(mosquitto.port, text, tmp_path, WHEN) as running:
        running.hub.store = StateStore(db)
        node.start()
        assert running.hub.wait_for_ack(node_id, timeout=10)
    with RunningHub(mosquitto.port, text, tmp_path, WHEN) as running:
        store = StateStore(db)
        running.hub.store = store
        running.hub.links = store.load_links()
        running.hub.on_uplink(node_id, "hello", b'{"profile": "4.2-bwr"}')
        time.sleep(0.5)
        assert running.hub.links[node_id].seq == 1, "restarted hub re-sent an unchanged screen"
    assert node.frames == 1
    node.stop()


def test_unassigned_node_gets_pairing_screen_then_its_room(mosquitto, tmp_path):
    import zlib

    from renderer.planes import pack_planes
    from renderer.screen import render_pairing

    node_id = unique_node("pair")
    text = config_text({"atlas": str(EXAMPLES / "atlas.ics")}, {})
    profile = get_profile("4.2-bwr")
    node = SimNode(node_id, profile, "127.0.0.1", mosquitto.port)
    with RunningHub(mosquitto.port, text, tmp_path, WHEN) as running:
        node.start()
        assert wait_until(lambda: node.frames == 1), "no pairing screen"
        pairing = render_pairing(profile, node_id, running.config.public_address, "en")
        assert node.crc == zlib.crc32(pack_planes(pairing, profile))
        running.hub.submit_command({"cmd": "assign", "node": node_id, "room": "atlas"})
        assert wait_until(lambda: node.frames == 2), "room screen did not follow assignment"
        assert node.crc != zlib.crc32(pack_planes(pairing, profile))
    node.stop()


def test_hub_that_lost_its_state_continues_above_the_nodes_seq(mosquitto, tmp_path):
    """The node ignores frames whose seq it has passed; a hub with a fresh state file must
    learn the node's seq from its hello rather than send seq 1 forever."""
    node_id = unique_node("lost")
    text = config_text({"atlas": str(EXAMPLES / "atlas.ics")}, {node_id: "atlas"})
    node = SimNode(node_id, get_profile("4.2-bwr"), "127.0.0.1", mosquitto.port)
    node.shown_seq = 57  # what its RTC memory says is on the panel
    hello = node.hello
    node.hello = lambda: {**hello(), "seq": 57}
    with RunningHub(mosquitto.port, text, tmp_path, WHEN) as running:
        node.start()
        assert wait_until(lambda: node.frames == 1), "node never accepted a frame"
        assert wait_until(lambda: running.hub.links[node_id].acked_seq == 58)
    node.stop()
