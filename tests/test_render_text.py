"""Text fitting: wrap, ellipsize, hard-break long words; CJK and RTL text get real glyphs."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from renderer import fonts
from renderer.canvas import Canvas
from renderer.fonts import font, runs
from renderer.textfit import ELLIPSIS, Box, draw_fitted, ellipsize, fits, text_width, wrap


def test_wrap_keeps_words_and_ellipsizes_the_last_line() -> None:
    f = font(16)
    text = "Quarterly planning with the product and design teams about next year"
    lines = wrap(f, text, 160, 2)
    assert len(lines) == 2 and lines[-1].endswith(ELLIPSIS)
    assert all(text_width(f, line) <= 160 for line in lines)
    assert lines[0] in text  # first line breaks at a space, words intact
    assert wrap(f, "Short", 160, 2) == ["Short"]
    assert wrap(f, "", 160, 2) == []


def test_long_word_is_broken_not_overflowing() -> None:
    f = font(20, bold=True)
    word = "Donaudampfschifffahrtsgesellschaftskapitänsmütze"
    lines = wrap(f, word, 120, 10)
    assert "".join(lines) == word and len(lines) > 2
    assert all(fits(f, line, 120, 100) for line in lines)


def test_ellipsize_fits_or_gives_up_cleanly() -> None:
    f = font(14)
    assert ellipsize(f, "A fairly long room name", 60).endswith(ELLIPSIS)
    assert text_width(f, ellipsize(f, "A fairly long room name", 60)) <= 60
    assert ellipsize(f, "Anything", 2) == ""  # not even the ellipsis fits


def test_draw_fitted_never_leaves_its_box() -> None:
    canvas = Canvas(Image.new("P", (200, 100), 0))
    box = Box(10, 10, 110, 50)
    draw_fitted(canvas, box, "Many words " * 20, font(18), 1, max_lines=9)
    assert canvas.lines and all(box.contains(ink) for _, ink, _ in canvas.lines)
    assert len(canvas.lines) == 1  # a 40 px box holds one 21 px line, not two
    assert canvas.image.crop((0, 0, 200, 10)).getbbox() is None
    assert canvas.image.crop((0, 50, 200, 100)).getbbox() is None


def _ink(text: str, size: int = 24) -> bytes:
    canvas = Canvas(Image.new("P", (300, 40), 0))
    draw_fitted(canvas, Box(0, 0, 300, 40), text, font(size), 1)
    return canvas.image.tobytes()


def test_bundled_cjk_subset_draws_real_glyphs() -> None:
    fonts.use_system_fonts(False)
    try:
        assert Path(runs(font(24), "空闲")[0][1].path) == fonts.CJK_SUBSET
        # Two different characters must look different: boxes for missing glyphs would not.
        assert _ink("空") != _ink("闲")
        assert _ink("空闲") != _ink("\u4e00\u4e01")  # not in the subset: drawn as boxes
    finally:
        fonts.use_system_fonts(True)


def test_runs_split_scripts_and_system_cjk_override(monkeypatch) -> None:
    parts = runs(font(20, bold=True), "Room 会议室 3")
    assert [p for p, _ in parts] == ["Room ", "会议室 ", "3"]
    assert "DejaVu" in str(parts[0][1].path) and "DejaVu" in str(parts[2][1].path)
    monkeypatch.setenv("ROOMINK_CJK_FONT", str(fonts.DEJAVU_REGULAR))
    fonts.cjk_font_paths.cache_clear()
    runs.cache_clear()
    try:
        assert Path(runs(font(20), "会议")[0][1].path) == fonts.DEJAVU_REGULAR
    finally:
        monkeypatch.delenv("ROOMINK_CJK_FONT")
        fonts.cjk_font_paths.cache_clear()
        runs.cache_clear()


@pytest.mark.skipif(not fonts.HAVE_RAQM, reason="Pillow built without libraqm")
def test_rtl_text_is_shaped() -> None:
    # Arabic letters join when shaped: the shaped word is narrower than its isolated forms.
    (part, shaped), = runs(font(20), "مرحبا")
    assert shaped.layout_engine == fonts.ImageFont.Layout.RAQM
    assert shaped.getlength(part) < font(20).getlength(part)


def test_emoji_and_controls_do_not_crash() -> None:
    for text in ("🚢🎉👩‍💻", "a\x00b", "\u202eevil", "e\u0301\u0301\u0301", "\t\n\r"):
        _ink(text)
