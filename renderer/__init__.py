"""roomink renderer: room schedule -> screen image -> 1-bit planes -> wire frame.

Pure code: no clock, no I/O. Everything it needs is passed in.

Public API: `render(schedule, profile, now, locale)` and `render_pairing(...)`
(renderer.screen), display profiles (renderer.profiles), planes (renderer.planes), locales
(renderer.strings.get_locale).
"""

from renderer.screen import render, render_pairing
from renderer.strings import get_locale

__all__ = ["render", "render_pairing", "get_locale"]
