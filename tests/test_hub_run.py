"""`roomink run` as a real process with its embedded broker: a node gets its screen, the
diagnostic draw reaches it, status lists it, and SIGTERM stops the hub cleanly."""

import os
import subprocess
import sys

from hub.simnode import SimNode
from renderer.profiles import get_profile
from tests.conftest import free_port
from tests.hubharness import HubProcess, quiet_calendar, wait_until


def roomink(*args, **kw):
    return subprocess.run([sys.executable, "-m", "hub", *args], capture_output=True, text=True,
                          timeout=30, **kw)


def write_config(tmp_path, port: int):
    """One room, one node, the embedded broker on `port`. The room's calendar is empty: a
    meeting starting while the test runs (real clock) would send the node an extra frame."""
    quiet_calendar(tmp_path)
    config = tmp_path / "roomink.toml"
    config.write_text(
        f'[hub]\nbroker = "embedded"\nlisten = "127.0.0.1:{port}"\ntimezone = "Europe/Berlin"\n'
        f'state_dir = "state"\n\n[[rooms]]\nid = "atlas"\nname = "Atlas"\n'
        f'calendar = "atlas.ics"\n\n[[nodes]]\nid = "node-a"\nroom = "atlas"\n')
    return config


def test_run_draw_status_and_sigterm(tmp_path):
    port = free_port()
    config = write_config(tmp_path, port)
    hub = HubProcess(config, tmp_path / "hub.log").start()
    node = SimNode("node-a", get_profile("4.2-bwr"), "127.0.0.1", port)
    try:
        node.start()
        assert wait_until(lambda: node.frames == 1), "node got no screen"
        calendar_crc = node.crc

        result = roomink("draw", "node-a", "Hello from the test", "-c", str(config))
        assert result.returncode == 0, result.stderr
        assert wait_until(lambda: node.frames == 2), "test screen did not arrive"
        assert node.crc != calendar_crc

        result = roomink("redraw", "node-a", "-c", str(config))
        assert result.returncode == 0, result.stderr
        assert wait_until(lambda: node.frames == 3 and node.crc == calendar_crc)

        def status_line() -> str:
            status = roomink("status", "-c", str(config))
            assert status.returncode == 0, status.stderr
            return next(ln for ln in status.stdout.splitlines() if ln.startswith("node-a"))
        # The node counts its third frame before the hub has stored the node's ack.
        assert wait_until(lambda: "3/3" in status_line(), 10), status_line()
        line = status_line()
        assert "atlas" in line and "yes" in line
    finally:
        node.stop()
        code = hub.stop()
    assert code == 0, hub.log
    assert "hub stopped" in hub.log and "Traceback" not in hub.log


def test_run_with_unknown_room_in_assign_is_one_line(tmp_path):
    config = tmp_path / "roomink.toml"
    config.write_text('[[rooms]]\nid = "atlas"\ncalendar = "a.ics"\n')
    result = roomink("assign", "node-x", "nowhere", "-c", str(config))
    assert result.returncode == 2
    assert "no room 'nowhere'" in result.stderr and "Traceback" not in result.stderr
    env = dict(os.environ)
    result = roomink("init", str(tmp_path / "new.toml"), env=env)
    assert result.returncode == 0
    assert "[[rooms]]" in (tmp_path / "new.toml").read_text()


def test_run_enforces_accounts_once_nodes_are_registered(tmp_path):
    """`roomink run` with its embedded broker: a registered node logs in with its own
    credentials and gets its (signed) screen, strangers are refused, and the admin commands
    reach the hub under the hub's own account."""
    import paho.mqtt.client as mqtt

    from hub.provisioning import ProvisioningStore

    port = free_port()
    config = write_config(tmp_path, port)
    creds = ProvisioningStore(tmp_path / "state").register("node-a")
    hub = HubProcess(config, tmp_path / "hub.log").start()
    node = SimNode("node-a", get_profile("4.2-bwr"), "127.0.0.1", port)
    node.client.username_pw_set(creds.username, creds.password)
    try:
        stranger = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="stranger")
        refused = []
        stranger.on_connect = lambda c, u, f, rc, p: refused.append(rc.is_failure)
        stranger.connect("127.0.0.1", port)
        stranger.loop_start()
        assert wait_until(lambda: refused), "no CONNACK for the stranger"
        stranger.loop_stop()
        assert refused == [True], "an anonymous client was let in"

        node.start()
        assert wait_until(lambda: node.frames == 1), "registered node got no screen"
        result = roomink("draw", "node-a", "Signed test", "-c", str(config))
        assert result.returncode == 0, result.stderr
        assert wait_until(lambda: node.frames == 2), "draw did not reach the node"

        # `roomink flash --room` tells the running hub too, as the hub's account
        from hub.commands.flash import assign
        from hub.config import load_config

        assert assign(load_config(config), "node-a", "atlas") == "assigned to room atlas"
    finally:
        node.stop()
        code = hub.stop()
    assert code == 0, hub.log
    assert creds.password not in hub.log
    assert "node node-a assigned to room atlas" in hub.log
