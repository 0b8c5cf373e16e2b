"""`render()`: a room's schedule at a moment -> the palette image its sign shows.

Pure: reads no clock and does no I/O besides loading bundled fonts once. Times are shown
in the zone of `now`, which the caller passes as the room's local time.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from PIL import Image

from hub.schedule import RoomSchedule
from renderer.canvas import Canvas
from renderer.layout import (
    Inks,
    draw_actions,
    draw_band,
    draw_details,
    draw_footer,
    draw_header,
    draw_qr,
    draw_upcoming,
    split_regions,
)
from renderer.pairing import draw_pairing, pairing_payload
from renderer.planes import new_screen
from renderer.profiles import DisplayProfile
from renderer.specs import spec_for
from renderer.state import room_state
from renderer.strings import Locale, get_locale
from renderer.textfit import Box


def render_canvas(schedule: RoomSchedule, profile: DisplayProfile, now: datetime,
                  locale: str | Locale = "en", *, booking_url: str | None = None,
                  actions: list[str] | None = None, show_clock: bool = True) -> Canvas:
    """Like render(), but returns the Canvas with its drawing log (for tests and tools)."""
    loc = get_locale(locale)
    state = replace(room_state(schedule, now), relative=show_clock)
    canvas = Canvas(new_screen(profile))
    spec = spec_for(canvas.image.size)
    footers: list[str] = []
    if state.stale_since is not None:
        footers.append(loc.t("stale", time=loc.time(state.stale_since)))
    regions = split_regions(canvas.image.size, spec, len(footers) + bool(actions),
                            qr=bool(booking_url))
    draw_header(canvas, regions.header, schedule.room, loc.time(now) if show_clock else "",
                loc.date(now), spec)
    draw_band(canvas, regions.band, state, loc, spec, Inks.for_colors(profile.colors))
    details_end = draw_details(canvas, regions.details, state, loc, spec, regions.qr)
    if regions.qr is not None and booking_url:
        draw_qr(canvas, regions.qr, booking_url, loc.t("scan_to_book"), spec)
    upcoming = regions.upcoming
    if upcoming is not None and state.focus is not None:
        if not spec.columns and details_end < upcoming.y0:  # short subject: list moves up
            upcoming = Box(upcoming.x0, details_end, upcoming.x1, upcoming.y1)
        draw_upcoming(canvas, upcoming, state.later, loc, spec, now.date())
    for box, text in zip(regions.footer, footers, strict=False):
        draw_footer(canvas, box, text, spec)
    if actions:
        draw_actions(canvas, regions.footer[-1], actions, spec)
    return canvas


def render(schedule: RoomSchedule, profile: DisplayProfile, now: datetime,
           locale: str | Locale = "en", *, booking_url: str | None = None,
           actions: list[str] | None = None, show_clock: bool = True) -> Image.Image:
    """The screen for `schedule` at `now` on `profile`.

    Returns a palette image from `renderer.planes.new_screen(profile)` (0 white, 1 black,
    2 red, 3 yellow) of `profile.screen_size`, ready for `pack_planes`.

    - `locale`: a code ("en", "de", "fr", "zh") or a `strings.get_locale(code, hour24=...)`.
    - `booking_url`: adds a "scan to book" QR code where the layout has room for one.
    - `actions`: labels for a row of hardware buttons along the bottom edge, left to right
      (e.g. ["Book 30 min", "End now"]); the extension point for on-sign booking.
    - `show_clock`: False on battery nodes that do not wake every minute: no clock and no
      "ends in N min" countdowns (they would be wrong until the next refresh); absolute
      times only.
    """
    return render_canvas(schedule, profile, now, locale, booking_url=booking_url,
                         actions=actions, show_clock=show_clock).image


def render_pairing_canvas(profile: DisplayProfile, node_id: str, hub_address: str,
                          locale: str | Locale = "en", *, pair_url: str | None = None) -> Canvas:
    """Like render_pairing(), returning the Canvas with its drawing log."""
    canvas = Canvas(new_screen(profile))
    draw_pairing(canvas, node_id, hub_address, pair_url or pairing_payload(node_id, hub_address),
                 get_locale(locale), spec_for(canvas.image.size))
    return canvas


def render_pairing(profile: DisplayProfile, node_id: str, hub_address: str,
                   locale: str | Locale = "en", *, pair_url: str | None = None) -> Image.Image:
    """The screen of a node that is not assigned to a room yet.

    Shows the node id and the hub address in type big enough to read from a ladder, and a
    QR code of `pair_url` (default: a `roomink:pair?node=...&hub=...` payload).
    """
    return render_pairing_canvas(profile, node_id, hub_address, locale, pair_url=pair_url).image
