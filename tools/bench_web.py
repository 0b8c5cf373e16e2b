"""Dashboard page load with many rooms: the grid HTML plus every tile PNG, over real HTTP.

    .venv/bin/python tools/bench_web.py [ROOMS] [CONNECTIONS]

A real Hub renders and "delivers" every room's screen (an in-memory publisher stands in
for MQTT and every node acks), then the dashboard is served by uvicorn exactly as
`roomink run` serves it. The client fetches `/` and all tile PNGs over CONNECTIONS parallel
keep-alive connections (browsers use 6). Reported: a first load with an empty picture cache
(PNGs rendered from the acked planes on request), the background warm-up `roomink run` does
at start, loads from the crc cache (every load after start-up warm-up), and a browser reload
(tiles are immutable per crc, so only the HTML is fetched). Prints figures, asserts nothing.
"""

from __future__ import annotations

import http.client
import json
import re
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hub.config import parse_config  # noqa: E402
from hub.service import Hub  # noqa: E402
from hub.web import Context, WebConfig, WebServer, build_app  # noqa: E402
from renderer.profiles import COLOR_NAMES, get_profile  # noqa: E402

WHEN = datetime(2026, 11, 25, 10, 15, tzinfo=ZoneInfo("Europe/Berlin"))


class Acker:
    """Stands in for the broker and the nodes: every frame the hub publishes is acked."""

    def __init__(self) -> None:
        self.hub: Hub | None = None
        self.ctls: dict[str, int] = {}

    def publish(self, node_id, kind, payload, *, retain=False, qos=1):
        if kind == "ctl":
            self.ctls[node_id] = self.ctls.get(node_id, 0) + 1


def build_hub(rooms: int, base: Path) -> Hub:
    calendars = [ROOT / "examples" / "atlas.ics", ROOT / "examples" / "borealis.ics"]
    parts = ['[hub]\ntimezone = "Europe/Berlin"\n']
    for i in range(rooms):
        parts.append(f'[[rooms]]\nid = "room-{i}"\nname = "Room {i}"\n'
                     f'calendar = "{calendars[i % 2]}"\n\n'
                     f'[[nodes]]\nid = "node-{i}"\nroom = "room-{i}"\n')
    hub = Hub(parse_config("\n".join(parts), base / "roomink.toml"), clock=WHEN.timestamp)
    acker = Acker()
    hub.publisher = acker
    stop = threading.Event()
    threading.Thread(target=hub.run, args=(stop,), daemon=True).start()
    profile = get_profile("4.2-bwr")
    hello = {"v": 1, "fw": "0.1.0", "profile": profile.name, "ctrl": profile.controller,
             "w": profile.width, "h": profile.height,
             "colors": [COLOR_NAMES[c] for c in profile.colors], "max_msg": 16384, "wbits": 10}
    for i in range(rooms):
        hub.on_uplink(f"node-{i}", "online", b"1")
        hub.on_uplink(f"node-{i}", "hello", json.dumps(hello).encode())
    while len(acker.ctls) < rooms:
        time.sleep(0.05)
    for i in range(rooms):
        node = f"node-{i}"
        hub.on_uplink(node, "ack", json.dumps({"seq": hub.links[node].seq, "ok": True}).encode())
        hub.on_uplink(node, "status", json.dumps({"battery_mv": 3300 + i % 900,
                                                  "rssi": -50 - i % 40}).encode())
    while any(hub.links[f"node-{i}"].acked_planes is None for i in range(rooms)):
        time.sleep(0.05)
    return hub


class Browser:
    """CONNECTIONS keep-alive HTTP/1.1 connections, each in its own thread, like a browser."""

    def __init__(self, port: int, connections: int) -> None:
        self.local = threading.local()
        self.port = port
        self.pool = ThreadPoolExecutor(connections)

    def get(self, path: str) -> bytes:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port)
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status}")
        return body

    def page_load(self, with_tiles: bool = True) -> tuple[float, int]:
        list(self.pool.map(self.get, ["/healthz"] * 12))  # connections already open
        start = time.perf_counter()
        html = self.get("/").decode()
        sources = re.findall(r'<img src="([^"]+\.png)"', html)
        if with_tiles:
            list(self.pool.map(self.get, sources))
        return time.perf_counter() - start, len(sources)


def main() -> None:
    rooms = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    connections = int(sys.argv[2]) if len(sys.argv) > 2 else 6
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        hub = build_hub(rooms, Path(tmp))
        print(f"{rooms} rooms rendered and acked in {time.perf_counter() - t0:.1f} s")
        app = build_app(Context(hub, WebConfig()))
        server = WebServer(app, "127.0.0.1", 0)
        server.start()
        try:
            browser = Browser(server.port, connections)
            cold, tiles = browser.page_load()
            fresh = build_app(Context(hub, WebConfig()))
            t0 = time.perf_counter()
            fresh.state.dashboard.warm()
            warm_up = time.perf_counter() - t0
            warm = [browser.page_load()[0] for _ in range(5)]
            html_only = [browser.page_load(with_tiles=False)[0] for _ in range(5)]
        finally:
            server.stop()
    print(f"grid + {tiles} tile PNGs over {connections} connections:")
    print(f"  start-up warm-up (every acked picture into the cache, background): "
          f"{warm_up * 1000:.0f} ms")
    print(f"  first load without warm-up (PNGs rendered on request): {cold * 1000:7.0f} ms")
    print(f"  next loads (PNGs from the crc cache), median: "
          f"{statistics.median(warm) * 1000:7.0f} ms")
    print(f"  browser reload (tiles cached, HTML only), median: "
          f"{statistics.median(html_only) * 1000:7.0f} ms")


if __name__ == "__main__":
    main()
