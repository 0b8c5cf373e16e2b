"""The dashboard in real headless Chromium (Debian's), driven by Playwright, against a real hub.

The hub runs as `roomink run` does (HubApp: embedded broker, features, web server); node-a
and node-b are protocol-correct CPython nodes, node-c is the real firmware under MicroPython.
The test checks what a person sees: one tile per room with the picture each panel really
shows, a node offline after its last will, a low-battery mark, and that "Draw test screen"
in the browser reaches the MicroPython node's panel.
"""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path

import pytest
from PIL import Image

from hub import testscreen, topics
from hub.app import HubApp
from hub.config import parse_config
from hub.hostnode import HostNode
from hub.simnode import SimNode
from renderer.planes import pack_planes, unpack_planes
from renderer.profiles import get_profile
from tests.conftest import free_port
from tests.test_web_helpers import EXAMPLES, WHEN, png_image, same_pixels, wait_until

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PROFILE = get_profile("4.2-bwr")
ROOMS = {"atlas": "node-a", "borealis": "node-b", "gamma": "node-c"}


def chromium_or_skip() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.geteuid() != 0:  # CI runs as root and installs it (tools/ensure_system_deps.sh)
        pytest.skip("Debian chromium is not installed: sudo apt-get install chromium")
    pytest.fail("chromium is missing: run tools/ensure_system_deps.sh")


def config_text(broker_port: int, web_port: int) -> str:
    parts = [f'[hub]\nbroker = "embedded"\nlisten = "127.0.0.1:{broker_port}"\n'
             f'timezone = "Europe/Berlin"\nstate_dir = "state"\n\n'
             f'[web]\nlisten = "127.0.0.1:{web_port}"\nlow_battery_mv = 3450\n']
    calendars = {"atlas": "atlas.ics", "borealis": "borealis.ics", "gamma": "atlas.ics"}
    for room, node in ROOMS.items():
        parts.append(f'[[rooms]]\nid = "{room}"\nname = "{room.title()}"\n'
                     f'calendar = "{EXAMPLES / calendars[room]}"\n\n'
                     f'[[nodes]]\nid = "{node}"\nroom = "{room}"\n')
    return "\n".join(parts)


def acked_image(app: HubApp, node_id: str) -> Image.Image:
    planes = zlib.decompress(app.hub.links[node_id].acked_planes)
    return unpack_planes(planes, PROFILE.width, PROFILE.height, PROFILE.colors)


def expected_test_screen(node_id: str, text: str) -> Image.Image:
    """The test screen the hub draws at WHEN (it stamps the node id and the minute)."""
    image = testscreen.test_screen(PROFILE, text, f"node {node_id} · {WHEN:%Y-%m-%d %H:%M}")
    planes = pack_planes(image, PROFILE)
    return unpack_planes(planes, PROFILE.width, PROFILE.height, PROFILE.colors)


@pytest.fixture
def dashboard(tmp_path, micropython):
    broker_port, web_port = free_port(), free_port()
    path = tmp_path / "roomink.toml"
    path.write_text(config_text(broker_port, web_port))
    app = HubApp(parse_config(path.read_text(), path))
    # A fixed clock: no meeting starts or ends while the test looks at the tiles, and the
    # test screen's minute stamp is known.
    app.hub.clock = WHEN.timestamp
    app.start()
    nodes = [SimNode(n, PROFILE, "127.0.0.1", broker_port) for n in ("node-a", "node-b")]
    try:
        for node in nodes:
            node.start()
        yield app, f"http://127.0.0.1:{web_port}", nodes, broker_port
    finally:
        for node in nodes:
            node.client.loop_stop()
        app.stop()


def test_dashboard_in_chromium(dashboard, tmp_path):
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    app, base, (node_a, node_b), broker_port = dashboard
    hub = app.hub
    assert wait_until(lambda: node_a.frames == 1 and node_b.frames == 1, 15)
    assert hub.wait_for_ack("node-a", 5) and hub.wait_for_ack("node-b", 5)

    # node-b reports a low battery, then vanishes without a goodbye: its last will.
    status = {"battery_mv": 3380, "rssi": -82, "wake": "timer", "seq": 1, "err": None}
    node_b.client.publish(topics.topic("roomink", "node-b", "status"), json.dumps(status),
                          qos=1).wait_for_publish(5)
    assert wait_until(lambda: hub.nodes["node-b"].status.get("battery_mv") == 3380)
    node_b.client.loop_stop()
    node_b.client.socket().close()
    assert wait_until(lambda: not hub.nodes["node-b"].online, 15), "no last will"

    # node-c: the real firmware, one wake cycle: it gets its calendar screen and sleeps.
    node_c = HostNode("node-c", tmp_path / "node-c", PROFILE.name, "127.0.0.1", broker_port)
    node_c.write_config()
    assert node_c.run_cycle(timeout=60) == 0, node_c.log_text
    assert hub.wait_for_ack("node-c", 5), node_c.log_text
    calendar_panel = Image.open(node_c.panel_png).convert("RGB")

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=executable, headless=True,
            args=CHROMIUM_ARGS)
        try:
            page = context.new_page()
            pngs: dict[str, bytes] = {}
            page.on("response", lambda r: r.url.endswith(".png") and pngs.__setitem__(
                r.url.removeprefix(base), r.body()))
            page.goto(base + "/")
            page.wait_for_load_state("networkidle")

            tiles = page.locator("article.tile")
            assert tiles.count() == 3
            for room, node_id in ROOMS.items():
                tile = page.locator(f'article.tile[data-room="{room}"]')
                assert tile.locator("h2").inner_text() == room.title()
                img = tile.locator("img")
                assert img.evaluate("i => i.complete && i.naturalWidth") == PROFILE.width
                served = png_image(pngs[img.get_attribute("src")])  # as the browser got it
                assert same_pixels(served, acked_image(app, node_id)), room
            assert same_pixels(png_image(pngs[page.locator(
                'article[data-room="gamma"] img').get_attribute("src")]), calendar_panel)

            node_b_item = page.locator('li.node[data-node="node-b"]')
            assert node_b_item.locator(".badge.offline").inner_text() == "offline"
            assert "battery low 3.38 V" in node_b_item.locator(".badge.lowbat").inner_text()
            node_a_item = page.locator('li.node[data-node="node-a"]')
            assert node_a_item.locator(".badge.online").count() == 1
            assert node_a_item.locator(".lowbat").count() == 0

            # The admin opens gamma's page and draws a test screen on node-c.
            page.locator('article[data-room="gamma"] h2 a').click()
            page.wait_for_url(base + "/rooms/gamma")
            card = page.locator('section.card[data-node="node-c"]')
            card.locator('input[name="text"]').fill("Dashboard test")
            seq_before = hub.links["node-c"].seq
            card.get_by_role("button", name="Draw test screen").click()
            page.wait_for_url(base + "/rooms/gamma?done=draw&node=node-c")
            assert "Test screen sent to node node-c" in page.locator(".flash").inner_text()
            assert wait_until(lambda: hub.links["node-c"].seq == seq_before + 1, 10)

            # node-c is asleep; at its next wake the broker hands it the test screen.
            assert node_c.run_cycle(timeout=60) == 0, node_c.log_text
            assert hub.wait_for_ack("node-c", 5), node_c.log_text
            panel = Image.open(node_c.panel_png).convert("RGB")
            assert not same_pixels(panel, calendar_panel)
            assert same_pixels(panel, expected_test_screen("node-c", "Dashboard test"))

            page.reload()
            src = page.locator('section.card[data-node="node-c"] img').get_attribute("src")
            page.wait_for_load_state("networkidle")
            assert same_pixels(png_image(pngs[src]), panel)  # the dashboard shows the panel
        finally:
            context.close()

