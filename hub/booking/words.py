"""The few words booking draws on a sign, in the hub's screen languages.

Button labels and the one-word answers shown above a pressed button sit next to the
renderer's own localized text, so they follow `[hub] locale` too. (The phone page and its
messages are English for now.) Keys are the English words; an unknown key is drawn as is.
"""

from __future__ import annotations

from renderer.strings import Locale

_WORDS: dict[str, dict[str, str]] = {
    "de": {"Book {m}": "{m} Min", "To {t}": "Bis {t}", "End now": "Beenden",
           "Outdated": "Veraltet", "Taken": "Belegt", "Read-only": "Nur lesen",
           "Offline": "Offline", "Failed": "Fehler", "One only": "Nur eine", "Over": "Vorbei",
           "Past": "Vorbei", "Error": "Fehler"},
    "fr": {"Book {m}": "{m} min", "To {t}": "Jusqu'à {t}", "End now": "Terminer",
           "Outdated": "Périmé", "Taken": "Occupée", "Read-only": "Lecture seule",
           "Offline": "Hors ligne", "Failed": "Échec", "One only": "Une seule",
           "Over": "Terminée", "Past": "Passé", "Error": "Erreur"},
    "zh": {"Book {m}": "订{m}分钟", "To {t}": "至{t}", "End now": "结束",
           "Outdated": "已过期", "Taken": "已占用", "Read-only": "只读", "Offline": "离线",
           "Failed": "失败", "One only": "仅按一个", "Over": "已结束", "Past": "已过",
           "Error": "错误"},
}


def word(loc: Locale, key: str, **values: object) -> str:
    """`key` ("Book {m}", "Taken", ...) in the language of `loc`, with values filled in."""
    return _WORDS.get(loc.code, {}).get(key, key).format(**values)
