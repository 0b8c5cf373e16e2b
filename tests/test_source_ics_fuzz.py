"""Random, mostly-broken calendars: `parse_ics` returns events or raises `SourceDataError`.

Nothing else may escape (a traceback in the hub log is a bug), and the result stays bounded.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.schedule import Event
from hub.sources.base import SourceDataError
from hub.sources.ics import parse_ics
from hub.sources.ics_expand import MAX_EVENTS
from tests.sources_contract import ROOM_TZ, local

START, END = local("2026-10-19 00:00"), local("2026-10-26 00:00")

_dates = st.sampled_from(["20261020T100000Z", "20261020T100000", "20261021", "20200101T000000Z",
                          "19700101T000000Z", "20261020T25", "", "2026-10-20", "99991231T235959Z",
                          "20261020T100000Z,20261022T100000Z"])
_params = st.sampled_from(["", ";VALUE=DATE", ";TZID=Europe/Berlin", ";TZID=Mars/Olympus",
                           ";VALUE=PERIOD", ";X-FOO=\"bar\""])
_freqs = st.sampled_from(["SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY",
                          "YEARLY", "FORTNIGHTLY", ""])
_rule_parts = st.sampled_from(["INTERVAL=1", "INTERVAL=0", "INTERVAL=-3", "COUNT=5",
                               "COUNT=1000000", "UNTIL=20261030T000000Z", "UNTIL=20261030",
                               "BYDAY=MO,TU", "BYDAY=-1SU", "BYDAY=9XX", "BYMONTHDAY=31",
                               "BYMONTH=2;BYMONTHDAY=30", "BYHOUR=1,2,3", "BYSETPOS=-1",
                               "BYWEEKNO=53", "WKST=SU", "BYSECOND=0,1,2,3,4,5,6,7,8,9"])


@st.composite
def _rrule(draw) -> str:
    parts = [f"FREQ={draw(_freqs)}"] + draw(st.lists(_rule_parts, max_size=4))
    return "RRULE:" + ";".join(draw(st.permutations(parts)))


@st.composite
def _event(draw) -> str:
    lines = ["BEGIN:VEVENT"]
    if draw(st.booleans()):
        lines.append(f"UID:{draw(st.sampled_from(['a', 'b', 'a', '']))}")
    for key in ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE"):
        if draw(st.integers(0, 3)) > (0 if key == "DTSTART" else 1):
            lines.append(f"{key}{draw(_params)}:{draw(_dates)}")
    if draw(st.booleans()):
        lines.append(f"DURATION:{draw(st.sampled_from(['PT1H', 'P1D', '-PT1H', 'PT', 'xx']))}")
    if draw(st.booleans()):
        lines.append(draw(_rrule()))
    for key, values in (("STATUS", ["CANCELLED", "CONFIRMED", "??"]),
                        ("TRANSP", ["TRANSPARENT", "OPAQUE"]),
                        ("CLASS", ["PRIVATE", "PUBLIC", "CONFIDENTIAL"]),
                        ("ORGANIZER", ["mailto:a@b", ";CN=X:mailto:a@b", ""])):
        if draw(st.booleans()):
            value = draw(st.sampled_from(values))
            lines.append(f"{key}{value}" if value.startswith(";") else f"{key}:{value}")
    lines.append("SUMMARY:" + draw(st.text(max_size=20)).replace("\r", " ").replace("\n", " "))
    if draw(st.integers(0, 9)):  # now and then an event that never ends
        lines.append("END:VEVENT")
    return "\r\n".join(lines) + "\r\n"


@st.composite
def _calendar(draw) -> bytes:
    body = "".join(draw(st.lists(_event(), max_size=6)))
    text = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//fuzz//EN\r\n{body}END:VCALENDAR\r\n"
    data = text.encode("utf-8", errors="surrogatepass")
    if draw(st.booleans()):  # sprinkle in bytes that are not UTF-8
        data = data.replace(b"SUMMARY:", b"SUMMARY:\xff\xfe", 1)
    return data


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_calendar())
def test_random_calendars_give_events_or_one_clear_error(data: bytes) -> None:
    try:
        events = parse_ics(data, START, END, ROOM_TZ, "fuzz.ics")
    except SourceDataError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("fuzz.ics: ")
        return
    assert len(events) <= MAX_EVENTS
    for event in events:
        assert isinstance(event, Event) and event.start.tzinfo is not None
        assert event.start < END and (event.end > START or event.start == START)
        if event.private:
            assert event.subject == ""
