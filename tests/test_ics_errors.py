"""A malformed calendar gives one line naming the file and the problem, not a traceback."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hub.sources.base import SourceDataError, SourceUnavailable
from hub.sources.ics import IcsFileSource

TZ = ZoneInfo("Europe/Berlin")
WINDOW = (datetime(2026, 11, 25, tzinfo=TZ), datetime(2026, 11, 27, tzinfo=TZ))


def test_malformed_ics_names_file(tmp_path):
    bad = tmp_path / "broken.ics"
    bad.write_bytes(b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:notadate\n")
    with pytest.raises(SourceDataError) as err:
        IcsFileSource(bad, TZ).fetch(*WINDOW)
    text = str(err.value)
    assert str(bad) in text and "\n" not in text


def test_missing_file_is_transient(tmp_path):
    with pytest.raises(SourceUnavailable, match="file not found"):
        IcsFileSource(tmp_path / "gone.ics", TZ).fetch(*WINDOW)


def test_example_calendar_has_meetings_today():
    from pathlib import Path

    path = Path(__file__).parent.parent / "examples" / "atlas.ics"
    events = IcsFileSource(path, TZ).fetch(*WINDOW)
    subjects = {e.subject for e in events}
    assert "Design review: lobby signage" in subjects
    first = min(events, key=lambda e: e.start)
    assert first.start == datetime(2026, 11, 25, 8, 30, tzinfo=TZ)


def test_malformed_ics_on_the_command_line_is_one_line(tmp_path, capsys):
    from hub.cli import main

    bad = tmp_path / "broken.ics"
    bad.write_bytes(b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:notadate\n")
    code = main(["preview", "--calendar", str(bad), "--room", "Atlas",
                 "-o", str(tmp_path / "out.png")])
    err = capsys.readouterr().err
    assert code == 2
    assert str(bad) in err and err.count("\n") == 1 and "Traceback" not in err
