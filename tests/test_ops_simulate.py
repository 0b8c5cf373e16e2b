"""`roomink simulate`: virtual nodes against a real mosquitto, served by a real hub."""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid
from pathlib import Path

from hub.app import HubApp
from hub.config import parse_config
from tests.hubharness import wait_until

ROOT = Path(__file__).resolve().parent.parent


def simulate(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "hub", "simulate", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_simulated_nodes_get_their_screens_and_ctrl_c_ends_the_run(tmp_path, mosquitto):
    prefix = f"ops{uuid.uuid4().hex[:8]}"  # the session broker is shared: topics of our own
    (tmp_path / "atlas.ics").write_text("BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n")
    config = parse_config(f'[hub]\nbroker = "{mosquitto.url}"\nprefix = "{prefix}"\n'
                          f'state_dir = "{tmp_path / "state"}"\n\n[[rooms]]\nid = "atlas"\n'
                          f'calendar = "{tmp_path / "atlas.ics"}"\n', tmp_path / "roomink.toml")
    app = HubApp(config, client_id=f"hub-{prefix}")
    app.start()
    ids = [f"sim-{i:04d}" for i in (1, 2, 3)]
    run = simulate("--nodes", "3", "--broker", mosquitto.url, "--prefix", prefix,
                   "--duration", "120")
    try:
        # Unassigned, each node gets its pairing screen and acks it.
        assert wait_until(lambda: all(app.hub.links.get(n) and app.hub.links[n].acked_seq >= 1
                                      for n in ids), 30), "not every node acked a screen"
        run.send_signal(signal.SIGINT)
        out, err = run.communicate(timeout=30)
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
        app.stop()
    assert run.returncode == 0, err
    lines = out.splitlines()
    assert lines[0] == "3 virtual nodes (4.2-bwr) connected; hello sent"
    assert "nodes with a screen 3/3" in lines[-1], out


def test_duration_ends_a_run_on_its_own(mosquitto):
    prefix = f"ops{uuid.uuid4().hex[:8]}"
    run = simulate("--nodes", "2", "--broker", mosquitto.url, "--prefix", prefix,
                   "--duration", "0.5", "--profile", "2.9-bw")
    try:
        out, err = run.communicate(timeout=30)
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
    assert run.returncode == 0, err
    lines = out.splitlines()
    assert lines[0] == "2 virtual nodes (2.9-bw) connected; hello sent"
    assert lines[1].split()[1:] == ["frames", "0", "nodes", "with", "a", "screen", "0/2",
                                    "bytes", "0"]
    assert len(lines) == 2
