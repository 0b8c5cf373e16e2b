"""Property tests: random rooms, subjects, organizers and times never crash a render, never
draw outside the panel or outside the box each text was given, and text never overlaps."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageDraw

from hub.schedule import Event, RoomSchedule
from renderer.profiles import PROFILES, get_profile
from renderer.screen import render_canvas, render_pairing_canvas
from renderer.strings import LOCALES

TZ = ZoneInfo("Europe/Berlin")
DAY = datetime(2026, 11, 25, tzinfo=TZ)

# Starts every private subject; nothing else ever contains it.
SECRET = "\ue000"
# Mixed scripts: Latin with accents, emoji, Hebrew/Arabic, CJK, combining marks, controls.
ALPHABET = st.one_of(
    st.characters(codec="utf-8", exclude_categories=("Cs",)),
    st.sampled_from(list("aZ ßéü✓🚢🎉👩‍💻שלוםمرحبا中文会議한국어\u0301\u200d\t\n")),
)
TEXT = st.text(ALPHABET.filter(lambda c: c != SECRET), max_size=120)


@st.composite
def events(draw) -> Event:
    start = DAY + timedelta(minutes=draw(st.integers(-24 * 60, 36 * 60)))
    all_day = draw(st.booleans())
    if all_day:
        start = start.replace(hour=0, minute=0)
        end = start + timedelta(days=draw(st.integers(1, 3)))
    else:
        end = start + timedelta(minutes=draw(st.integers(0, 600)))
    private = draw(st.booleans())
    subject = (SECRET if private else "") + draw(TEXT)
    return Event(start, end, subject, draw(TEXT), all_day=all_day, private=private,
                 busy=draw(st.booleans() | st.just(True)))


def assert_inside(canvas) -> None:
    """Every drawing inside its box and the panel; text lines pairwise disjoint; and no
    pixel outside the union of the boxes (so the log tells the truth)."""
    panel = canvas.box
    for box, ink, text in canvas.log + canvas.lines:
        assert panel.contains(box.as_tuple()), (text, box)
        assert box.contains(ink), (text, box, ink)
    rects = [ink for _, ink, _ in canvas.lines if ink[2] > ink[0] and ink[3] > ink[1]]
    rects += [ink for _, ink, kind in canvas.log if kind == "<image>"]
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            overlap = min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])
            assert not overlap, (a, b)
    allowed = Image.new("L", canvas.image.size, 0)
    draw = ImageDraw.Draw(allowed)
    for box, _, _ in canvas.log:
        draw.rectangle((box.x0, box.y0, box.x1 - 1, box.y1 - 1), fill=255)
    inked = Image.frombytes("L", canvas.image.size, canvas.image.tobytes()).point(
        lambda v: 255 if v else 0)
    assert ImageChops.subtract(inked, allowed).getbbox() is None


# ROOMINK_PROP_EXAMPLES=2000 for a deeper hunt than the quick default.
EXAMPLES = int(os.environ.get("ROOMINK_PROP_EXAMPLES", "60"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    room=TEXT,
    evs=st.lists(events(), max_size=8),
    minute=st.integers(0, 24 * 60 - 1),
    profile=st.sampled_from(sorted(PROFILES)),
    locale=st.sampled_from(LOCALES),
    hour24=st.booleans(),
    booking=st.none() | st.text(st.characters(codec="ascii", categories=("L", "N")),
                                min_size=1, max_size=150),
    actions=st.none() | st.lists(TEXT, min_size=1, max_size=4),
    stale=st.booleans(),
    fetched=st.booleans(),
)
@example(room="", evs=[Event(DAY, DAY + timedelta(minutes=1), "", "\u200b")], minute=0,
         profile="2.9-bw", locale="en", hour24=False, booking=None, actions=["0"], stale=False,
         fetched=False)  # a line with no ink at all
def test_random_screens_stay_in_their_boxes(room, evs, minute, profile, locale, hour24,
                                            booking, actions, stale, fetched) -> None:
    now = DAY + timedelta(minutes=minute)
    schedule = RoomSchedule(room, tuple(evs), fetched_at=now if fetched else None,
                            stale_since=now - timedelta(hours=1) if stale else None)
    canvas = render_canvas(schedule, get_profile(profile), now, f"{locale}@"
                           f"{'24h' if hour24 else '12h'}", booking_url=booking,
                           actions=actions)
    assert canvas.image.size == get_profile(profile).screen_size
    assert_inside(canvas)
    assert not any(SECRET in text for text in canvas.texts)  # private subjects never shown


@settings(max_examples=25, deadline=None)
@given(node=TEXT, hub=TEXT, profile=st.sampled_from(sorted(PROFILES)),
       locale=st.sampled_from(LOCALES))
@example(node="\n\u0590", hub="", profile="2.9-bw", locale="en")  # raqm cannot lay this out
def test_random_pairing_screens_stay_in_their_boxes(node, hub, profile, locale) -> None:
    assert_inside(render_pairing_canvas(get_profile(profile), node, hub, locale))
