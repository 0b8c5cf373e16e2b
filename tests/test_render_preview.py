"""`roomink preview`: a calendar file in, the PNG a node would show out; clear errors."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from hub.cli import main

ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//roomink tests//EN
BEGIN:VEVENT
UID:planning
DTSTART;TZID=Europe/Berlin:20261125T100000
DTEND;TZID=Europe/Berlin:20261125T110000
SUMMARY:Quarterly planning
ORGANIZER;CN=Alice Example:mailto:alice@example.com
END:VEVENT
END:VCALENDAR
"""

RED = (200, 0, 0)


def write_ics(tmp_path: Path) -> Path:
    path = tmp_path / "room.ics"
    path.write_text(ICS.replace("\n", "\r\n"))
    return path


def band_pixel(path: Path, xy: tuple[int, int]) -> tuple[int, int, int]:
    with Image.open(path) as image:
        return image.convert("RGB").getpixel(xy)


def test_preview_renders_busy_room_from_ics(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out.png"
    rc = main(["preview", "--calendar", str(write_ics(tmp_path)), "--room", "Ada",
               "--display", "7.5-bwr", "--at", "2026-11-25T10:15", "--tz", "Europe/Berlin",
               "-o", str(out)])
    assert rc == 0 and "wrote" in capsys.readouterr().out
    with Image.open(out) as image:
        assert image.size == (800, 480)
    assert band_pixel(out, (5, 100)) == RED  # busy band
    # A moment later the meeting is over: no red at all.
    rc = main(["preview", "--calendar", str(write_ics(tmp_path)), "--display", "7.5-bwr",
               "--at", "2026-11-25T11:15", "--tz", "Europe/Berlin", "-o", str(out)])
    with Image.open(out) as image:
        assert RED not in {c for _, c in image.convert("RGB").getcolors()}


def test_preview_time_zone_moves_the_meeting(tmp_path: Path) -> None:
    out = tmp_path / "out.png"
    # 10:15 in London is 11:15 in Berlin: the 10:00-11:00 Berlin meeting is over.
    main(["preview", "--calendar", str(write_ics(tmp_path)), "--display", "4.2-bwr",
          "--at", "2026-11-25T09:15", "--tz", "Europe/London", "-o", str(out)])
    assert band_pixel(out, (5, 60)) == RED
    main(["preview", "--calendar", str(write_ics(tmp_path)), "--display", "4.2-bwr",
          "--at", "2026-11-25T10:15", "--tz", "Europe/London", "-o", str(out)])
    assert band_pixel(out, (5, 60)) != RED


def test_preview_all_states_and_pairing(tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.png"
    assert main(["preview", "--display", "2.9-bwry", "--all-states", "-o", str(sheet)]) == 0
    with Image.open(sheet) as image:
        assert image.width > 296 * 2 and image.height > 128 * 2
    pairing = tmp_path / "pair.png"
    assert main(["preview", "--display", "4.2-bwr-portrait", "--pairing", "node-1",
                 "-o", str(pairing)]) == 0
    with Image.open(pairing) as image:
        assert image.size == (300, 400)


def test_preview_errors_are_one_line(tmp_path: Path, capsys) -> None:
    out = str(tmp_path / "x.png")
    cases = [
        (["--calendar", str(tmp_path / "missing.ics")], "file not found"),
        (["--calendar", str(write_ics(tmp_path)), "--display", "9.7-bwr"],
         "unknown display profile"),
        (["--calendar", str(write_ics(tmp_path)), "--at", "noon"], "--at 'noon'"),
        (["--calendar", str(write_ics(tmp_path)), "--tz", "Mars/Base"], "unknown time zone"),
        (["--calendar", str(write_ics(tmp_path)), "--locale", "xx"], "unsupported locale"),
        ([], "needs --calendar"),
    ]
    for extra, message in cases:
        assert main(["preview", *extra, "-o", out]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_preview_from_hub_config(tmp_path: Path, capsys) -> None:
    write_ics(tmp_path)
    config = tmp_path / "roomink.toml"
    config.write_text('[hub]\ntimezone = "Europe/Berlin"\nlocale = "de"\n\n'
                      '[[rooms]]\nid = "ada"\nname = "Ada Lovelace"\ndisplay = "2.9-bwr"\n'
                      'calendar = "room.ics"\n')
    out = tmp_path / "out.png"
    assert main(["preview", "--config", str(config), "--room", "ada",
                 "--at", "2026-11-25T10:15", "-o", str(out)]) == 0
    with Image.open(out) as image:
        assert image.size == (296, 128)  # the room's display from the config
    assert band_pixel(out, (3, 30)) == RED  # Berlin time from the config: meeting running
    assert main(["preview", "--config", str(config), "--room", "nope", "-o", str(out)]) == 2
    assert "no room 'nope'" in capsys.readouterr().err
