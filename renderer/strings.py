"""UI strings, clock and date formats per locale (en, de, fr, zh).

One table per language; the layouts only ask for keys, so adding a language means adding
a table here. Day and month names are spelled out here rather than taken from the C
library's locale, so screens look the same on every hub whatever its system locale is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

_EN = {
    "available": "Available",
    "busy": "Busy",
    "starting_soon": "Starting soon",
    "free_until": "Free until {time}",
    "free_rest_of_day": "Free for the rest of the day",
    "ends_in": "ends in {dur}",
    "starts_in": "starts in {dur}",
    "until": "until {time}",
    "back_to_back": "back-to-back meetings",
    "all_day": "All day",
    "booked_all_day": "Booked all day",
    "private": "Private meeting",
    "meeting": "Meeting",
    "now": "Now",
    "next": "Next",
    "later": "Later today",
    "upcoming": "Upcoming",
    "no_more": "No more meetings today",
    "no_data": "No calendar data yet",
    "no_data_hint": "Waiting for the first calendar update",
    "stale": "Not updated since {time}",
    "pair_title": "Set up this sign",
    "pair_node": "Node ID",
    "pair_hub": "Hub",
    "pair_hint": "Assign this node to a room on the hub",
    "scan_to_book": "Scan to book",
    "minutes": "{m} min",
    "hours": "{h} h",
    "hours_minutes": "{h} h {m} min",
    "tomorrow": "Tomorrow",
}

_DE = {
    "available": "Frei",
    "busy": "Belegt",
    "starting_soon": "Beginnt gleich",
    "free_until": "Frei bis {time}",
    "free_rest_of_day": "Heute frei",
    "ends_in": "endet in {dur}",
    "starts_in": "beginnt in {dur}",
    "until": "bis {time}",
    "back_to_back": "Termine ohne Pause",
    "all_day": "Ganztägig",
    "booked_all_day": "Ganztägig belegt",
    "private": "Privater Termin",
    "meeting": "Besprechung",
    "now": "Jetzt",
    "next": "Als Nächstes",
    "later": "Später heute",
    "upcoming": "Demnächst",
    "no_more": "Heute keine weiteren Termine",
    "no_data": "Noch keine Kalenderdaten",
    "no_data_hint": "Warte auf die erste Kalenderabfrage",
    "stale": "Nicht aktualisiert seit {time}",
    "pair_title": "Schild einrichten",
    "pair_node": "Knoten-ID",
    "pair_hub": "Hub",
    "pair_hint": "Diesen Knoten im Hub einem Raum zuordnen",
    "scan_to_book": "Zum Buchen scannen",
    "minutes": "{m} Min.",
    "hours": "{h} Std.",
    "hours_minutes": "{h} Std. {m} Min.",
    "tomorrow": "Morgen",
}

_FR = {
    "available": "Libre",
    "busy": "Occupé",
    "starting_soon": "Commence bientôt",
    "free_until": "Libre jusqu’à {time}",
    "free_rest_of_day": "Libre pour le reste de la journée",
    "ends_in": "se termine dans {dur}",
    "starts_in": "commence dans {dur}",
    "until": "jusqu’à {time}",
    "back_to_back": "réunions enchaînées",
    "all_day": "Toute la journée",
    "booked_all_day": "Occupé toute la journée",
    "private": "Réunion privée",
    "meeting": "Réunion",
    "now": "En cours",
    "next": "Ensuite",
    "later": "Plus tard",
    "upcoming": "À venir",
    "no_more": "Plus de réunions aujourd’hui",
    "no_data": "Pas encore de données d’agenda",
    "no_data_hint": "En attente de la première mise à jour",
    "stale": "Pas mis à jour depuis {time}",
    "pair_title": "Configurer cet écran",
    "pair_node": "ID du nœud",
    "pair_hub": "Hub",
    "pair_hint": "Associez ce nœud à une salle sur le hub",
    "scan_to_book": "Scanner pour réserver",
    "minutes": "{m} min",
    "hours": "{h} h",
    "hours_minutes": "{h} h {m} min",
    "tomorrow": "Demain",
}

_ZH = {
    "available": "空闲",
    "busy": "使用中",
    "starting_soon": "即将开始",
    "free_until": "空闲至 {time}",
    "free_rest_of_day": "今天剩余时间空闲",
    "ends_in": "{dur}后结束",
    "starts_in": "{dur}后开始",
    "until": "至 {time}",
    "back_to_back": "会议连续进行",
    "all_day": "全天",
    "booked_all_day": "全天占用",
    "private": "私人会议",
    "meeting": "会议",
    "now": "当前",
    "next": "下一个",
    "later": "今天稍后",
    "upcoming": "接下来",
    "no_more": "今天没有其他会议",
    "no_data": "尚无日历数据",
    "no_data_hint": "正在等待首次日历更新",
    "stale": "自 {time} 起未更新",
    "pair_title": "设置此门牌",
    "pair_node": "节点 ID",
    "pair_hub": "集线器",
    "pair_hint": "请在集线器上将此节点分配给会议室",
    "scan_to_book": "扫码预订",
    "minutes": "{m} 分钟",
    "hours": "{h} 小时",
    "hours_minutes": "{h} 小时 {m} 分钟",
    "tomorrow": "明天",
}

_DAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "de": ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"),
    "fr": ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."),
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
}
_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "de": ("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sep.", "Okt.", "Nov.",
           "Dez."),
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
           "nov.", "déc."),
}
_DATE_FORMATS = {
    "en": "{day} {d} {month}",
    "de": "{day}, {d}. {month}",
    "fr": "{day} {d} {month}",
    "zh": "{m}月{d}日 {day}",
}
_TABLES = {"en": _EN, "de": _DE, "fr": _FR, "zh": _ZH}
_DEFAULT_HOUR24 = {"en": False, "de": True, "fr": True, "zh": True}


@dataclass(frozen=True)
class Locale:
    """How one hub speaks: language, 12/24-hour clock. Build with `get_locale()`."""

    code: str
    hour24: bool

    def t(self, key: str, **values: object) -> str:
        """The UI string `key`, with `{placeholders}` filled in."""
        return _TABLES[self.code][key].format(**values)

    def time(self, when: datetime) -> str:
        """Clock time, e.g. "14:05" or "2:05 PM"."""
        if self.hour24:
            return f"{when.hour:02d}:{when.minute:02d}"
        hour = when.hour % 12 or 12
        return f"{hour}:{when.minute:02d} {'AM' if when.hour < 12 else 'PM'}"

    def time_range(self, start: datetime, end: datetime) -> str:
        """"10:00–11:00", or "10:00–11:30 AM" when both halves share AM/PM."""
        if not self.hour24 and (start.hour < 12) == (end.hour < 12):
            left = self.time(start).rsplit(" ", 1)[0]
            return f"{left}–{self.time(end)}"
        return f"{self.time(start)}–{self.time(end)}"

    def date(self, when: datetime) -> str:
        """Short weekday and date, e.g. "Wed 25 Nov", "Mi, 25. Nov.", "11月25日 周三"."""
        months = _MONTHS.get(self.code)
        return _DATE_FORMATS[self.code].format(
            day=_DAYS[self.code][when.weekday()],
            d=when.day,
            m=when.month,
            month=months[when.month - 1] if months else when.month,
        )

    def duration(self, minutes: int) -> str:
        """A rounded-up span like "45 min" or "1 h 30 min"."""
        minutes = max(0, minutes)
        hours, mins = divmod(minutes, 60)
        if not hours:
            return self.t("minutes", m=mins)
        if not mins:
            return self.t("hours", h=hours)
        return self.t("hours_minutes", h=hours, m=mins)


LOCALES = tuple(_TABLES)


# English-speaking regions that read the clock in 12 hours; other `en-XX` use 24 hours.
_EN_12H_REGIONS = {"US", "CA", "AU", "NZ", "PH", "IN"}


def get_locale(code: str | Locale = "en", hour24: bool | None = None) -> Locale:
    """A Locale for `code`, optionally forcing the 12/24-hour clock.

    `code` is a language ("en", "de", "fr", "zh"), optionally with a region ("en-GB" reads
    24 h, "en"/"en-US" 12 h) and a clock suffix ("en@24h", "de@12h") so a hub's single
    locale setting can carry both. Unknown languages raise ValueError naming the supported.
    """
    if isinstance(code, Locale):
        return code if hour24 is None else replace(code, hour24=hour24)
    text, _, clock = code.partition("@")
    lang, _, region = text.replace("_", "-").partition("-")
    lang = lang.lower()
    if lang not in _TABLES:
        raise ValueError(f"unsupported locale {code!r} (supported: {', '.join(LOCALES)})")
    if clock:
        if clock.lower() not in ("12h", "24h"):
            raise ValueError(f"locale {code!r}: the clock suffix must be @12h or @24h")
        hour24 = clock.lower() == "24h" if hour24 is None else hour24
    if hour24 is None:
        hour24 = _DEFAULT_HOUR24[lang]
        if lang == "en" and region:
            hour24 = region.upper() not in _EN_12H_REGIONS
    return Locale(lang, hour24)
