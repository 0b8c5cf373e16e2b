"""Frame codec benchmark: bytes on the air, roomink vs an OpenEPaperLink-style baseline.

Baseline = what the best open system sends: the whole screen's planes, zlib with a 4 KB
window, skipped when the image hash is unchanged. roomink = the hub's real delivery logic
(hub.delivery.NodeLink): nothing when unchanged, changed regions when that is smaller,
otherwise the whole frame, raw deflate with the node's window (wbits 10 = 1 KB), each message
in the smaller of the rows and columns layouts (docs/protocol.md). The nodes announce what
firmware/config.py's defaults announce; `--rows-only` shows a node without the columns layout.

Run: .venv/bin/python tools/bench_codec.py [--rows-only] [--until HOUR]
(`--until` ends the simulated day earlier than 20:00, for a quick run.)
"""

from __future__ import annotations

import sys
import zlib
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hub.calendars import RoomFeed  # noqa: E402
from hub.delivery import NodeLink  # noqa: E402
from hub.sources.ics import IcsFileSource  # noqa: E402
from hub.timing import next_change  # noqa: E402
from renderer import render  # noqa: E402
from renderer.planes import pack_planes  # noqa: E402
from renderer.profiles import get_profile  # noqa: E402

TZ = ZoneInfo("Europe/Berlin")
DAY = datetime(2026, 11, 25, tzinfo=TZ)


def baseline(planes: bytes) -> int:
    """zlib (with header) over the whole planes, 4 KB window: OpenEPaperLink's compressed image."""
    c = zlib.compressobj(9, zlib.DEFLATED, 12)
    return len(c.compress(planes) + c.flush())


def screen(feed: RoomFeed, profile_name: str, when: datetime, clock: bool = False) -> bytes:
    """`clock`: a mains-powered sign redrawn every minute (clock, "ends in N min");
    otherwise a battery sign (absolute times only, what the hub sends by default)."""
    profile = get_profile(profile_name)
    return pack_planes(render(feed.poll(when), profile, when, "en", show_clock=clock), profile)


ROWS_ONLY = "--rows-only" in sys.argv
END_HOUR = int(sys.argv[sys.argv.index("--until") + 1]) if "--until" in sys.argv else 20


def node_link(name: str) -> NodeLink:
    """The hub's link to a node whose hello carries the firmware's default capabilities."""
    link = NodeLink(name)
    link.apply_hello({"max_msg": 16384, "wbits": 10, "layouts": [0] if ROWS_ONLY else [0, 1]})
    return link


def send(link: NodeLink, planes: bytes, profile_name: str) -> int:
    """Bytes roomink puts on the air for this screen, then the node acks."""
    profile = get_profile(profile_name)
    messages = link.plan(planes, (profile.width, profile.height), profile.colors)
    if messages:
        link.apply_ack({"seq": link.seq, "ok": True})
    return sum(map(len, messages))


def cases(feed: RoomFeed) -> None:
    print(f"{'case':<42} {'raw':>7} {'baseline':>9} {'roomink':>8} {'ratio':>6}")
    for name in ("2.9-bwr", "4.2-bwr", "7.5-bwr"):
        for label, first, second, clock in (
            ("busy, first frame", None, DAY.replace(hour=10, minute=15), False),
            ("available, first frame", None, DAY.replace(hour=12, minute=10), False),
            ("clock + 'ends in' line, 1 min later", DAY.replace(hour=10, minute=15),
             DAY.replace(hour=10, minute=16), True),
            ("meeting starts (state change)", DAY.replace(hour=10, minute=55),
             DAY.replace(hour=11, minute=0), False),
            ("unchanged", DAY.replace(hour=12, minute=10), DAY.replace(hour=12, minute=10),
             False),
        ):
            link = node_link("bench")
            if first is not None:
                send(link, screen(feed, name, first, clock), name)
            planes = screen(feed, name, second, clock)
            ours = send(link, planes, name)
            unchanged = first == second
            base = 0 if unchanged else baseline(planes)
            ratio = f"{ours / base:.2f}" if base else "-"
            print(f"{name + ' ' + label:<42} {0 if unchanged else len(planes):>7} {base:>9} "
                  f"{ours:>8} {ratio:>6}")


def day(feed: RoomFeed, name: str = "7.5-bwr", clock: bool = False) -> None:
    """One room's working day: a screen whenever it changes, plus a wake every 5 min (every
    minute for a mains-powered clock sign) that re-renders — nothing when nothing changed."""
    link = node_link("day")
    when = DAY.replace(hour=6)
    end = DAY.replace(hour=END_HOUR)
    moments = set()
    t = when
    while t < end:
        moments.add(t)
        t = next_change(feed.poll(t), t, TZ)
    t = when
    while t < end:
        moments.add(t)
        t += timedelta(minutes=1 if clock else 5)
    ours = base = 0
    last_hash = None
    updates = 0
    for t in sorted(moments):
        planes = screen(feed, name, t, clock)
        ours += send(link, planes, name)
        digest = zlib.crc32(planes)
        if digest != last_hash:
            base += baseline(planes)
            last_hash = digest
            updates += 1
    kind = "mains sign with clock and countdowns" if clock else "battery sign (default)"
    print(f"\nsimulated day, room Atlas, {name}, {kind}, 06:00-{END_HOUR:02d}:00: {updates} "
          f"distinct screens, {len(moments)} renders")
    print(f"  baseline {base} B, roomink {ours} B, ratio {ours / base:.2f}")


def main() -> None:
    feed = RoomFeed("Atlas", IcsFileSource(ROOT / "examples" / "atlas.ics", TZ), TZ)
    cases(feed)
    day(feed, clock=False)
    day(feed, clock=True)


if __name__ == "__main__":
    main()
