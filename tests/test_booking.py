"""Booking rules: what a room offers, config errors, and sign presses through the real hub
worker against a real Radicale calendar (the transport is a recorder: no node needed here)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

import pytest

from hub.booking.config import parse_booking_config
from hub.booking.offer import Action, button_count, room_offer
from hub.config import ConfigError, parse_config
from hub.schedule import Event, RoomSchedule
from renderer.profiles import get_profile
from renderer.strings import get_locale
from tests import sources_servers
from tests.test_booking_support import BookingRig, at, busy_on_server, room_calendar

radicale = sources_servers.radicale
EN = get_locale("en@24h")


def _schedule(*meetings: tuple[str, str]) -> RoomSchedule:
    return RoomSchedule("Atlas", tuple(Event(at(a), at(b), "M", uid=f"m{i}")
                                       for i, (a, b) in enumerate(meetings)),
                        fetched_at=at("08:00"))


def _labels(actions: list[Action]) -> list[str]:
    return [a.label(EN) for a in actions]


def test_free_room_offers_bookings_capped_by_the_next_meeting() -> None:
    schedule = _schedule(("11:00", "12:00"))
    assert _labels(room_offer(schedule, at("10:15"), (15, 30, 60), 15)) == \
        ["Book 15", "Book 30", "To 11:00"]
    # 10 minutes left: every length ends at 11:00, offered once.
    assert _labels(room_offer(schedule, at("10:50"), (15, 30, 60), 15)) == ["To 11:00"]
    assert room_offer(schedule, at("10:57"), (15, 30, 60), 15) == []  # < 5 min: nothing
    assert _labels(room_offer(_schedule(), at("10:15"), (15, 30, 60), 15)) == \
        ["Book 15", "Book 30", "Book 60"]


def test_busy_room_offers_extend_and_end() -> None:
    alone = _schedule(("11:00", "12:00"))
    assert _labels(room_offer(alone, at("11:30"), (15,), 15)) == ["+15 min", "End now"]
    squeezed = _schedule(("11:00", "12:00"), ("12:10", "13:00"))
    assert _labels(room_offer(squeezed, at("11:30"), (15,), 15)) == ["To 12:10", "End now"]
    back_to_back = _schedule(("11:00", "12:00"), ("12:00", "13:00"))
    assert _labels(room_offer(back_to_back, at("11:30"), (15,), 15)) == ["End now"]


@pytest.mark.parametrize(("code", "labels"), [
    ("de", ["15 Min", "30 Min", "Bis 11:00"]),
    ("fr", ["15 min", "30 min", "Jusqu'à 11:00"]),
    ("zh", ["订15分钟", "订30分钟", "至11:00"]),
])
def test_labels_follow_the_hub_locale_and_fit(code: str, labels: list[str]) -> None:
    schedule = _schedule(("11:00", "12:00"))
    actions = room_offer(schedule, at("10:15"), (15, 30, 60), 15)
    assert [a.label(get_locale(code)) for a in actions] == labels
    # drawn above the buttons of the smallest panel without losing a character
    from renderer.screen import render_canvas

    canvas = render_canvas(schedule, get_profile("2.9-bw"), at("10:15"), code,
                           actions=labels, show_clock=False)
    assert all(label in canvas.texts for label in labels), canvas.texts


def test_buttons_per_panel() -> None:
    assert [button_count(get_profile(p)) for p in ("2.9-bwr", "4.2-bw", "7.5-bwr",
                                                    "4.2-bwr-portrait")] == [3, 4, 4, 4]


@pytest.mark.parametrize(("table", "message"), [
    ('pin = "12"', "booking.pin: the PIN must be at least 4 characters"),
    ('url = "signs.example.com"', "booking.url: 'signs.example.com': use the address"),
    ("durations = [15, 0]", "booking.durations: a list of minutes between 5 and 480"),
    ('colour = "red"', "booking.colour: unknown key"),
    ('pin_file = "missing.pin"', "booking.pin_file: cannot read"),
])
def test_config_errors_name_file_line_and_key(tmp_path, table: str, message: str) -> None:
    text = f'[[rooms]]\nid = "a"\ncalendar = "a.ics"\n\n[booking]\n{table}\n'
    config = parse_config(text, tmp_path / "roomink.toml")
    with pytest.raises(ConfigError) as err:
        parse_booking_config(config)
    assert str(err.value).startswith(f"{tmp_path / 'roomink.toml'}:6: {message}")


def test_booking_table_absent_means_off(tmp_path) -> None:
    config = parse_config('[[rooms]]\nid = "a"\ncalendar = "a.ics"\n', tmp_path / "r.toml")
    assert parse_booking_config(config) is None


class Recorder:
    """The hub's publisher, recording what it would send to the broker."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def publish(self, node_id: str, kind: str, payload: bytes, *, retain: bool = False,
                qos: int = 1) -> None:
        self.sent.append((node_id, kind))

    def frames(self) -> int:
        return sum(1 for _, kind in self.sent if kind == "frame")


def _until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


class SignHub:
    """A hub worker running the real Hub loop, fed node messages directly."""

    def __init__(self, rig: BookingRig) -> None:
        self.rig = rig
        self.hub = rig.hub
        self.recorder = Recorder()
        self.hub.publisher = self.recorder
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.hub.run, args=(self.stop,), daemon=True)
        self.thread.start()

    def send(self, kind: str, message: dict) -> None:
        self.hub.on_uplink(self.rig.node_id, kind, json.dumps(message).encode())

    def hello(self) -> None:
        before = len(self.recorder.sent)
        self.send("hello", {"v": 1, "profile": "4.2-bwr", "w": 400, "h": 300, "wbits": 10,
                            "max_msg": 16384, "wake_id": 1})
        _until(lambda: len(self.recorder.sent) > before)

    def press(self, mask: int, seq: int | None, answer: bool = True) -> None:
        count = len(self.rig.booking.sign.outcomes)
        frames = self.recorder.frames()
        self.send("button", {"mask": mask, "seq": seq})
        _until(lambda: len(self.rig.booking.sign.outcomes) > count)
        if answer:
            _until(lambda: self.recorder.frames() > frames)  # every answer is a new screen

    @property
    def last(self):
        return self.rig.booking.sign.outcomes[-1][1]

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)


@pytest.fixture
def sign(radicale, tmp_path):
    url = room_calendar(radicale, [("11:00", "12:00", "Design review")])
    rig = BookingRig(tmp_path, 1, radicale, url, at("10:15"))  # never connects: recorder
    signhub = SignHub(rig)
    signhub.hello()
    yield signhub
    signhub.close()


def test_press_books_once_even_when_repeated(sign, radicale) -> None:
    seq = sign.hub.links[sign.rig.node_id].seq
    sign.press(2, seq)  # "Book 30"
    assert sign.last.ok and sign.last.message == "Booked 10:15–10:45 AM."
    outcomes = len(sign.rig.booking.sign.outcomes)
    sign.send("button", {"mask": 2, "seq": seq})  # a QoS-1 duplicate of the same press
    # A later press on the busy screen ("+15 min"), so the duplicate surely was handled.
    sign.press(1, sign.hub.links[sign.rig.node_id].seq)
    assert len(sign.rig.booking.sign.outcomes) == outcomes + 1  # the duplicate did nothing
    assert sign.last.message == "Extended to 11:00 AM."
    assert busy_on_server(radicale, sign.rig.calendar_url) == [
        ("10:15", "11:00", "Booked at the sign"), ("11:00", "12:00", "Design review")]


def test_press_on_a_stale_screen_is_refused_and_said_on_screen(sign, radicale) -> None:
    link = sign.hub.links[sign.rig.node_id]
    old = link.seq
    sign.rig.running.advance(at("11:05"))  # the meeting began; the screen the press saw
    sign.hub.call_soon(lambda: sign.hub.refresh_node(sign.rig.node_id, poll=True))
    _until(lambda: link.seq > old)
    sign.press(1, old)  # "Book 15" on the old, free screen
    assert not sign.last.ok and sign.last.short == "Outdated"
    assert busy_on_server(radicale, sign.rig.calendar_url) == \
        [("11:00", "12:00", "Design review")]
    extras = sign.rig.booking.sign.screen_extras(sign.rig.node_id, "atlas",
                                                 sign.hub.feeds["atlas"].schedule, at("11:05"))
    assert extras["actions"][0] == "Outdated"  # the answer sits above the pressed button
    assert extras["booking_url"] == sign.rig.page_url


def test_unknown_seq_and_unused_button_are_refused(sign, radicale) -> None:
    sign.press(1, 999)
    assert sign.last.short == "Outdated"
    sign.press(8, sign.hub.links[sign.rig.node_id].seq)  # button 4 has no action
    assert sign.last.short == "-"
    assert busy_on_server(radicale, sign.rig.calendar_url) == \
        [("11:00", "12:00", "Design review")]


def test_press_on_an_admin_test_screen_does_nothing(sign, radicale) -> None:
    """The test screen took the seq the last room render was filed under; the CRC check
    tells them apart, so the press is not read as that render's "Book 15"."""
    link = sign.hub.links[sign.rig.node_id]
    sign.hub.call_soon(lambda: sign.hub.refresh_node(sign.rig.node_id))  # same picture
    before = link.seq
    sign.hub.submit_command({"cmd": "draw", "node": sign.rig.node_id, "text": "hello"})
    _until(lambda: link.seq == before + 1)
    sign.press(1, link.seq, answer=False)  # the test screen stays up: no new screen
    assert sign.last.short == "Outdated"
    assert busy_on_server(radicale, sign.rig.calendar_url) == \
        [("11:00", "12:00", "Design review")]


def test_read_only_room_shows_no_actions_and_refuses_presses(radicale, tmp_path) -> None:
    rig = BookingRig(tmp_path, 1, radicale, None, at("10:15"))
    signhub = SignHub(rig)
    try:
        signhub.hello()
        extras = rig.booking.sign.screen_extras(rig.node_id, "atlas",
                                                rig.hub.feeds["atlas"].schedule, at("10:15"))
        assert "actions" not in extras and extras["booking_url"] == rig.page_url
        signhub.press(1, rig.hub.links[rig.node_id].seq)
        assert signhub.last.short == "Read-only"
    finally:
        signhub.close()

