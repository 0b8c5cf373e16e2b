"""render(): the right screen for each room state, drawn only with palette inks, inside boxes."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hub.schedule import Event, RoomSchedule
from renderer import render
from renderer.planes import new_screen, pack_planes
from renderer.profiles import BLACK, PROFILES, RED, get_profile
from renderer.screen import render_canvas

TZ = ZoneInfo("Europe/Berlin")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 25, hour, minute, tzinfo=TZ)


SCHEDULE = RoomSchedule(
    "Room 3.14",
    (
        Event(at(10), at(11), "Quarterly planning", "Alice Example"),
        Event(at(13), at(14), "Salary talks", "Dave", private=True),
    ),
    fetched_at=at(9),
)


def texts(canvas) -> str:
    return "\n".join(canvas.texts)


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_render_returns_palette_screen_of_profile_size(name: str) -> None:
    profile = get_profile(name)
    image = render(SCHEDULE, profile, at(10, 15))
    assert image.mode == "P" and image.size == profile.screen_size
    assert image.getpalette()[:12] == new_screen(profile).getpalette()[:12]
    assert {c for _, c in image.getcolors()} <= {0, *profile.colors}
    assert len(pack_planes(image, profile)) == profile.plane_bytes * len(profile.colors)


def test_busy_screen_is_red_and_names_the_meeting() -> None:
    canvas = render_canvas(SCHEDULE, get_profile("4.2-bwr"), at(10, 15))
    colors = dict((c, n) for n, c in canvas.image.getcolors())
    assert colors.get(RED, 0) > 400 * 40  # the busy band is a large red area
    log = texts(canvas)
    assert "Busy" in log and "Quarterly planning" in log and "Alice Example" in log
    assert "until 11:00 AM · ends in 45 min" in log


def test_free_screen_has_no_red_and_says_until_when() -> None:
    canvas = render_canvas(SCHEDULE, get_profile("4.2-bwr"), at(11, 30))
    assert RED not in {c for _, c in canvas.image.getcolors()}
    log = texts(canvas)
    assert "Available" in log and "Free until 1:00 PM" in log


def test_private_subject_never_drawn() -> None:
    for minute in (12 * 60 + 30, 13 * 60 + 30):
        canvas = render_canvas(SCHEDULE, get_profile("7.5-bwr"), at(0) + timedelta(minutes=minute))
        log = texts(canvas)
        assert "Salary" not in log and "Private meeting" in log


def test_every_drawing_stays_inside_its_box_and_the_panel() -> None:
    canvas = render_canvas(SCHEDULE, get_profile("4.2-bwr"), at(10, 15), actions=["A", "B"])
    for box, ink, text in canvas.log:
        assert canvas.box.contains(box.as_tuple()), text
        assert box.contains(ink), (text, box, ink)


def test_bw_panel_uses_black_for_busy() -> None:
    image = render(SCHEDULE, get_profile("4.2-bw"), at(10, 15))
    assert {c for _, c in image.getcolors()} == {0, BLACK}


def test_planes_set_a_bit_exactly_where_each_ink_is() -> None:
    profile = get_profile("4.2-bwry")
    image = new_screen(profile)
    image.paste(RED, (0, 0, 8, 1))
    image.paste(BLACK, (8, 0, 16, 1))
    image.paste(3, (16, 0, 24, 1))
    planes = pack_planes(image, profile)
    n = profile.plane_bytes
    assert planes[0:4] == bytes([0x00, 0xFF, 0x00, 0x00])  # black plane
    assert planes[n:n + 4] == bytes([0xFF, 0x00, 0x00, 0x00])  # red plane
    assert planes[2 * n:2 * n + 4] == bytes([0x00, 0x00, 0xFF, 0x00])  # yellow plane
    assert not any(planes[4:n])  # the rest is white: no bits set


def test_qr_image_is_the_segno_symbol_at_whole_pixel_modules() -> None:
    import segno

    from renderer.qr import QUIET_ZONE, qr_image

    url = "https://hub.example/book/ada"
    image = qr_image(url, 120)
    assert image is not None
    matrix = [list(row) for row in segno.make(url, error="m").matrix_iter(border=QUIET_ZONE)]
    scale = image.width // len(matrix)
    assert scale >= 2 and image.width == scale * len(matrix)
    pixels = image.load()
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            assert pixels[x * scale + scale // 2, y * scale + scale // 2] == (BLACK if dark else 0)
    assert qr_image(url, 40) is None  # too small to scan: left out rather than drawn mushy


def test_booking_qr_and_button_labels_appear_on_every_size() -> None:
    for name in ("2.9-bwr", "4.2-bwr", "4.2-bwr-portrait", "7.5-bwr", "7.5-bwr-portrait"):
        canvas = render_canvas(SCHEDULE, get_profile(name), at(11, 30),
                               booking_url="https://hub.example/book/r314",
                               actions=["Book 15", "Book 30"])
        assert any(kind == "<image>" for _, _, kind in canvas.log), name
        assert {"Book 15", "Book 30"} <= set(canvas.texts), name


def test_show_clock_false_leaves_the_time_out() -> None:
    with_clock = render_canvas(SCHEDULE, get_profile("7.5-bwr"), at(10, 15))
    without = render_canvas(SCHEDULE, get_profile("7.5-bwr"), at(10, 15), show_clock=False)
    assert "10:15 AM" in with_clock.texts and "10:15 AM" not in without.texts
    assert "Wed 25 Nov" in without.texts
