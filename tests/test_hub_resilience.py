"""Sleeping nodes, broker restarts and hub restarts, against a real mosquitto."""

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from hub.simnode import SimNode
from renderer import render
from renderer.planes import pack_planes
from renderer.profiles import get_profile
from tests.hubharness import EXAMPLES, RunningHub, config_text, unique_node, wait_until

TZ = ZoneInfo("Europe/Berlin")
PROFILE = get_profile("4.2-bwr")


def at(h, m, day=25):
    return datetime(2026, 11, day, h, m, tzinfo=TZ)




def expected_crc(running, when):
    import zlib

    feed = running.hub.feeds["atlas"]
    image = render(feed.poll(when), PROFILE, when, "en", show_clock=False)
    return zlib.crc32(pack_planes(image, PROFILE))


def test_node_asleep_for_a_day_gets_one_frame_on_wake(mosquitto, tmp_path):
    node_id = unique_node("sleepy")
    text = config_text({"atlas": str(EXAMPLES / "atlas.ics")}, {node_id: "atlas"})
    node = SimNode(node_id, PROFILE, "127.0.0.1", mosquitto.port)
    with RunningHub(mosquitto.port, text, tmp_path, at(7, 0)) as running:
        node.start()
        assert wait_until(lambda: node.frames == 1)
        node.sleep()
        assert wait_until(lambda: not running.hub.nodes[node_id].online)
        # A whole day of meetings starts and ends while the node sleeps.
        for hour in range(8, 24):
            running.advance(at(hour, 59))
            time.sleep(0.6)
        running.advance(at(7, 0, day=26))
        time.sleep(0.6)
        assert running.hub.links[node_id].seq == 1, "frames were queued for a sleeping node"
        received_before = node.bytes_received
        node.wake()
        assert wait_until(lambda: node.frames == 2), "no frame on wake"
        time.sleep(0.5)
        assert node.frames == 2, "node got a backlog instead of one frame"
        assert node.crc == expected_crc(running, at(7, 0, day=26))
        assert node.bytes_received - received_before < 10000
    node.stop()


def test_broker_restart_mid_transfer_delivers_latest_exactly_once(private_mosquitto, tmp_path):
    node_id = unique_node("bounce")
    text = config_text({"atlas": str(EXAMPLES / "atlas.ics")}, {node_id: "atlas"})
    node = SimNode(node_id, PROFILE, "127.0.0.1", private_mosquitto.port)
    with RunningHub(private_mosquitto.port, text, tmp_path, at(10, 15)) as running:
        node.start()
        assert wait_until(lambda: node.frames == 1)
        node.stop()  # power lost: no offline message, so the hub still believes it awake
        running.advance(at(11, 5))  # meeting change -> frame 2 queued in the broker
        assert wait_until(lambda: running.hub.links[node_id].seq == 2)
        time.sleep(0.3)
        private_mosquitto.restart()
        assert wait_until(lambda: running.transport.connected.is_set(), 40), "hub reconnect"
        node.wake()
        assert wait_until(lambda: running.hub.links[node_id].acked_seq == 2), "not delivered"
        time.sleep(1.0)
        assert node.frames == 2, "drawn more than once"
        assert node.crc == expected_crc(running, at(11, 5))
    node.stop()


def test_hub_restart_keeps_pending_change(mosquitto, tmp_path):
    node_id = unique_node("pending")
    text = config_text({"atlas": str(EXAMPLES / "atlas.ics")}, {node_id: "atlas"})
    db = tmp_path / "state.sqlite"
    hub_id = f"roomink-hub-{node_id}"
    node = SimNode(node_id, PROFILE, "127.0.0.1", mosquitto.port)
    with RunningHub(mosquitto.port, text, tmp_path, at(10, 15), hub_id, db) as running:
        node.start()
        assert wait_until(lambda: node.frames == 1)
        node.stop()  # lost without saying so
        running.advance(at(11, 5))
        assert wait_until(lambda: running.hub.links[node_id].seq == 2)
        time.sleep(0.3)
    # Hub is down; the node wakes, draws the queued frame, acks into the hub's session.
    node.wake()
    assert wait_until(lambda: node.frames == 2)
    with RunningHub(mosquitto.port, text, tmp_path, at(11, 5), hub_id, db) as running:
        assert wait_until(lambda: running.hub.links[node_id].acked_seq == 2), "ack lost"
        time.sleep(0.5)
        assert running.hub.links[node_id].seq == 2, "restarted hub re-sent the screen"
    assert node.frames == 2
    node.stop()
