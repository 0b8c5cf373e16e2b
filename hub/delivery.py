"""Per-node delivery state: which frame a node acknowledged, what is in flight.

The hub sends a frame only when the planes differ from what the node last *acknowledged*
(not what was last sent: a sent frame may never have arrived).
"""

from __future__ import annotations

import json
import logging
import zlib
from dataclasses import dataclass, field

from renderer.diff import changed_regions, crop_planes
from renderer.frame import (
    LAYOUT_COLUMNS,
    LAYOUT_ROWS,
    Frame,
    encode_ctl,
    encode_frame,
    encode_parts,
)

# Region updates are partial refreshes; e-paper ghosts a little with each, so every so often
# the hub sends a full frame (full refresh) even when a region would do.
FULL_REFRESH_EVERY = 24
# A change covering more than this share of the panel goes as a full frame.
MAX_REGION_SHARE = 0.6

log = logging.getLogger(__name__)


@dataclass
class NodeLink:
    """What the hub knows about delivering to one node."""

    node_id: str
    wbits: int = 10
    max_msg: int = 16384
    seq: int = 0
    acked_seq: int = 0
    acked_crc: int | None = None
    inflight_crc: int | None = None
    inflight_chunks: list[bytes] = field(default_factory=list)
    bytes_sent: int = 0
    # seq -> crc of the last few frames sent, so a late ack for an older frame still tells
    # the hub what the panel shows (acks can arrive after a newer frame went out).
    recent: dict[int, int] = field(default_factory=dict)
    # zlib-compressed planes the node acknowledged / is being sent: the base for region
    # updates (compressed: a 7.5" BWR screen is 96 KB raw, ~5 KB like this).
    acked_planes: bytes | None = None
    inflight_planes: bytes | None = None
    partials: int = 0
    wake_id: int | None = None  # from the node's latest hello; echoed in ctl
    # Data layouts the node's hello lists (docs/protocol.md); not stored: a restarted hub
    # gets the retained hello again before it sends anything.
    layouts: tuple[int, ...] = (LAYOUT_ROWS,)

    def apply_hello(self, hello: dict) -> None:
        wbits, max_msg = hello.get("wbits"), hello.get("max_msg")
        if isinstance(wbits, int):
            self.wbits = max(9, min(15, wbits))
        if isinstance(max_msg, int):
            self.max_msg = max(256, min(1 << 20, max_msg))
        layouts = hello.get("layouts")
        self.layouts = (LAYOUT_ROWS,) + ((LAYOUT_COLUMNS,) if isinstance(layouts, list)
                                         and LAYOUT_COLUMNS in layouts else ())
        self.sync_seq(hello.get("seq"))
        # a keyed node rejects frames older than the newest authentic one it accepted
        self.sync_seq(hello.get("mac_seq"))
        wake_id = hello.get("wake_id")
        self.wake_id = wake_id if isinstance(wake_id, int) and wake_id >= 0 else None

    def plan(self, planes: bytes, panel: tuple[int, int], colors: tuple[int, ...]) -> list[bytes]:
        """Frame messages needed to bring the node to `planes`; empty when it already has them.

        Sends only the changed regions when the node's current image is known for certain
        (acknowledged, nothing in flight) and that is smaller than the full frame.
        """
        crc = zlib.crc32(planes)
        if crc == self.acked_crc or crc == self.inflight_crc:
            return []
        self.seq += 1
        # wake_at/now travel in the retained ctl that follows every frame; repeating them
        # here would cost bytes on every frame.
        full = Frame(seq=self.seq, panel=panel, rect=(0, 0, *panel), colors=colors,
                     planes=planes, full=True)
        messages = encode_frame(full, wbits=self.wbits, max_msg=self.max_msg,
                                layouts=self.layouts)
        regional = self._region_messages(full, planes)
        if regional is not None and sum(map(len, regional)) < sum(map(len, messages)):
            messages = regional
            self.partials += 1
        else:
            self.partials = 0
        self.inflight_crc = crc
        self.inflight_planes = zlib.compress(planes, 1)
        self.inflight_chunks = messages
        self.recent[self.seq] = crc
        for old in [s for s in self.recent if s <= self.seq - 8]:
            del self.recent[old]
        return list(messages)

    def _region_messages(self, full: Frame, planes: bytes) -> list[bytes] | None:
        if (self.acked_planes is None or self.inflight_crc is not None
                or self.partials + 1 >= FULL_REFRESH_EVERY):
            return None
        base = zlib.decompress(self.acked_planes)
        if len(base) != len(planes):
            return None
        width, height = full.panel
        regions = changed_regions(base, planes, width, height, len(full.colors))
        if not regions or sum(w * h for _, _, w, h in regions) > MAX_REGION_SHARE * width * height:
            return None
        partial = Frame(seq=full.seq, panel=full.panel, rect=full.rect, colors=full.colors,
                        planes=planes)
        parts = [(r, crop_planes(planes, width, height, len(full.colors), r)) for r in regions]
        return encode_parts(partial, parts, wbits=self.wbits, max_msg=self.max_msg,
                            layouts=self.layouts)

    def sync_seq(self, shown: object) -> None:
        """The node says it shows frame `shown`.

        Above our counter: a hub that lost its state must continue above it (the node ignores
        any seq it has passed). Below what it acked: its refresh failed after the ack (nodes
        with `refresh_offline` ack first). Either way the hub no longer knows what the panel
        shows, and the next refresh sends the whole screen.
        """
        if not isinstance(shown, int) or isinstance(shown, bool):
            return
        if shown > self.seq:
            self.seq = shown
        elif shown >= self.acked_seq:
            return
        self.acked_seq = shown
        self.acked_crc = self.inflight_crc = None
        self.acked_planes = self.inflight_planes = None
        self.inflight_chunks = []

    def ctl(self, wake_at: int, now: int) -> bytes:
        return encode_ctl(self.seq, wake_at, now, self.wake_id)

    def apply_ack(self, ack: dict) -> bool:
        """Record an ack; True when it completes the in-flight frame."""
        seq = ack.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool):
            return False
        if seq != self.seq:
            if ack.get("ok") is True and self.acked_seq < seq < self.seq and seq in self.recent:
                # An older frame is on the panel; its planes are not kept, so the next
                # update is a full frame.
                self.acked_seq, self.acked_crc, self.acked_planes = seq, self.recent[seq], None
            return False
        if ack.get("ok") is True:
            if self.inflight_crc is None and self.acked_seq == seq:
                return False  # a repeated ack (the node got the frame twice): nothing new
            self.acked_seq, self.acked_crc = seq, self.inflight_crc
            self.acked_planes = self.inflight_planes
            self.inflight_crc, self.inflight_chunks, self.inflight_planes = None, [], None
            return True
        if ack.get("ok") is False and not isinstance(ack.get("missing"), list):
            # The node rejected the frame: forget it so the next refresh sends it again.
            log.warning("node %s rejected frame %s: %s %s", self.node_id, seq,
                        ack.get("err"), ack.get("msg", ""))
            self.inflight_crc, self.inflight_chunks, self.inflight_planes = None, [], None
            self.acked_planes = None  # what the panel shows is no longer certain
        return False

    def resend_missing(self, ack: dict) -> list[bytes]:
        """Chunks the node asked for again; an empty list means "all of them" (it has the
        chunks' bookkeeping but not the pictures, e.g. after losing the panel's RAM)."""
        missing = ack.get("missing")
        if ack.get("seq") != self.seq or not isinstance(missing, list):
            return []
        if not missing:
            return list(self.inflight_chunks)
        return [self.inflight_chunks[i] for i in missing
                if isinstance(i, int) and 0 <= i < len(self.inflight_chunks)]


def parse_json(payload: bytes) -> dict | None:
    """Node messages are small JSON objects; anything else is ignored by the caller."""
    if len(payload) > 4096:
        return None
    try:
        value = json.loads(payload)
    except (ValueError, UnicodeDecodeError, RecursionError):  # [[[[... nests past the limit
        return None
    return value if isinstance(value, dict) else None
