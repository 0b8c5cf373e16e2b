"""The sign side of booking: button labels on each screen, and button presses turned into actions.

Runs inside the hub (its `screen_extras` and `button_handler` hooks, on the hub's worker
thread). For every screen it draws, it remembers which action each button showed, under the
frame `seq` that screen will travel as; a press names the `seq` the person saw, so:

* the action carried out is the one *that screen* showed under the button -- checked by
  drawing the remembered screen again and comparing its CRC with the one the hub sent as
  that `seq` (so an admin's test screen, or a hub restart, never lends a press a meaning) --
  and only if the room still offers exactly that action now; otherwise the press is refused
  as stale ("Outdated" above the button) and nothing is written;
* a press is carried out at most once (idempotency key: node, seq, buttons), so a QoS-1
  duplicate or a second press on the same screen never books twice.

Every press gets an answer on the sign within one refresh: on success the room's new state
(busy with the booking, extended, free again); on refusal the pressed button's label says why
for `NOTE_SECONDS`.
"""

from __future__ import annotations

import logging
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

from hub.booking.config import BookingConfig
from hub.booking.offer import Action, button_actions, button_count, room_offer
from hub.booking.service import BookingService, Outcome, refused
from hub.booking.tokens import RoomTokens
from hub.booking.words import word
from hub.schedule import RoomSchedule
from renderer import render
from renderer.planes import pack_planes
from renderer.profiles import DisplayProfile
from renderer.strings import get_locale

log = logging.getLogger(__name__)

NOTE_SECONDS = 120
KEEP_SEQS = 8


@dataclass(frozen=True)
class Drawn:
    """One screen as rendered for a node: its buttons' actions and everything it was drawn
    from, so a press can check that the frame it names really is this screen."""

    actions: list[Action | None]
    schedule: RoomSchedule
    now: datetime
    profile: DisplayProfile
    extras: dict

    def crc(self, locale: str) -> int:
        # The same call as Hub.refresh_node makes.
        image = render(self.schedule, self.profile, self.now, locale, show_clock=False,
                       **self.extras)
        return zlib.crc32(pack_planes(image, self.profile))


class SignBooking:
    def __init__(self, hub, service: BookingService, config: BookingConfig,
                 tokens: RoomTokens) -> None:
        self.hub = hub
        self.service = service
        self.config = config
        self.tokens = tokens
        self.loc = get_locale(hub.config.locale)
        self._drawn: dict[str, OrderedDict[int, Drawn]] = {}
        self._notes: dict[str, tuple[int, str, float]] = {}  # node -> (button, text, until)
        self.outcomes: list[tuple[str, Outcome]] = []  # (node, outcome), newest last

    def install(self) -> None:
        self.hub.screen_extras = self.screen_extras
        self.hub.button_handler = self.button_handler

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.hub.clock(), UTC).astimezone(self.hub.config.tz)

    def page_url(self, room_id: str) -> str | None:
        if self.config.url is None:
            return None
        return f"{self.config.url}/book/{self.tokens.token(room_id)}"

    # -- what a screen shows (hub worker thread) ----------------------------------------
    def _profile(self, node_id: str, room_id: str) -> DisplayProfile:
        room = self.hub.config.room(room_id)
        return self.hub.profile_for(node_id, room.display if room else "4.2-bwr")

    def buttons_for(self, node_id: str, room_id: str, schedule: RoomSchedule,
                    now: datetime) -> list[Action | None]:
        count = button_count(self._profile(node_id, room_id))
        if not self.service.writable(room_id):
            return [None] * count
        offer = room_offer(schedule, now, self.config.durations, self.config.extend)
        return button_actions(offer, count)

    def screen_extras(self, node_id: str, room_id: str, schedule: RoomSchedule,
                      now: datetime) -> dict:
        actions = self.buttons_for(node_id, room_id, schedule, now)
        labels = [a.label(self.loc) if a else "" for a in actions]
        note = self._notes.get(node_id)
        if note is not None and note[2] > now.timestamp() and note[0] < len(labels):
            labels[note[0]] = word(self.loc, note[1])
        extras: dict = {}
        if any(labels):
            extras["actions"] = labels
        url = self.page_url(room_id)
        if url:
            extras["booking_url"] = url
        # Filed under the seq this render gets if it differs from what the node has (the
        # hub numbers the frame right after rendering); a press checks it by CRC.
        link = self.hub.links.get(node_id)
        upcoming = (link.seq if link else 0) + 1
        drawn = self._drawn.setdefault(node_id, OrderedDict())
        drawn[upcoming] = Drawn(actions, schedule, now, self._profile(node_id, room_id),
                                dict(extras))
        drawn.move_to_end(upcoming)
        while len(drawn) > KEEP_SEQS:
            drawn.popitem(last=False)
        return extras

    def shown(self, node_id: str, seq: object) -> list[Action | None] | None:
        """The button actions of the screen a node showed as frame `seq`; None if unknown."""
        if not isinstance(seq, int):
            return None
        link = self.hub.links.get(node_id)
        drawn = self._drawn.get(node_id, OrderedDict()).get(seq)
        if drawn is None or link is None or link.recent.get(seq) is None:
            return None
        if drawn.crc(self.hub.config.locale) != link.recent[seq]:
            return None  # that seq went out as another picture (a test screen, say)
        return drawn.actions

    # -- presses (hub worker thread) -------------------------------------------------------
    def button_handler(self, node_id: str, message: dict) -> None:
        mask, seq = message.get("mask"), message.get("seq")
        if not isinstance(mask, int) or isinstance(mask, bool) or not 0 < mask < 16:
            log.warning("node %s: ignoring button event with mask %r", node_id, mask)
            return
        room_id = self.hub.assignments.get(node_id)
        if room_id not in self.hub.feeds:
            log.info("node %s: button pressed, but the node shows no room", node_id)
            return
        key = f"sign:{node_id}:{seq}:{mask}"
        if self.service.seen(key) is not None:
            log.info("node %s: repeated button event (seq %s, mask %s) ignored", node_id, seq,
                     mask)
            return
        index = (mask & -mask).bit_length() - 1  # the leftmost pressed button
        now = self.now()
        shown = self.shown(node_id, seq)
        current = self.buttons_for(node_id, room_id, self.hub.feeds[room_id].schedule, now)
        action = shown[index] if shown is not None and index < len(shown) else None
        if not self.service.writable(room_id):
            outcome = refused("This room's calendar is read-only.", "Read-only")
        elif shown is None or index >= len(current):
            outcome = refused("The sign's screen was out of date; nothing was done.",
                              "Outdated")
        elif action is None:
            outcome = refused("That button does nothing on this screen.", "-")
        elif action != current[index]:
            outcome = refused("The room changed since the screen was drawn; nothing was "
                              "done.", "Outdated")
        elif mask & (mask - 1):
            outcome = refused("Press one button at a time.", "One only")
        else:
            outcome, _ = self.service.perform(room_id, action, key, now)
        self.service.remember(key, outcome)  # a repeat of this event is ignored
        self.outcomes.append((node_id, outcome))
        del self.outcomes[:-64]
        if outcome.ok:
            self._notes.pop(node_id, None)
            self.refresh_room(room_id)
        else:
            log.info("node %s: button %d refused: %s", node_id, index + 1, outcome.message)
            self._notes[node_id] = (index, outcome.short, now.timestamp() + NOTE_SECONDS)
            self.hub.refresh_node(node_id, poll=False)

    def refresh_room(self, room_id: str) -> None:
        """Re-read the room's calendar and redraw its signs (hub worker thread only)."""
        # Right after a write the calendar answered: read it now, whatever the backoff says.
        self.hub.feeds[room_id].poll(self.now(), force=True)
        self.hub.refresh_room(room_id, poll=False)
