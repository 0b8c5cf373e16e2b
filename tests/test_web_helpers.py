"""Shared pieces of the dashboard tests, and tests of the screen pictures themselves.

`HubUnderTest` is a real Hub with its real worker thread; only the MQTT transport is an
in-memory recorder, and nodes are played by feeding their messages to `hub.on_uplink`
exactly as the transport would.
"""

from __future__ import annotations

import io
import json
import threading
import zlib
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from PIL import Image, ImageChops

from hub.config import parse_config
from hub.features.web import WebFeature
from hub.service import Hub
from hub.web import Context, build_app
from hub.web.config import WebConfig
from hub.web.tiles import TileCache, planes_to_png
from renderer.planes import pack_planes, unpack_planes
from renderer.profiles import COLOR_NAMES, get_profile
from renderer.screen import render_pairing
from tests.hubharness import wait_until

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TZ = ZoneInfo("Europe/Berlin")
WHEN = datetime(2026, 11, 25, 10, 15, tzinfo=TZ)  # Atlas is busy then




def hello(profile_name: str, fw: str = "0.1.0") -> dict:
    profile = get_profile(profile_name)
    return {"v": 1, "fw": fw, "profile": profile.name, "ctrl": profile.controller,
            "w": profile.width, "h": profile.height,
            "colors": [COLOR_NAMES[c] for c in profile.colors], "max_msg": 16384, "wbits": 10,
            "heap": 20000}


class Recorder:
    """The transport's place in the hub: remembers what the hub published."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, bytes]] = []
        self.lock = threading.Lock()

    def publish(self, node_id, kind, payload, *, retain=False, qos=1):
        with self.lock:
            self.sent.append((node_id, kind, payload))

    def count(self, node_id: str, kind: str = "frame") -> int:
        with self.lock:
            return sum(1 for n, k, _ in self.sent if n == node_id and k == kind)


ROOMS_TOML = f"""
[hub]
timezone = "Europe/Berlin"

[[rooms]]
id = "atlas"
name = "Atlas"
calendar = "{EXAMPLES / 'atlas.ics'}"

[[rooms]]
id = "borealis"
name = "Borealis <b>"
display = "2.9-bwr"
calendar = "{EXAMPLES / 'borealis.ics'}"

[[rooms]]
id = "broken"
name = "Broken"
calendar = "{EXAMPLES / 'no-such-file.ics'}"

[[nodes]]
id = "node-a"
room = "atlas"

[[nodes]]
id = "node-b"
room = "borealis"
"""


class HubUnderTest:
    """A real Hub (worker thread, calendars, renderer, delivery) with a fixed clock."""

    def __init__(self, tmp_path: Path, web: WebConfig | None = None,
                 when: datetime = WHEN) -> None:
        self.config = parse_config(ROOMS_TOML, tmp_path / "roomink.toml")
        self.now = when.timestamp()
        self.hub = Hub(self.config, clock=lambda: self.now)
        self.recorder = Recorder()
        self.hub.publisher = self.recorder
        self.web = web or WebConfig()
        app = SimpleNamespace(config=self.config, hub=self.hub, features=[], transport=None)
        self.feature = WebFeature(app, self.web)  # its history listener, not its server
        self.broker_up = True
        self.ctx = Context(self.hub, self.web, self.feature.history,
                           broker_up=lambda: self.broker_up)
        self.tiles = TileCache()
        self.app = build_app(self.ctx, tiles=self.tiles)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.hub.run, args=(self.stop,), daemon=True)
        self.wakes = 0

    def __enter__(self) -> HubUnderTest:
        self.thread.start()
        for room in self.config.rooms:
            self.hub.submit_command({"cmd": "poll", "room": room.id})
        assert wait_until(lambda: all(f.schedule.fetched_at or f.last_error
                                      for f in self.hub.feeds.values()))
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.feature.stop()

    def send(self, node_id: str, kind: str, message) -> None:
        payload = message if isinstance(message, bytes) else json.dumps(message).encode()
        self.hub.on_uplink(node_id, kind, payload, False)

    def wake(self, node_id: str, profile: str, status: dict | None = None) -> None:
        """A node's wake: online, hello, ack of whatever frame the hub sent, status.

        Each step waits until the hub's worker has handled the message before the next.
        """
        self.wakes += 1
        marker = self.wakes
        ctls = self.recorder.count(node_id, "ctl")
        self.send(node_id, "online", b"1")
        self.send(node_id, "hello", {**hello(profile), "wake_id": marker})
        # Every answer to a hello ends with the node's ctl, after any frame.
        assert wait_until(lambda: self.recorder.count(node_id, "ctl") > ctls)
        link = self.hub.links[node_id]
        seq = link.seq
        self.send(node_id, "ack", {"seq": seq, "ok": True})
        assert wait_until(lambda: link.acked_seq == seq)
        recorded = self.recorded(node_id)
        self.send(node_id, "status", {"battery_mv": 3900, "rssi": -60, "wake": "timer",
                                      "seq": seq, "err": None, "uptime_ms": marker,
                                      **(status or {})})
        assert wait_until(lambda: self.recorded(node_id) == recorded + 1)

    def recorded(self, node_id: str) -> int:
        """Wakes of the node in the dashboard's history."""
        return sum(d.wakes for d in self.feature.history.days(node_id, 0, self.config.tz))

    def acked_image(self, node_id: str) -> Image.Image:
        profile = get_profile(self.hub.nodes[node_id].hello["profile"])
        planes = zlib.decompress(self.hub.links[node_id].acked_planes)
        return unpack_planes(planes, profile.width, profile.height, profile.colors)


def png_image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def same_pixels(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and ImageChops.difference(a.convert("RGB"),
                                                      b.convert("RGB")).getbbox() is None


def test_png_has_exactly_the_pixels_of_unpack_planes():
    for name in ("4.2-bwr", "7.5-bwry", "2.9-bw"):
        profile = get_profile(name)
        planes = pack_planes(render_pairing(profile, "node-x", "hub:1883", "en"), profile)
        assert any(planes)
        shown = png_image(planes_to_png(planes, profile))
        native = unpack_planes(planes, profile.width, profile.height, profile.colors)
        if profile.screen_size != (profile.width, profile.height):  # drawn upright on screen
            native = native.transpose(Image.Transpose.ROTATE_90)
        assert same_pixels(shown, native), name


def test_tile_cache_keys_by_the_planes_crc():
    profile = get_profile("4.2-bwr")
    planes = pack_planes(render_pairing(profile, "node-x", "hub:1883", "en"), profile)
    cache = TileCache(max_entries=1)
    crc, png = cache.render(zlib.compress(planes), profile)
    assert crc == zlib.crc32(planes) and cache.get(crc, profile) == png
    assert cache.render(zlib.compress(planes, 9), profile) == (crc, png) and cache.renders == 1
    other = bytes(len(planes))
    cache.render(zlib.compress(other), profile)
    assert cache.get(crc, profile) is None  # evicted: the cache is bounded
