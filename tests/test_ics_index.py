"""The parsed-calendar index answers a repeated window from memory, and a new window afresh."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hub.sources.ics_expand import build_index
from tests.hubharness import EXAMPLES

TZ = ZoneInfo("Europe/Berlin")


def test_same_window_is_answered_from_memory_and_a_new_one_is_expanded():
    index = build_index((EXAMPLES / "atlas.ics").read_bytes(), TZ, "atlas.ics")
    day = datetime(2026, 11, 25, tzinfo=TZ)
    first = index.expand(day, day + timedelta(days=2))
    assert first.events, "the example calendar has meetings that day"
    calls = []
    real = index._expand
    index._expand = lambda s, e: calls.append((s, e)) or real(s, e)
    again = index.expand(day, day + timedelta(days=2))
    assert again.events == first.events and again.events is not first.events and not calls
    again.events.clear()  # a caller changing its list does not change the next answer
    assert index.expand(day, day + timedelta(days=2)).events == first.events
    later = index.expand(day + timedelta(days=1), day + timedelta(days=3))
    assert len(calls) == 1 and later.events != first.events
