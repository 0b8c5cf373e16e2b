"""The shared layout engine: cuts the screen into regions and draws a ScreenState into them.

Regions, top to bottom: header (room name, clock, date), status band (the state in big type,
filled with the busy ink when the room is occupied), the meeting in focus (with a booking
QR code beside it when configured), the upcoming list, then optional footer rows (stale
warning, button labels). Wide screens put the upcoming list in a right-hand column. All
sizes come from a LayoutSpec (renderer/specs.py); no code here knows a panel by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hub.schedule import Event
from renderer.canvas import Canvas
from renderer.fonts import Font, font
from renderer.profiles import BLACK, RED, YELLOW
from renderer.qr import qr_image
from renderer.specs import LayoutSpec
from renderer.state import Kind, ScreenState, minutes_until
from renderer.strings import Locale
from renderer.textfit import (
    Box,
    draw_fitted,
    draw_lines,
    ellipsize,
    fit_font,
    fits,
    line_height,
    text_width,
    wrap,
)

WHITE = 0


@dataclass(frozen=True)
class Inks:
    """Which palette index draws what on this panel's colour set."""

    busy: int  # band fill when occupied
    soon: int  # band accent when a meeting starts soon
    soon_fill: bool  # fill the band (yellow) rather than outline it

    @classmethod
    def for_colors(cls, colors: tuple[int, ...]) -> Inks:
        busy = RED if RED in colors else BLACK
        if YELLOW in colors:
            return cls(busy=busy, soon=YELLOW, soon_fill=True)
        return cls(busy=busy, soon=busy, soon_fill=False)


@dataclass(frozen=True)
class Regions:
    header: Box
    band: Box
    details: Box
    upcoming: Box | None
    footer: list[Box]
    qr: Box | None


def footer_height(spec: LayoutSpec) -> int:
    return line_height(font(spec.footer_size, bold=True)) + 4


def split_regions(size: tuple[int, int], spec: LayoutSpec, footer_rows: int,
                  qr: bool) -> Regions:
    """Non-overlapping boxes for every part of the screen."""
    width, height = size
    footer_h = footer_height(spec)
    bottom = height - footer_rows * footer_h
    footer = [Box(0, bottom + i * footer_h, width, bottom + (i + 1) * footer_h)
              for i in range(footer_rows)]
    header = Box(0, 0, width, spec.header_h)
    main_w = width - spec.list_w if spec.columns else width
    qr_side = min(spec.qr_max, bottom - spec.header_h - spec.band_h) if qr else 0
    qr_box: Box | None = None
    if qr and spec.qr_beside_band:  # short screens: QR right of band and details
        qr_side = min(spec.qr_max, bottom - spec.header_h)
        qr_box = Box(main_w - qr_side - spec.margin, spec.header_h, main_w, bottom)
        main_w = qr_box.x0
    band = Box(0, spec.header_h, main_w, min(bottom, spec.header_h + spec.band_h))
    if spec.columns:
        details = Box(0, band.y1, main_w, bottom)
        upcoming: Box | None = Box(main_w, spec.header_h, width, bottom)
        if qr_side > 0:  # QR code in the bottom-right corner of the details
            side = min(qr_side, details.height - spec.margin)
            qr_box = Box(details.x1 - side - spec.margin, details.y1 - side - spec.margin,
                         details.x1, details.y1)
        return Regions(header, band, details, upcoming, footer, qr_box)
    body_w = main_w
    if qr_side > 0 and spec.qr_strip:  # tall screens: a strip above the footer
        qr_box = Box(0, bottom - qr_side - spec.margin, width, bottom)
        bottom = qr_box.y0
    if qr_side > 0 and qr_box is None:  # QR column right of details and list
        qr_side = min(qr_side, bottom - band.y1 - spec.margin)
        qr_box = Box(width - qr_side - 2 * spec.margin, band.y1, width, bottom)
        body_w = qr_box.x0
    details_h = (line_height(font(spec.detail_size, bold=True))
                 + line_height(font(spec.detail_size))
                 + line_height(font(spec.subject_size, bold=True)) * spec.subject_lines
                 + 2 * spec.margin)
    split = min(bottom, band.y1 + details_h)
    details = Box(0, band.y1, body_w, split)
    upcoming = Box(0, split, body_w, bottom)  # grows upward under a short subject
    return Regions(header, band, details, upcoming, footer, qr_box)


def draw_header(canvas: Canvas, box: Box, title: str, clock: str, date_text: str,
                spec: LayoutSpec) -> None:
    """Room name on the left; the clock with the date under it on the right; a rule below.

    Narrow (portrait) screens stack instead: the room name gets the whole first line, the
    date and clock share the second.
    """
    inner = Box(box.x0 + spec.margin, box.y0, box.x1 - spec.margin, box.y1 - spec.rule)
    if spec.header_stacked:
        room_font = font(spec.room_size, bold=True)
        room_h = line_height(room_font)
        pad = max(0, (inner.height - room_h - line_height(font(spec.clock_size, True))) // 3)
        draw_fitted(canvas, Box(inner.x0, inner.y0 + pad, inner.x1, inner.y0 + pad + room_h),
                    title, room_font, BLACK)
        lower = Box(inner.x0, inner.y0 + 2 * pad + room_h, inner.x1, inner.y1)
        clock_font = font(spec.clock_size, bold=True)
        clock_w = text_width(clock_font, clock)
        draw_fitted(canvas, Box(lower.x1 - clock_w, lower.y0, lower.x1, lower.y1), clock,
                    clock_font, BLACK, align="right")
        if spec.date_size and date_text:
            date_font = font(spec.date_size)
            dy = lower.y0 + max(0, line_height(clock_font) - line_height(date_font)) // 2
            draw_fitted(canvas, Box(lower.x0, dy, lower.x1 - clock_w - spec.margin, lower.y1),
                        date_text, date_font, BLACK)
        canvas.fill(Box(box.x0, box.y1 - spec.rule, box.x1, box.y1), BLACK)
        return
    right_lines = [(clock, font(spec.clock_size, bold=True))] if clock else []
    if date_text and spec.date_size:
        right_lines.append((date_text, font(spec.date_size)))
    block_h = sum(line_height(f) for _, f in right_lines)
    if block_h > inner.height:  # no room to stack: clock only
        right_lines = right_lines[:1]
        block_h = sum(line_height(f) for _, f in right_lines)
    block_w = max((text_width(f, t) for t, f in right_lines), default=0)
    if block_w > inner.width // 2:
        right_lines, block_w = [], 0
    y = inner.y0 + (inner.height - block_h) // 2
    for text, fnt in right_lines:
        step = line_height(fnt)
        draw_fitted(canvas, Box(inner.x1 - block_w, y, inner.x1, y + step), text, fnt, BLACK,
                    align="right")
        y += step
    room_font = font(spec.room_size, bold=True)
    room_right = inner.x1 - block_w - (spec.margin if block_w else 0)
    ry = inner.y0 + max(0, (inner.height - line_height(room_font)) // 2)
    draw_fitted(canvas, Box(inner.x0, ry, room_right, min(inner.y1, ry + line_height(room_font))),
                title, room_font, BLACK)
    canvas.fill(Box(box.x0, box.y1 - spec.rule, box.x1, box.y1), BLACK)


def band_texts(state: ScreenState, loc: Locale) -> tuple[str, list[str]]:
    """The status band's big word and the facts under it (joined with " · " when they fit)."""
    now = state.now
    if state.kind is Kind.NO_DATA:
        return loc.t("no_data"), [loc.t("no_data_hint")]
    if state.kind is Kind.ALL_DAY:
        return loc.t("busy"), [loc.t("booked_all_day")]
    if state.kind is Kind.BUSY and state.busy_until is not None:
        until = state.busy_until
        parts = [loc.t("until", time=loc.time(until))]
        if state.back_to_back:
            parts.append(loc.t("back_to_back"))
        elif state.relative:
            parts.append(loc.t("ends_in", dur=loc.duration(minutes_until(now, until))))
        return loc.t("busy"), parts
    if state.kind is Kind.STARTING_SOON and state.focus is not None:
        if not state.relative:
            return loc.t("starting_soon"), [loc.time(state.focus.start)]
        return loc.t("starting_soon"), [loc.t(
            "starts_in", dur=loc.duration(minutes_until(now, state.focus.start)))]
    if state.free_until is not None:
        return loc.t("available"), [loc.t("free_until", time=loc.time(state.free_until))]
    return loc.t("available"), [loc.t("free_rest_of_day")]


def pack_parts(parts: list[str], fnt: Font, width: int, max_lines: int) -> list[str]:
    """Join `parts` with " · " into at most `max_lines` lines, breaking only between parts."""
    lines: list[str] = []
    for part in parts:
        joined = f"{lines[-1]} · {part}" if lines else part
        if lines and fits(fnt, joined, width, line_height(fnt)):
            lines[-1] = joined
        elif len(lines) < max_lines:
            lines.append(part)
        else:
            lines[-1] = joined  # ellipsized below
    return [ellipsize(fnt, line, width) for line in lines]


def draw_band(canvas: Canvas, box: Box, state: ScreenState, loc: Locale, spec: LayoutSpec,
              inks: Inks) -> None:
    """The state at a glance: filled with the busy ink when occupied, framed when soon."""
    title, parts = band_texts(state, loc)
    ink, border = BLACK, 0
    if state.occupied:
        canvas.fill(box, inks.busy)
        ink = WHITE
    elif state.kind is Kind.STARTING_SOON:
        if inks.soon_fill:
            canvas.fill(box, inks.soon)
        else:
            border = max(2, spec.rule * 2)
            canvas.frame(box, inks.soon, border)
            ink = inks.soon
    elif state.kind is Kind.NO_DATA:
        border = spec.rule
        canvas.frame(box, BLACK, border)
    inner = box.inset(spec.margin + border, spec.margin // 2 + border)
    sub_font = font(spec.band_sub_size)
    sub_lines = pack_parts(parts, sub_font, inner.width, spec.band_sub_lines)
    sub_h = line_height(sub_font) * len(sub_lines)
    title_h = max(1, inner.height - sub_h)
    title_font = fit_font(font(spec.band_title_size, bold=True), title, inner.width, title_h,
                          spec.band_sub_size)
    title_h = min(title_h, line_height(title_font))
    gap = max(0, (inner.height - title_h - sub_h) // 3)
    y = inner.y0 + gap
    draw_fitted(canvas, Box(inner.x0, y, inner.x1, y + title_h), title, title_font, ink)
    y += title_h + gap
    draw_lines(canvas, Box(inner.x0, y, inner.x1, min(inner.y1, y + sub_h)), sub_lines,
               sub_font, ink)


def subject(event: Event, loc: Locale) -> str:
    """What a public sign may say about a meeting: never a private meeting's subject."""
    if event.private:
        return loc.t("private")
    return " ".join(event.subject.split()) or loc.t("meeting")


def when_text(event: Event, loc: Locale, today: date) -> str:
    """Time range, "All day", or a date prefix for meetings on another day."""
    text = loc.t("all_day") if event.all_day else loc.time_range(event.start, event.end)
    day = event.start.date()
    if day > today:
        text = f"{loc.t('tomorrow') if (day - today).days == 1 else loc.date(event.start)} {text}"
    return text


def draw_details(canvas: Canvas, box: Box, state: ScreenState, loc: Locale, spec: LayoutSpec,
                 avoid: Box | None) -> int:
    """The meeting in focus: label and time, subject (wrapped), organizer.

    Lines that would run into `avoid` (a QR code in the corner) are kept to its left.
    Returns the y below the last line drawn, so the list can move up under a short subject.
    """
    if avoid is not None and not (avoid.x0 < box.x1 and avoid.y0 < box.y1
                                  and avoid.x1 > box.x0 and avoid.y1 > box.y0):
        avoid = None
    inner = box.inset(spec.margin)
    if inner.width <= 0 or inner.height <= 0:
        return box.y1
    beside = Box(inner.x0, inner.y0, avoid.x0 - spec.margin, inner.y1) if avoid else inner

    def line_box(y: int, h: int) -> Box:
        """Full width above the QR code, narrower beside it."""
        narrow = avoid is not None and y + h > avoid.y0
        return Box(inner.x0, y, (beside if narrow else inner).x1, inner.y1)

    detail_font = font(spec.detail_size)
    label_font = font(spec.detail_size, bold=True)
    subject_font = font(spec.subject_size, bold=True)
    y = inner.y0
    event = state.focus
    if event is None:
        if state.kind is not Kind.NO_DATA:
            y += draw_fitted(canvas, line_box(y, line_height(detail_font)), loc.t("no_more"),
                             detail_font, BLACK, max_lines=2)
        return y + spec.margin
    label = loc.t("now") if state.occupied else loc.t("next")
    line = f"{label} · {when_text(event, loc, state.now.date())}"
    y += draw_fitted(canvas, line_box(y, line_height(label_font)), line, label_font, BLACK)
    lines = spec.subject_lines
    y += draw_fitted(canvas, line_box(y, line_height(subject_font) * lines), subject(event, loc),
                     subject_font, BLACK, max_lines=lines)
    organizer = " ".join(event.organizer.split())
    if organizer:
        y += draw_fitted(canvas, line_box(y, line_height(detail_font)), organizer, detail_font,
                         BLACK)
    return y + spec.margin


def draw_qr(canvas: Canvas, box: Box, url: str, caption: str, spec: LayoutSpec) -> None:
    """A booking (or pairing) QR code with its caption: under it in a square-ish box, beside
    it (QR on the right) in a wide strip."""
    cap_font = font(spec.list_title_size, bold=True)
    cap_h = line_height(cap_font)
    if caption and box.width >= 2 * box.height:  # wide strip: caption left, QR right
        image = qr_image(url, min(box.height, spec.qr_max))
        if image is None:
            return
        x = box.x1 - spec.margin - image.width
        y = box.y0 + (box.height - image.height) // 2
        canvas.paste(box, image, (x, y))
        text_box = Box(box.x0 + spec.margin, box.y0, x - spec.margin, box.y1)
        lines = wrap(cap_font, caption, text_box.width, max(1, text_box.height // cap_h))
        top = box.y0 + max(0, (box.height - cap_h * len(lines)) // 2)
        draw_lines(canvas, Box(text_box.x0, top, text_box.x1, box.y1), lines, cap_font, BLACK,
                   align="right")
        return
    side = min(box.width, box.height)
    with_caption = bool(caption) and box.height - cap_h >= min(box.width, spec.qr_max) * 3 // 4
    image = qr_image(url, min(side, box.height - cap_h) if with_caption else side)
    if image is None:
        return
    x = box.x0 + (box.width - image.width) // 2
    y = box.y0 + max(0, (box.height - image.height - (cap_h if with_caption else 0)) // 2)
    canvas.paste(box, image, (x, y))
    if with_caption:
        draw_fitted(canvas, Box(box.x0, y + image.height, box.x1, box.y1), caption,
                    font(spec.list_title_size), BLACK, align="center")


def draw_upcoming(canvas: Canvas, box: Box, events: tuple[Event, ...], loc: Locale,
                  spec: LayoutSpec, today: date) -> None:
    """As many later meetings as fit, under a day heading whenever the day changes.

    Draws nothing when not even the heading and one row fit.
    """
    title_font = font(spec.list_title_size, bold=True)
    row_font = font(spec.list_size)
    if box.height < 2 * spec.margin + line_height(title_font) + line_height(row_font):
        return
    if spec.columns:
        canvas.fill(Box(box.x0, box.y0, box.x0 + spec.rule, box.y1), BLACK)
        box = Box(box.x0 + spec.rule, box.y0, box.x1, box.y1)
    else:
        canvas.fill(Box(box.x0 + spec.margin, box.y0, box.x1 - spec.margin,
                        box.y0 + max(1, spec.rule // 2)), BLACK)
    inner = box.inset(spec.margin)
    if inner.height <= 0 or inner.width <= 0:
        return
    time_font = font(spec.list_size, bold=True)
    row_h = line_height(row_font)
    head_h = line_height(title_font)
    y = inner.y0 + draw_fitted(canvas, inner, loc.t("upcoming").upper(), title_font, BLACK)
    if not events:
        draw_fitted(canvas, Box(inner.x0, y, inner.x1, inner.y1), loc.t("no_more"), row_font,
                    BLACK, max_lines=3)
        return
    day = today
    drawn = 0
    for event in events:
        event_day = max(event.start.date(), today)
        entry_h = 2 * row_h if spec.columns else row_h
        prefix = ""
        if event_day != day:
            heading = loc.t("tomorrow") if (event_day - today).days == 1 else loc.date(
                event.start)
            if y + head_h + entry_h > inner.y1:
                if drawn or y + entry_h > inner.y1:
                    break
                # No room for a day heading: name the day in the row rather than show an
                # empty list.
                prefix = f"{heading} "
            else:
                y += spec.margin // 2
                y += draw_fitted(canvas, Box(inner.x0, y, inner.x1, y + head_h),
                                 heading.upper(), title_font, BLACK)
            day = event_day
        if event.all_day:
            when = prefix + loc.t("all_day")
        elif prefix:  # day + start only, so the row stays readable
            when = prefix + loc.time(event.start)
        else:
            when = loc.time_range(event.start, event.end)
        drawn += 1
        what = subject(event, loc)
        if y + entry_h > inner.y1:
            break
        if spec.columns:  # narrow column: time on one line, subject under it
            draw_fitted(canvas, Box(inner.x0, y, inner.x1, y + row_h), when, time_font, BLACK)
            draw_fitted(canvas, Box(inner.x0, y + row_h, inner.x1, y + 2 * row_h), what,
                        row_font, BLACK)
            y += 2 * row_h + spec.margin // 2
            continue
        when_w = min(text_width(time_font, when), inner.width // 2)
        draw_fitted(canvas, Box(inner.x0, y, inner.x0 + when_w, y + row_h), when, time_font,
                    BLACK)
        x = inner.x0 + when_w + spec.margin
        draw_fitted(canvas, Box(x, y, inner.x1, y + row_h), what, row_font, BLACK)
        y += row_h


def draw_footer(canvas: Canvas, box: Box, text: str, spec: LayoutSpec) -> None:
    """An inverted one-line bar, e.g. the stale-data warning."""
    canvas.fill(box, BLACK)
    draw_fitted(canvas, box.inset(spec.margin, 2), text, font(spec.footer_size, bold=True), WHITE,
                align="center")


def draw_actions(canvas: Canvas, box: Box, actions: list[str], spec: LayoutSpec) -> None:
    """Labels for the hardware buttons under the panel, one evenly spaced cell each."""
    canvas.fill(Box(box.x0, box.y0, box.x1, box.y0 + 1), BLACK)
    cell_w = box.width // max(1, len(actions))
    label_font = font(spec.footer_size, bold=True)
    for i, label in enumerate(actions):
        cell = Box(box.x0 + i * cell_w, box.y0 + 2, box.x0 + (i + 1) * cell_w, box.y1)
        draw_fitted(canvas, cell.inset(2, 0), label, label_font, BLACK, align="center")
