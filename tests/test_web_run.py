"""`roomink run` with a [web] table, as a real process: it serves the dashboard, stops cleanly
on SIGTERM, and a bad [web] table or a taken port is one line naming what to fix."""

from __future__ import annotations

import socket
import subprocess
import sys

import httpx

from hub.simnode import SimNode
from renderer.planes import unpack_planes
from renderer.profiles import get_profile
from tests.conftest import free_port, wait_port
from tests.hubharness import HubProcess, quiet_calendar
from tests.test_web_helpers import EXAMPLES, png_image, same_pixels, wait_until


def write_config(path, broker_port: int, web: str, calendar=EXAMPLES / "atlas.ics") -> None:
    path.write_text(
        f'[hub]\nbroker = "embedded"\nlisten = "127.0.0.1:{broker_port}"\n'
        f'timezone = "Europe/Berlin"\nstate_dir = "state"\n\n{web}\n'
        f'[[rooms]]\nid = "atlas"\nname = "Atlas"\ncalendar = "{calendar}"\n\n'
        '[[nodes]]\nid = "node-a"\nroom = "atlas"\n')


def test_run_serves_the_dashboard_and_stops_cleanly(tmp_path):
    broker_port, web_port = free_port(), free_port()
    config = tmp_path / "roomink.toml"
    # An empty calendar: a meeting starting while the test runs (real clock) would send the
    # node a second frame.
    write_config(config, broker_port, f'[web]\nlisten = "127.0.0.1:{web_port}"\n',
                 calendar=quiet_calendar(tmp_path))
    hub = HubProcess(config, tmp_path / "hub.log").start()
    node = SimNode("node-a", get_profile("4.2-bwr"), "127.0.0.1", broker_port)
    base = f"http://127.0.0.1:{web_port}"
    try:
        wait_port(web_port, timeout=15)
        node.start()
        assert wait_until(lambda: node.frames == 1, 15), "node got no screen"

        def acked() -> dict:
            status = httpx.get(f"{base}/api/status").json()
            return status["rooms"][0]["nodes"][0]
        assert wait_until(lambda: acked()["screen"] is not None, 10)
        shown = acked()
        assert shown["online"] and shown["acked_seq"] == 1
        png = httpx.get(base + shown["screen"])
        profile = get_profile("4.2-bwr")
        panel = unpack_planes(bytes(node.planes), profile.width, profile.height, profile.colors)
        assert same_pixels(png_image(png.content), panel)  # what the node really holds
        assert httpx.get(f"{base}/healthz").text == "ok\n"
        assert "Atlas" in httpx.get(f"{base}/").text
    finally:
        node.stop()
        code = hub.stop()
    out = hub.log
    assert code == 0, out
    assert "web dashboard on http://127.0.0.1:" in out
    assert "hub stopped" in out and "Traceback" not in out
    assert (tmp_path / "state" / "history.sqlite").exists()


def test_bad_web_table_and_taken_port_are_one_line(tmp_path):
    config = tmp_path / "roomink.toml"
    write_config(config, free_port(), '[web]\nlisten = "0.0.0.0:8080"\n')
    result = subprocess.run([sys.executable, "-m", "hub", "run", "-c", str(config)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"roomink: error: {config}:8: web.listen: '0.0.0.0:8080' can be reached from other "
        "machines: set web.token (or web.token_file), or listen on 127.0.0.1"]

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        write_config(config, free_port(), f'[web]\nlisten = "127.0.0.1:{port}"\n')
        result = subprocess.run([sys.executable, "-m", "hub", "run", "-c", str(config)],
                                capture_output=True, text=True, timeout=30)
    assert result.returncode == 2, result.stderr
    assert f"roomink: error: web dashboard cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
