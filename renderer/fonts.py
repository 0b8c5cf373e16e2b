"""Font registry: which font file draws which text, loaded once and cached.

- Latin, Greek, Cyrillic, Hebrew, Arabic: DejaVu Sans (bundled, fonts/dejavu/, free licence
  in LICENSE). It stays legible at small pixel sizes without anti-aliasing.
- CJK: the first system CJK font found (Noto Sans CJK, WenQuanYi, Droid Sans Fallback), else
  a bundled subset of Droid Sans Fallback that holds the zh UI strings (fonts/droid-subset/).
  Characters no font has are drawn as boxes: never a crash.
- Right-to-left text is shaped with libraqm when Pillow has it; everything else uses the
  BASIC layout, which is faster and renders identically on every machine.

`use_system_fonts(False)` restricts the registry to bundled fonts and the BASIC layout:
golden-image tests do this so they do not depend on what a machine has installed.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont, features

FONT_DIR = Path(__file__).resolve().parent / "fonts"
DEJAVU_REGULAR = FONT_DIR / "dejavu" / "DejaVuSans.ttf"
DEJAVU_BOLD = FONT_DIR / "dejavu" / "DejaVuSans-Bold.ttf"
CJK_SUBSET = FONT_DIR / "droid-subset" / "DroidSansFallback-roomink.ttf"

# (regular, bold) system CJK fonts, best first. ROOMINK_CJK_FONT names another file.
SYSTEM_CJK = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
     "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", None),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", None),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", None),
)

Font = ImageFont.FreeTypeFont

_settings = {"system": True}


def use_system_fonts(enabled: bool) -> None:
    """Allow (default) or forbid what the machine provides: installed CJK fonts and libraqm
    shaping (it needs the system's FriBiDi). Off, screens depend on bundled files only."""
    if _settings["system"] != enabled:
        _settings["system"] = enabled
        cjk_font_paths.cache_clear()
        runs.cache_clear()


@lru_cache(maxsize=256)
def load(path: str, size: int, raqm: bool = False) -> Font:
    """One font file at one pixel size, loaded once."""
    engine = ImageFont.Layout.RAQM if raqm else ImageFont.Layout.BASIC
    return ImageFont.truetype(path, size, layout_engine=engine)


def font(size: int, bold: bool = False) -> Font:
    """The UI font (DejaVu Sans) at `size` pixels."""
    return load(str(DEJAVU_BOLD if bold else DEJAVU_REGULAR), size)


@lru_cache(maxsize=1)
def cjk_font_paths() -> tuple[str, str]:
    """(regular, bold) font files for CJK text under the current settings."""
    if _settings["system"]:
        override = os.environ.get("ROOMINK_CJK_FONT")
        if override and Path(override).is_file():
            return override, override
        for regular, bold in SYSTEM_CJK:
            if Path(regular).is_file():
                return regular, bold if bold and Path(bold).is_file() else regular
    return str(CJK_SUBSET), str(CJK_SUBSET)


def _is_cjk(code: int) -> bool:
    return (0x2E80 <= code <= 0x9FFF or 0xAC00 <= code <= 0xD7AF or 0xF900 <= code <= 0xFAFF
            or 0xFF00 <= code <= 0xFFEF or 0x20000 <= code <= 0x2FA1F)


def _is_rtl(code: int) -> bool:
    return 0x0590 <= code <= 0x08FF or 0xFB1D <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF


HAVE_RAQM = features.check("raqm")


@lru_cache(maxsize=4096)
def runs(base: Font, text: str) -> tuple[tuple[str, Font], ...]:
    """`text` cut into runs, each with the font that draws it in place of `base`.

    CJK characters go to the CJK font (same size, bold when available), everything else
    stays in `base`; a run with right-to-left letters is shaped by raqm when available.
    """
    if text.isascii():
        return ((text, base),)
    regular, bold_path = cjk_font_paths()
    cjk = load(bold_path if "Bold" in str(base.path) else regular, int(base.size))
    out: list[tuple[str, Font]] = []
    current: list[str] = []
    current_cjk: bool | None = None
    for char in text:
        is_cjk = None if char.isspace() else _is_cjk(ord(char))
        if is_cjk is not None and current_cjk is not None and is_cjk != current_cjk and current:
            out.append(("".join(current), cjk if current_cjk else base))
            current = []
        if is_cjk is not None:
            current_cjk = is_cjk
        current.append(char)
    if current:
        out.append(("".join(current), cjk if current_cjk else base))
    if HAVE_RAQM and _settings["system"]:
        out = [(t, _shaped(f, t) if any(_is_rtl(ord(c)) for c in t) else f) for t, f in out]
    return tuple(out)


def _shaped(base: Font, text: str) -> Font:
    """`base` with raqm layout for right-to-left text, unless raqm cannot lay it out
    (it fails on some unassigned code points): then the BASIC font, unshaped but drawn."""
    shaped = load(str(base.path), int(base.size), raqm=True)
    try:
        shaped.getbbox(text, mode="1")
    except (RuntimeError, OSError, ValueError):
        return base
    return shaped


@lru_cache(maxsize=16384)
def glyph_bbox(font: Font, text: str) -> tuple[int, int, int, int]:
    """Ink box of `text` in one font at (0, 0), anchor "la", with mono hinting (as drawn)."""
    x0, y0, x1, y1 = font.getbbox(text, mode="1", anchor="la")
    return int(x0), int(y0), int(x1), int(y1)


@lru_cache(maxsize=16384)
def advance(font: Font, text: str) -> float:
    """How far the pen moves after `text` in one font (mono hinting, as drawn)."""
    return font.getlength(text, mode="1")
