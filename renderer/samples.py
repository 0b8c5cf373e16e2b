"""One sample room per screen state, at fixed times: for contact sheets and golden images.

Everything here is deterministic (fixed dates, a fixed zone) so images made from it only
change when the renderer does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hub.schedule import Event, RoomSchedule

TZ = ZoneInfo("Europe/Berlin")
DAY = datetime(2026, 11, 25, tzinfo=TZ)
BOOKING_URL = "https://hub.example/book/ada"


def at(hour: int, minute: int = 0, days: int = 0) -> datetime:
    return DAY + timedelta(days=days, hours=hour, minutes=minute)


@dataclass(frozen=True)
class Sample:
    """A named screen: render(schedule, profile, now, locale, **options), or a pairing screen."""

    name: str
    schedule: RoomSchedule | None
    now: datetime
    locale: str = "en"
    options: dict[str, object] = field(default_factory=dict)
    pairing: tuple[str, str] | None = None  # (node id, hub address)


def _day(room: str = "Ada Lovelace", **kwargs: object) -> RoomSchedule:
    events = (
        Event(at(9), at(9, 30), "Daily stand-up", "Grace Hopper"),
        Event(at(10), at(11), "Quarterly planning with product and design", "Alice Martin"),
        Event(at(11), at(12), "Interview: backend engineer", "Bob Schneider"),
        Event(at(13), at(14), "Salary review", "Carol Dupont", private=True),
        Event(at(15), at(16, 30), "Architecture review: hub scaling", "Dave Li"),
        Event(at(17), at(17, 30), "Retro", "Eve Novak"),
        Event(at(9, days=1), at(10, days=1), "Board prep", "Frank Ocean"),
    )
    return RoomSchedule(room, events, fetched_at=at(8), **kwargs)  # type: ignore[arg-type]


def samples() -> list[Sample]:
    """Every state a sign can be in, one sample each (en), plus the other locales."""
    day = _day()
    all_day = RoomSchedule("Ada Lovelace", (
        Event(DAY, DAY + timedelta(days=1), "Offsite: team days", "HR", all_day=True),
    ), fetched_at=at(8))
    long_text = RoomSchedule(
        "Konferenzraum Großer Saal – Erdgeschoss Nord (Gebäude 7)",
        (
            Event(at(10), at(11), "Donaudampfschifffahrtsgesellschaftskapitänsmützen"
                  "herstellungsbetriebsversammlung 🚢🎉 — " + "very " * 30 + "long",
                  "Prof. Dr. Maximiliane Mustermann-Überlänge von und zu Beispielhausen"),
            Event(at(11), at(12), "مراجعة الميزانية الفصلية", "שרה כהן"),
            Event(at(12), at(13), "项目评审会议 — 中文测试", "王小明"),
        ), fetched_at=at(8))
    return [
        Sample("available", day, at(12, 10)),
        Sample("free_rest_of_day", day, at(17, 45)),
        Sample("starting_soon", day, at(14, 52)),
        Sample("busy", day, at(15, 10)),
        Sample("back_to_back", day, at(10, 20)),
        Sample("private", day, at(13, 5)),
        Sample("all_day", all_day, at(10, 15)),
        Sample("no_data", RoomSchedule("Ada Lovelace"), at(7, 58)),
        Sample("stale", _day(stale_since=at(9, 12)), at(15, 10)),
        Sample("booking", day, at(12, 10),
               options={"booking_url": BOOKING_URL, "actions": ["Book 15", "Book 30", "Info"]}),
        Sample("long_text", long_text, at(10, 5)),
        Sample("pairing", None, at(9), pairing=("node-3f9a2c", "mqtt://hub.example:1883")),
        Sample("busy_de", day, at(15, 10), locale="de"),
        Sample("busy_fr", day, at(15, 10), locale="fr"),
        Sample("busy_zh", day, at(15, 10), locale="zh"),
    ]
