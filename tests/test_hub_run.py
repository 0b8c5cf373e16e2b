"""`roomink run` as a real process with its embedded broker: a node gets its screen, the
diagnostic draw reaches it, status lists it, and SIGTERM stops the hub cleanly."""

import os
import signal
import subprocess
import sys

from hub.simnode import SimNode
from renderer.profiles import get_profile
from tests.conftest import free_port, wait_port
from tests.hubharness import EXAMPLES, wait_until


def roomink(*args, **kw):
    return subprocess.run([sys.executable, "-m", "hub", *args], capture_output=True, text=True,
                          timeout=30, **kw)




def test_run_draw_status_and_sigterm(tmp_path):
    port = free_port()
    config = tmp_path / "roomink.toml"
    config.write_text(
        f'[hub]\nbroker = "embedded"\nlisten = "127.0.0.1:{port}"\ntimezone = "Europe/Berlin"\n'
        f'state_dir = "state"\n\n[[rooms]]\nid = "atlas"\nname = "Atlas"\n'
        f'calendar = "{EXAMPLES / "atlas.ics"}"\n\n[[nodes]]\nid = "node-a"\nroom = "atlas"\n')
    hub = subprocess.Popen([sys.executable, "-m", "hub", "run", "-c", str(config)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    node = SimNode("node-a", get_profile("4.2-bwr"), "127.0.0.1", port)
    try:
        wait_port(port, timeout=15)
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

        status = roomink("status", "-c", str(config))
        assert status.returncode == 0, status.stderr
        line = next(ln for ln in status.stdout.splitlines() if ln.startswith("node-a"))
        assert "atlas" in line and "yes" in line and "3/3" in line
    finally:
        node.stop()
        hub.send_signal(signal.SIGTERM)
        out, _ = hub.communicate(timeout=20)
    assert hub.returncode == 0, out
    assert "hub stopped" in out and "Traceback" not in out


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
    config = tmp_path / "roomink.toml"
    config.write_text(
        f'[hub]\nbroker = "embedded"\nlisten = "127.0.0.1:{port}"\ntimezone = "Europe/Berlin"\n'
        f'state_dir = "state"\n\n[[rooms]]\nid = "atlas"\nname = "Atlas"\n'
        f'calendar = "{EXAMPLES / "atlas.ics"}"\n\n[[nodes]]\nid = "node-a"\nroom = "atlas"\n')
    creds = ProvisioningStore(tmp_path / "state").register("node-a")
    hub = subprocess.Popen([sys.executable, "-m", "hub", "run", "-c", str(config)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    node = SimNode("node-a", get_profile("4.2-bwr"), "127.0.0.1", port)
    node.client.username_pw_set(creds.username, creds.password)
    try:
        wait_port(port, timeout=15)
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
    finally:
        node.stop()
        hub.send_signal(signal.SIGTERM)
        out, _ = hub.communicate(timeout=20)
    assert hub.returncode == 0, out
    assert creds.password not in out
