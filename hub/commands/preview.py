"""`roomink preview`: render a room's screen to a PNG exactly as a node would show it.

    roomink preview --calendar room.ics --room "Ada" --display 7.5-bwr \\
        --at 2026-11-25T10:15 -o out.png
    roomink preview --config roomink.toml --room ada --at 2026-11-25T10:15 -o out.png
    roomink preview --display 4.2-bwr --all-states -o sheet.png

With --config, the room (by id or name), its calendar, display, the hub's time zone and
locale come from the hub's configuration; options given on the command line win.

The PNG is made from the packed 1-bit planes (what travels to the node), decoded back to
colour, so it shows exactly what the panel will.
"""

from __future__ import annotations

import argparse
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.errors import UserError
from hub.schedule import RoomSchedule


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "preview", help="render a room screen (or a contact sheet of all states) to PNG",
        description="Render what a sign shows for a calendar at a given time.")
    p.add_argument("--calendar", metavar="FILE.ics", help="the room's iCalendar file")
    p.add_argument("--config", "-c", metavar="FILE.toml",
                   help="take room, calendar, display, time zone and locale from the hub config")
    p.add_argument("--room", help="room name shown on the sign (with --config: id or name)")
    p.add_argument("--display", help="display profile, e.g. 7.5-bwr (default 4.2-bwr)")
    p.add_argument("--at", metavar="YYYY-MM-DDTHH:MM",
                   help="moment to render, in --tz (default: now)")
    p.add_argument("--tz", help="the room's time zone, e.g. Europe/Berlin (default UTC)")
    p.add_argument("--locale", help="en, de, fr or zh, e.g. en-GB, de@12h (default en)")
    p.add_argument("--booking-url", help="show a 'scan to book' QR code for this URL")
    p.add_argument("--actions", help="comma-separated button labels along the bottom edge")
    p.add_argument("--stale-since", metavar="HH:MM",
                   help="pretend the calendar has been unreachable since this time")
    p.add_argument("--pairing", metavar="NODE_ID", help="render the pairing screen instead")
    p.add_argument("--hub-address", default="mqtt://roomink-hub:1883",
                   help="hub address shown on the pairing screen")
    p.add_argument("--all-states", action="store_true",
                   help="write a contact sheet of every screen state for --display")
    p.add_argument("-o", "--output", required=True, help="PNG file to write")
    p.set_defaults(func=run)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(f"unknown time zone {name!r} (e.g. Europe/Berlin)") from None


def _moment(text: str | None, tz: ZoneInfo) -> datetime:
    if text is None:
        return datetime.now(tz).replace(second=0, microsecond=0)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"--at {text!r}: use YYYY-MM-DDTHH:MM, e.g. 2026-11-25T10:15") from None
    return when.replace(tzinfo=tz) if when.tzinfo is None else when.astimezone(tz)


def _stale(text: str | None, now: datetime) -> datetime | None:
    if text is None:
        return None
    try:
        clock = time.fromisoformat(text)
    except ValueError:
        raise UserError(f"--stale-since {text!r}: use HH:MM, e.g. 09:12") from None
    return datetime.combine(now.date(), clock, tzinfo=now.tzinfo)


def _from_config(args: argparse.Namespace) -> None:
    """Fill unset options from the hub config and the room it names; set args.source."""
    from hub.calendars import make_source
    from hub.config import load_config

    config = load_config(args.config)
    if not args.room:
        known = ", ".join(r.id for r in config.rooms) or "none configured"
        raise UserError(f"--config needs --room (one of: {known})")
    room = next((r for r in config.rooms if args.room in (r.id, r.name)), None)
    if room is None:
        known = ", ".join(r.id for r in config.rooms) or "none configured"
        raise UserError(f"no room {args.room!r} in {args.config} (rooms: {known})")
    args.room = room.name
    args.display = args.display or room.display
    args.tz = args.tz or config.timezone
    args.locale = args.locale or config.locale
    args.source = make_source(room.calendar, config)


def run(args: argparse.Namespace) -> int:
    from renderer.profiles import get_profile
    from renderer.screen import render, render_pairing
    from renderer.sheet import contact_sheet, panel_preview
    from renderer.strings import get_locale

    args.source = None
    if args.config and not (args.all_states or args.pairing):
        _from_config(args)
    try:
        profile = get_profile(args.display or "4.2-bwr")
        locale = get_locale(args.locale or "en")
    except ValueError as exc:
        raise UserError(str(exc)) from None
    output = Path(args.output)
    if args.all_states:
        image = contact_sheet(profile)
    elif args.pairing:
        image = panel_preview(render_pairing(profile, args.pairing, args.hub_address, locale),
                              profile)
    else:
        tz = _zone(args.tz or "UTC")
        now = _moment(args.at, tz)
        source = args.source
        if source is None:
            if not args.calendar:
                raise UserError("preview needs --calendar FILE.ics or --config FILE --room ID "
                                "(or --all-states, --pairing)")
            from hub.sources.ics import IcsFileSource

            source = IcsFileSource(args.calendar, tz)
        day = datetime.combine(now.date(), time.min, tzinfo=tz)
        events = source.fetch(day, day + timedelta(days=2))
        schedule = RoomSchedule(args.room or "Room", tuple(events), fetched_at=now,
                                stale_since=_stale(args.stale_since, now))
        actions = [a.strip() for a in args.actions.split(",")] if args.actions else None
        screen = render(schedule, profile, now, locale, booking_url=args.booking_url,
                        actions=actions)
        image = panel_preview(screen, profile)
    try:
        image.save(output, format="PNG", optimize=True)
    except OSError as exc:
        raise UserError(f"cannot write {output}: {exc.strerror or exc}") from None
    print(f"wrote {output} ({image.width}x{image.height})")
    return 0
