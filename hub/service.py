"""The hub's core loop: uplink messages and timers in, rendered frames out.

One worker thread owns all state, fed by a queue (paho's network thread only enqueues), so
there are no locks around the per-node bookkeeping and no busy loops: the worker sleeps
until the next message or the next timer.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Protocol

from hub import topics
from hub.calendars import RoomFeed, make_source
from hub.config import CalendarConfig, HubConfig
from hub.delivery import NodeLink, parse_json
from hub.schedule import RoomSchedule
from hub.security.keyring import NodeKeyring
from hub.security.mac import verify_button
from hub.security.signing import SigningPublisher
from hub.security.uplink import LogOnce, sanitize
from hub.state import StateStore
from hub.timing import SOON, apply_quiet, next_change
from renderer.planes import pack_planes
from renderer.profiles import PROFILES, DisplayProfile, get_profile

log = logging.getLogger(__name__)

TEST_SCREEN_SECONDS = 15 * 60


def _source_key(calendar: CalendarConfig) -> str:
    """A digest of a room's calendar settings: saved data from other settings (another feed,
    another mailbox) is never restored, and no secret URL is stored in the clear."""
    text = json.dumps({"type": calendar.type, "options": calendar.options}, sort_keys=True,
                      default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class Publisher(Protocol):
    def publish(self, node_id: str, kind: str, payload: bytes, *, retain: bool = False,
                qos: int = 1): ...


@dataclass
class NodeState:
    """The registry entry for one node, from its hello/status/online messages."""

    node_id: str
    hello: dict = field(default_factory=dict)
    online: bool = False
    last_seen: float | None = None
    status: dict = field(default_factory=dict)
    last_error: str | None = None


class Hub:
    def __init__(self, config: HubConfig, *, clock=time.time,
                 store: StateStore | None = None) -> None:
        self.config = config
        self.clock = clock
        self.store = store
        # Registered nodes' keys (docs/security.md): frames to them are signed, their button
        # events must be; with a registry, unregistered node ids are not served.
        self.keyring = NodeKeyring(config.state_dir)
        self._publisher: Publisher | None = None
        self._warn = LogOnce(log)
        self._button_wakes: dict[str, int] = {}  # node -> wake_id of its last accepted press
        # Extension points (booking, dashboard). Both run on the hub's worker thread.
        # button_handler(node_id, message) handles a node's button event;
        # screen_extras(node_id, room_id, schedule, now) returns extra render() keyword
        # arguments, e.g. {"actions": [...], "booking_url": ...}.
        self.button_handler: Callable[[str, dict], None] | None = None
        self.screen_extras: Callable[[str, str, RoomSchedule, datetime], dict] | None = None
        # listener(node_id, kind, message) sees every live JSON message from a node (hello,
        # status, ack, button) after the hub handled it, e.g. to keep node history.
        self.uplink_listeners: list[Callable[[str, str, dict], None]] = []
        stale_after = timedelta(seconds=config.stale_after_s)
        self.feeds = {room.id: RoomFeed(room.name, make_source(room.calendar, config),
                                        config.tz, stale_after=stale_after)
                      for room in config.rooms}
        if store:
            self._keep_schedules(store)
        self.nodes: dict[str, NodeState] = {}
        self.links: dict[str, NodeLink] = store.load_links() if store else {}
        self.assignments = config.node_rooms(store.assignments() if store else {})
        if store:
            for row in store.load_nodes():
                self.nodes[row["node_id"]] = NodeState(
                    row["node_id"], row["hello"], row["online"], row["last_seen"],
                    row["status"], row["last_error"])
        self._inbox: queue.Queue = queue.Queue()
        self._timers: list[tuple[float, int, str, str]] = []
        self._timer_ids = 0
        self._test_screen_until: dict[str, float] = {}
        self._change_at: dict[str, float] = {}  # room -> its live 'change' timer
        self._acked = threading.Condition()

    def _keep_schedules(self, store: StateStore) -> None:
        """Restore each room's last good calendar data and save new data as it comes, so a
        hub restarted while a calendar is down still shows the meetings it knew."""
        for room in self.config.rooms:
            feed, source = self.feeds[room.id], _source_key(room.calendar)
            restored = store.load_schedule(room.id, source)
            if restored:
                feed.restore(*restored)
            feed.on_fetched = partial(self._save_schedule, store, room.id, source)

    def _save_schedule(self, store: StateStore, room_id: str, source: str,
                       schedule: RoomSchedule) -> None:
        try:
            store.save_schedule(room_id, source, schedule.fetched_at, schedule.events)
        except (sqlite3.Error, OSError) as exc:  # the screen matters more than the disk copy
            self._warn.warning(room_id, "save-schedule", "room %s: cannot save its calendar "
                               "data in the state file: %s", room_id, exc)

    @property
    def publisher(self) -> Publisher | None:
        return self._publisher

    @publisher.setter
    def publisher(self, inner: Publisher | None) -> None:
        self._publisher = SigningPublisher(inner, self.keyring) if inner is not None else None

    # -- inputs (any thread) -------------------------------------------------------------
    def on_uplink(self, node_id: str, kind: str, payload: bytes, retained: bool = False) -> None:
        self._inbox.put((kind, node_id, (payload, retained)))

    # -- worker --------------------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            timeout = 0.5
            if self._timers:
                timeout = max(0.0, min(timeout, self._timers[0][0] - self.clock()))
            try:
                kind, node_id, payload = self._inbox.get(timeout=timeout)
            except queue.Empty:
                self._fire_timers()
                continue
            try:
                self._handle(kind, node_id, payload)
            except Exception:  # one node's bad day must not stop the hub
                log.exception("error handling %s from %s", kind, node_id)
            self._fire_timers()

    def _fire_timers(self) -> None:
        now = self.clock()
        while self._timers and self._timers[0][0] <= now:
            when, _, action, room_id = heapq.heappop(self._timers)
            try:
                if action == "poll":
                    try:
                        self.poll_room(room_id)
                    finally:  # whatever the source did, the room is polled again
                        self._schedule(self.clock() + self.config.poll_interval_for(room_id),
                                       "poll", room_id)
                elif action == "change" and self._change_at.get(room_id) == when:
                    del self._change_at[room_id]
                    self.refresh_room(room_id, poll=False)
            except Exception:
                log.exception("error in %s timer of room %s", action, room_id)

    def _schedule(self, when: float, action: str, room_id: str) -> None:
        self._timer_ids += 1
        heapq.heappush(self._timers, (when, self._timer_ids, action, room_id))

    def start_polling(self) -> None:
        """Poll every room now and then at its interval, spread so rooms don't poll at once."""
        rooms = list(self.config.rooms)
        spread = self.config.poll_interval_s / max(1, len(rooms))
        now = self.clock()
        for i, room in enumerate(rooms):
            self._schedule(now + i * spread if i else now, "poll", room.id)

    def poll_room(self, room_id: str, *, force: bool = False) -> None:
        """Fetch the room's calendar; redraw its nodes only if the events changed."""
        feed = self.feeds[room_id]
        before = (feed.schedule.events, feed.schedule.stale_since is None)
        schedule = feed.poll(self._now(), force=force)
        if (schedule.events, schedule.stale_since is None) != before:
            self.refresh_room(room_id, poll=False)

    def refresh_room(self, room_id: str, *, poll: bool = False) -> None:
        for node_id, assigned in list(self.assignments.items()):
            if assigned == room_id:
                self.refresh_node(node_id, poll=poll)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC).astimezone(self.config.tz)

    def call_soon(self, fn: Callable[[], None]) -> None:
        """Run `fn()` on the worker thread: how a feature outside it (a web page) may touch
        hub state, e.g. re-poll a room and redraw its signs after a booking."""
        self._inbox.put(("call", "", fn))

    def submit_command(self, command: dict) -> None:
        """Queue an admin command ({"cmd": "draw"|"redraw"|"assign"|"poll", "node": ...})."""
        self._inbox.put(("cmd", str(command.get("node", "")), command))

    def _command(self, node_id: str, command: dict) -> None:
        name = command.get("cmd")
        if name != "poll" and not topics.valid_node_id(node_id):
            self._warn.warning(node_id[:40], "cmd", "ignoring hub command %r: %r is not a node "
                               "id", str(name)[:20], node_id[:40])
            return
        if name == "assign":
            room_id = str(command.get("room", ""))
            if self.config.room(room_id) is None:
                log.warning("assign: no room %r", room_id)
                return
            self.assignments[node_id] = room_id
            if self.store:
                self.store.assign(node_id, room_id)
            log.info("node %s assigned to room %s", node_id, room_id)
            self.refresh_node(node_id)
        elif name == "redraw":
            self._test_screen_until.pop(node_id, None)
            link = self.links.get(node_id)
            if link:  # forget what the node has so the current screen is sent again
                link.acked_crc = link.inflight_crc = None
                link.acked_planes = link.inflight_planes = None
            self.refresh_node(node_id)
        elif name == "poll":
            room_id = str(command.get("room", ""))
            if room_id in self.feeds:
                self.poll_room(room_id, force=True)  # an admin asked: not held by backoff
        elif name == "draw":
            self.draw_test_screen(node_id, str(command.get("text", "roomink test")))
        else:
            log.warning("unknown hub command %r", name)

    def draw_pairing_screen(self, node_id: str) -> None:
        """An unassigned node shows its id and where the hub is, so an admin can assign it."""
        from renderer.screen import render_pairing

        log.info("node %s is not assigned to a room: showing the pairing screen "
                 "(assign it with `roomink assign %s ROOM`)", node_id, node_id)
        profile = self.profile_for(node_id, "4.2-bwr")
        image = render_pairing(profile, node_id, self.config.public_address, self.config.locale)
        now_ts = int(self.clock())
        self._deliver(node_id, profile, pack_planes(image, profile), now_ts + 3600, now_ts)

    def draw_test_screen(self, node_id: str, text: str) -> None:
        from hub.testscreen import test_screen

        room_id = self.assignments.get(node_id)
        room = self.config.room(room_id) if room_id else None
        profile = self.profile_for(node_id, room.display if room else "4.2-bwr")
        now_ts = int(self.clock())
        stamp = f"node {node_id} · {self._now():%Y-%m-%d %H:%M}"
        planes = pack_planes(test_screen(profile, text, stamp), profile)
        # The test screen stays up for a while (calendar refreshes wait), and is sent even
        # to a sleeping node: the broker keeps it for the node's next wake.
        self._test_screen_until[node_id] = now_ts + TEST_SCREEN_SECONDS
        self._deliver(node_id, profile, planes, now_ts + TEST_SCREEN_SECONDS, now_ts,
                      even_asleep=True)

    def _handle(self, kind: str, node_id: str, item) -> None:
        if kind == "cmd":
            self._command(node_id, item)
            return
        if kind == "call":
            item()
            return
        payload, retained = item
        if not self.keyring.known(node_id):
            self._warn.warning(node_id, "unknown", "ignoring messages from node %s: not in the "
                               "node registry (flash it with roomink flash, or it was revoked)",
                               node_id)
            return
        message = None
        if kind != "online":
            message = parse_json(payload)
            if message is not None:
                message, dropped = sanitize(kind, message)
                if dropped:
                    self._warn.warning(node_id, kind + ":" + ",".join(dropped), "node %s: "
                                       "ignoring bad %s in its %s", node_id, dropped, kind)
            if message is None:
                self._warn.warning(node_id, kind, "node %s: ignoring malformed %s message "
                                   "(%d bytes)", node_id, kind, len(payload))
                return
        if node_id not in self.nodes and kind != "hello":
            return  # a node is registered by its hello; anything before it means nothing yet
        state = self.nodes.setdefault(node_id, NodeState(node_id))
        if not retained:
            state.last_seen = self.clock()
        if kind == "online":
            state.online = payload.strip() == b"1"
            self._save_node(state)
            return
        assert message is not None
        if kind == "hello":
            self._on_hello(state, message, retained)
        elif kind == "ack":
            self._on_ack(node_id, message)
        elif kind == "button":
            if not self._button_authentic(node_id, message, retained):
                return
            if self.button_handler is None:
                log.info("node %s: button %s pressed (booking is not enabled)", node_id,
                         message.get("mask"))
            else:
                self.button_handler(node_id, message)
        elif kind == "status":
            link = self.links.get(node_id)
            if link is not None:
                link.sync_seq(message.get("seq"))
            state.status = message
            error = message.get("err") or None
            if error and error != state.last_error:
                log.warning("node %s reports error: %s %s", node_id, error,
                            message.get("msg", ""))
            state.last_error = error if isinstance(error, str) else None
        self._save_node(state)
        if not retained:
            for listener in self.uplink_listeners:
                try:
                    listener(node_id, kind, message)
                except Exception:  # an observer's bug must not cost the node its screen
                    log.exception("error in uplink listener for %s from %s", kind, node_id)

    def _button_authentic(self, node_id: str, event: dict, retained: bool) -> bool:
        """A registered node's press must carry its MAC and the wake_id of its latest hello,
        once: a forged or replayed press must not book a room (docs/protocol.md)."""
        key = self.keyring.key(node_id)
        if key is None:
            return not retained
        link = self.links.get(node_id)
        wake_id = event.get("wake_id")
        if retained or not verify_button(event, key, node_id):
            self._warn.warning(node_id, "button-mac", "node %s: ignoring a button event with a "
                               "missing or wrong MAC", node_id)
            return False
        if (link is None or not isinstance(wake_id, int) or wake_id != link.wake_id
                or self._button_wakes.get(node_id) == wake_id):
            self._warn.warning(node_id, "button-replay", "node %s: ignoring a button event "
                               "that does not belong to the node's current wake", node_id)
            return False
        self._button_wakes[node_id] = wake_id
        return True

    def _save_node(self, state: NodeState) -> None:
        if self.store:
            self.store.save_node(state.node_id, state.hello, state.status, state.online,
                                 state.last_seen, state.last_error)

    def _save_link(self, link: NodeLink) -> None:
        if self.store:
            self.store.save_link(link)

    def _on_hello(self, state: NodeState, hello: dict, retained: bool = False) -> None:
        state.hello = hello
        link = self.links.setdefault(state.node_id, NodeLink(state.node_id))
        link.apply_hello(hello)
        if retained:
            # The broker's stored copy, replayed because the hub (re)subscribed: registry
            # information only. The node may be asleep; its next live hello triggers a refresh.
            return
        state.online = True
        log.info("node %s says hello (fw %s, %s)", state.node_id, hello.get("fw"),
                 hello.get("profile"))
        if link.inflight_chunks and self.publisher:
            # A hello means the node (re)connected: a frame sent before it ever subscribed
            # was dropped by the broker. Same seq, so a copy it did get is acked as duplicate.
            for chunk in link.inflight_chunks:
                self.publisher.publish(state.node_id, "frame", chunk)
        self.refresh_node(state.node_id)

    def _on_ack(self, node_id: str, ack: dict) -> None:
        link = self.links.get(node_id)
        if link is None:
            return
        done = link.apply_ack(ack)
        self._save_link(link)
        if done:
            log.info("node %s acked frame %s", node_id, ack.get("seq"))
            with self._acked:
                self._acked.notify_all()
        elif isinstance(ack.get("missing"), list) and self.publisher:
            for chunk in link.resend_missing(ack):
                self.publisher.publish(node_id, "frame", chunk)

    # -- rendering and delivery ----------------------------------------------------------
    def profile_for(self, node_id: str, fallback: str) -> DisplayProfile:
        """The node's own panel wins over the room's configured display."""
        announced = self.nodes.get(node_id, NodeState(node_id)).hello.get("profile")
        if announced in PROFILES:
            return PROFILES[announced]
        return get_profile(fallback)

    def refresh_node(self, node_id: str, *, poll: bool = True) -> None:
        """Render the node's room as of now and send it if the node does not have it yet."""
        room_id = self.assignments.get(node_id)
        room = self.config.room(room_id) if room_id else None
        if not self.nodes.get(node_id, NodeState(node_id)).hello:
            return  # never seen: its panel and limits are unknown; its hello triggers this
        if room is None:
            self.draw_pairing_screen(node_id)
            return
        until = self._test_screen_until.get(node_id, 0)
        if until > self.clock():
            # An admin's test screen is up (`roomink redraw` ends it early); still answer.
            link = self.links.setdefault(node_id, NodeLink(node_id))
            if self.publisher:
                self.publisher.publish(node_id, "ctl", link.ctl(int(until), int(self.clock())),
                                       retain=True)
            return
        from renderer import render

        now_ts = self.clock()
        now = self._now()
        profile = self.profile_for(node_id, room.display)
        feed = self.feeds[room.id]
        fetched = feed.schedule.fetched_at
        age = (now - fetched).total_seconds() if fetched else None
        fresh = age is not None and age < self.config.poll_interval_for(room.id)
        # A hello re-polls only a schedule older than the poll interval: calendars are not
        # re-read every time a node wakes.
        schedule = feed.poll(now) if poll and not fresh or fetched is None else feed.schedule
        extras = self.screen_extras(node_id, room.id, schedule, now) if self.screen_extras else {}
        # Battery nodes wake only when the picture changes, so no minute clock on screen.
        image = render(schedule, profile, now, self.config.locale, show_clock=False, **extras)
        planes = pack_planes(image, profile)
        # Battery nodes skip the "starting soon" wake unless asked: the free screen already
        # says when the next meeting starts, and every wake costs a Wi-Fi join.
        soon = SOON if self.config.soon_wake else timedelta(0)
        change = apply_quiet(next_change(schedule, now, self.config.tz, soon=soon), now,
                             self.config.tz, self.config.quiet)
        scheduled = self._change_at.get(room.id)
        if scheduled is None or change.timestamp() < scheduled:
            self._change_at[room.id] = change.timestamp()
            self._schedule(change.timestamp(), "change", room.id)
        self._deliver(node_id, profile, planes, int(change.timestamp()), int(now_ts))

    def _deliver(self, node_id: str, profile: DisplayProfile, planes: bytes, wake_at: int,
                 now_ts: int, *, even_asleep: bool = False) -> None:
        """Send `planes` unless the node has (or is being sent) them; always refresh ctl."""
        link = self.links.setdefault(node_id, NodeLink(node_id))
        if self.publisher is None:
            return
        if not even_asleep and not self.nodes.get(node_id, NodeState(node_id)).online:
            # Asleep: queueing frames in the broker would hand the node a backlog of stale
            # screens on wake. Its next hello renders and sends the latest one only.
            self.publisher.publish(node_id, "ctl", link.ctl(wake_at, now_ts), retain=True)
            return
        messages = link.plan(planes, (profile.width, profile.height), profile.colors)
        for message in messages:
            self.publisher.publish(node_id, "frame", message)
            link.bytes_sent += len(message)
        self._save_link(link)
        if messages:
            log.info("node %s: sent frame %s (%d bytes)", node_id, link.seq,
                     sum(map(len, messages)))
        self.publisher.publish(node_id, "ctl", link.ctl(wake_at, now_ts), retain=True)

    def wait_for_ack(self, node_id: str, timeout: float) -> bool:
        """Block until the node's latest frame is acknowledged (for demos and tests)."""
        deadline = time.monotonic() + timeout
        with self._acked:
            while True:
                link = self.links.get(node_id)
                if link and link.seq and link.acked_seq == link.seq:
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._acked.wait(remaining)
